"""The steps of an order, one POST each: 派单, 签收, 联系, 答复, 退单, 延期 and its
decision, 升级吹哨, 电话回访, 结案, a new resident link, and opening the caller's full
number. The acting unit is the user's unit that sees the order (``scope.order_or_404``);
the store refuses in Chinese what the unit or the state does not allow, and nothing
changes then."""

from __future__ import annotations

from datetime import datetime, time

from flask import abort, flash, redirect, request, url_for

from forms.hotline import (
    AnswerForm,
    CloseForm,
    DecideExtensionForm,
    DispatchForm,
    ExtensionForm,
    NoteForm,
    RatingForm,
    ReturnForm,
    WhistleForm,
)
from forms.posts import ActionForm

from .. import store
from ..admin import flash_form_errors
from .scope import actor, bp, chosen_unit, order_or_404
from .views import render_order


def _run(oid: str, form, run, done: str):
    """Validate ``form``, call ``run(unit, form)``, flash the outcome, back to the order."""
    _order, unit = order_or_404(oid)
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            run(unit, form)
        except store.NotFound:
            abort(404)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash(done, "success")
    return redirect(url_for(".order", oid=oid))


@bp.route("/o/<oid>/dispatch", methods=["POST"])
def dispatch(oid: str):
    order, unit = order_or_404(oid)
    form = DispatchForm(prefix="d")
    form.target.choices = store.hotline_dispatch_targets(order, unit)

    def run(unit, f):
        store.dispatch_hotline_order(oid, unit, actor(), f.target.data, f.note.data)

    return _run(oid, form, run, "已派单。")


@bp.route("/o/<oid>/sign", methods=["POST"])
def sign(oid: str):
    return _run(
        oid, ActionForm(), lambda unit, _f: store.sign_hotline_order(oid, unit, actor()), "已签收。"
    )


@bp.route("/o/<oid>/contact", methods=["POST"])
def contact(oid: str):
    def run(unit, f):
        store.contact_hotline_caller(oid, unit, actor(), f.note.data)

    return _run(oid, NoteForm(prefix="c"), run, "已记录联系情况。")


@bp.route("/o/<oid>/answer", methods=["POST"])
def answer(oid: str):
    def run(unit, f):
        store.answer_hotline_order(oid, unit, actor(), f.text.data, f.resolved.data == "yes")

    return _run(oid, AnswerForm(prefix="a"), run, "已答复，等待诉求人评价或回访。")


@bp.route("/o/<oid>/return", methods=["POST"])
def return_order(oid: str):
    form = ReturnForm(prefix="r")
    form.duty.choices = store.hotline_duty_choices()

    def run(unit, f):
        store.return_hotline_order(oid, unit, actor(), f.duty.data, f.reason.data)

    return _run(oid, form, run, "已退单，退回派单单位。")


@bp.route("/o/<oid>/extension", methods=["POST"])
def extension(oid: str):
    def run(unit, f):
        until = datetime.combine(f.until.data, time(23, 59, 59))
        store.request_hotline_extension(oid, unit, actor(), until, f.reason.data)

    return _run(oid, ExtensionForm(prefix="e"), run, "已提交延期申请，等待派单单位答复。")


@bp.route("/o/<oid>/extension/decide", methods=["POST"])
def decide(oid: str):
    def run(unit, f):
        approve = f.decision.data == "approve"
        store.decide_hotline_extension(oid, unit, actor(), approve, f.note.data)

    return _run(oid, DecideExtensionForm(prefix="x"), run, "已答复延期申请。")


@bp.route("/o/<oid>/whistle", methods=["POST"])
def whistle(oid: str):
    order, _unit = order_or_404(oid)
    form = WhistleForm(prefix="w")
    form.item.choices = [(i["id"], i["name"]) for i in store.hotline_whistle_items(order)]

    def run(unit, f):
        store.raise_hotline_whistle(
            oid, unit, actor(), item_id=f.item.data, description=f.description.data
        )

    return _run(oid, form, run, "已升级吹哨，吹哨与工单互相关联。")


@bp.route("/o/<oid>/followup", methods=["POST"])
def followup(oid: str):
    def run(unit, f):
        store.record_hotline_followup(oid, unit, actor(), f.rating.data, f.comment.data)

    return _run(oid, RatingForm(prefix="f"), run, "已记录电话回访结果。")


@bp.route("/o/<oid>/close", methods=["POST"])
def close(oid: str):
    def run(unit, f):
        store.close_hotline_order(oid, unit, actor(), f.note.data)

    return _run(oid, CloseForm(prefix="z"), run, "已结案。")


@bp.route("/o/<oid>/link", methods=["POST"])
def link(oid: str):
    """A new private link for the resident, shown on this page once."""
    _order, unit = order_or_404(oid)
    if not ActionForm().validate_on_submit():
        flash("安全校验失败，请刷新页面后重新提交。", "error")
        return redirect(url_for(".order", oid=oid))
    try:
        _changed, token = store.issue_hotline_link(oid, unit, actor())
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".order", oid=oid))
    return render_order(oid, link=url_for("hotline_public.status", token=token, _external=True))


@bp.route("/o/<oid>/phone", methods=["POST"])
def phone(oid: str):
    """The caller's full number, for a handler of the order; recorded in the audit log."""
    _order, unit = order_or_404(oid)
    if not ActionForm().validate_on_submit():
        flash("安全校验失败，请刷新页面后重新提交。", "error")
        return redirect(url_for(".order", oid=oid))
    try:
        number = store.reveal_hotline_phone(oid, unit, actor())
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".order", oid=oid))
    return render_order(oid, phone=number)


@bp.route("/dispatch-suggested", methods=["POST"])
def dispatch_suggested():
    """一键派单: the orders waiting for the unit go where the import or the category
    points (所属街道 / 所属社区 / a department), the others stay to be dispatched by hand."""
    unit = chosen_unit(request.form.get("unit"))
    if not (unit == "district" or unit.startswith("street:")):
        abort(403)
    if not ActionForm().validate_on_submit():
        flash("安全校验失败，请刷新页面后重新提交。", "error")
    else:
        count = store.dispatch_hotline_suggested(unit, actor())
        flash(f"已按建议派单 {count} 件；没有建议去向的工单请逐件派单。", "success")
    return redirect(url_for(".index", unit=unit))
