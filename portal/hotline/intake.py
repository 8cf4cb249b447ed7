"""Orders coming in: the district's batch import of the hotline's export (template,
upload, preview with every bad row by number, confirmation: all or nothing, a second
import of the same file adds nothing), manual entry by the district or a street, and an
order made from a need (社区、街道、区) or from a 小巷管家's own finding."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from forms.hotline import IMPORT_MAX_BYTES, ConfirmImportForm, ImportForm, ManualOrderForm
from forms.posts import ActionForm

from .. import auth, store
from ..admin import flash_form_errors
from ..records.exports import export_response
from ..spreadsheets import UnreadableFile, read_upload
from .scope import actor, bp, chosen_unit, user_units

EXAMPLE_ROWS = [  # 示例: what a filled-in template looks like
    [
        "2026120100001",
        "2026-12-01 09:30",
        "张先生",
        "13800001234",
        "楼下路灯不亮，晚上出行不便。",
        "路灯照明",
        "东四北大街 1 号",
        "东四街道",
        "",
        "",
    ],
    [
        "2026120100002",
        "2026-12-01 10:05",
        "李女士",
        "13900005678",
        "胡同里共享单车乱停，堵住院门。",
        "停车与通行",
        "史家胡同 5 号",
        "东四街道",
        "",
        "3",
    ],
]


def _district_only() -> None:
    if g.user["role"] != "district_admin":
        abort(403)


@bp.route("/template.<fmt>")
def template(fmt: str):
    """The import template: its header and two example rows (示例)."""
    _district_only()
    if fmt not in ("xlsx", "csv"):
        return redirect(url_for(".import_page"))
    columns = list(store.HOTLINE_IMPORT_COLUMNS)
    return export_response("热线工单导入模板", fmt, columns, EXAMPLE_ROWS)


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    """Upload the hotline's export; a readable file leads to the preview."""
    _district_only()
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_upload(
                upload, upload.filename, store.HOTLINE_IMPORT_COLUMNS, IMPORT_MAX_BYTES
            )
        except UnreadableFile as exc:
            form.file.errors.append(str(exc))
        else:
            plan = store.plan_hotline_import(rows, actor())
            batch = None if plan["errors"] else store.stage_hotline_import(g.user["uid"], rows)
            return render_template(
                "hotline/preview.html",
                plan=plan,
                sample=plan["orders"][:20],
                confirm=ConfirmImportForm(data={"batch": batch}) if batch else None,
            )
    status = 400 if form.errors else 200
    return render_template(
        "hotline/import.html", form=form, columns=store.HOTLINE_IMPORT_COLUMNS
    ), status


@bp.route("/import/confirm", methods=["POST"])
def import_confirm():
    _district_only()
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".import_page"))
    try:
        rows = store.staged_hotline_import(g.user["uid"], form.batch.data)
        result = store.apply_hotline_import(rows, "district", actor())
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_page"))
    store.drop_staged_hotline_import(g.user["uid"], form.batch.data)
    store.record_audit(
        g.user,
        "导入热线工单",
        target="热线工单",
        after=f"新增 {result['added']} 件，跳过已导入 {result['skipped']} 件",
    )
    flash(
        f"导入完成：新增工单 {result['added']} 件，已导入过的 {result['skipped']} 件未重复导入。",
        "success",
    )
    return redirect(url_for(".index", unit="district"))


# ---------------------------------------------------------------- manual entry


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Manual entry by the district or a street (接待日, 民情日记, 其他)."""
    unit = chosen_unit(request.values.get("unit"))
    if not (unit == "district" or unit.startswith("street:")):
        abort(403)
    config = store.hotline_config()
    form = ManualOrderForm()
    form.channel.choices = [(c["id"], c["name"]) for c in config["channels"] if c["manual"]]
    form.category.choices = [(c["id"], c["name"]) for c in config["categories"]]
    street = unit.partition(":")[2] or None
    communities = store.list_communities(street) if street else store.list_communities()
    form.community.choices = [("", "不指定")] + [(c["id"], c["name"]) for c in communities]
    if form.validate_on_submit():
        try:
            order, token = store.create_hotline_order(
                unit,
                actor(),
                channel=form.channel.data,
                category=form.category.data,
                caller=form.caller.data,
                phone=form.phone.data,
                content=form.content.data,
                address=form.address.data,
                community_id=form.community.data or None,
            )
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            link = url_for("hotline_public.status", token=token, _external=True)
            flash(f"已录入工单 {order['number']}。", "success")
            return render_template("hotline/created.html", order=order, link=link)
    status = 400 if form.errors else 200
    return render_template("hotline/new.html", form=form, unit=unit), status


# ---------------------------------------------------------------- from a need or a finding


@bp.route("/from-need/<cid>/<nid>", methods=["POST"])
def from_need(cid: str, nid: str):
    """A need of the community becomes an order (its street receives it)."""
    community = auth.admin_community_or_404(cid)
    units = [u for u, _n in user_units(g.user)]
    unit = units[0] if units else ""
    if not ActionForm().validate_on_submit():
        flash("安全校验失败，请刷新页面后重新提交。", "error")
        return redirect(url_for("community_lists.need", cid=cid, nid=nid))
    try:
        order = store.hotline_order_from_need(community["id"], nid, unit, actor())
    except store.NotFound:
        abort(404)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for("community_lists.need", cid=cid, nid=nid))
    flash(f"已转为接诉即办工单 {order['number']}，由街道派单办理。", "success")
    return redirect(url_for(".order", oid=order["id"]))


@bp.route("/from-finding/<sid>/<pid>/<fid>", methods=["POST"])
def from_finding(sid: str, pid: str, fid: str):
    """The steward's own finding becomes an order of the street (网格巡查)."""
    if not ActionForm().validate_on_submit():
        flash("安全校验失败，请刷新页面后重新提交。", "error")
        return redirect(url_for("patrols.patrol", sid=sid, pid=pid))
    try:
        order = store.hotline_order_from_finding(sid, pid, fid, g.user["uid"], actor())
    except store.NotFound:
        abort(404)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for("patrols.patrol", sid=sid, pid=pid))
    flash(f"已转为接诉即办工单 {order['number']}，由街道派单办理。", "success")
    return redirect(url_for("patrols.patrol", sid=sid, pid=pid))
