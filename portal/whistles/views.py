"""街道吹哨: street admins raise, verify, return, close and escalate whistles; district
admins see every street, the figures and create department liaisons; community
admins ask their street to whistle for a need and follow what came of it.

A street admin sees only its street's whistles, a community admin only those that
came from its community; anything else is a 404. Every change is audited. This
module holds the blueprint, the lists and a whistle's flow; the communities'
requests are in ``whistle_requests_views``, the figures, exports, reports and
department liaisons in ``whistle_figures``, the shared helpers in ``_whistle_common``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.whistles import NoteForm, ReasonForm, ReturnForm, WhistleForm, close_form

from .. import admin as _admin
from .. import auth, store, uploads
from ..security import csrf
from .scope import (
    _audit,
    _item_choices,
    _item_label,
    _liaisons,
    _link,
    _notify,
    _street_admin_of,
    _street_scope,
    _whistle_or_404,
    department_choices,
    labels,
    reachable_departments,
    save_photo,
    send_photo,
)

bp = Blueprint("whistles", __name__, template_folder="templates", url_prefix="/portal/whistles")


_admin.admins_only(bp)


# ---------------------------------------------------------------- lists


@bp.route("/")
def index():
    """Whistles of my street (or of the district), open first, overdue flagged."""
    if g.user["role"] == "community_admin":
        return redirect(url_for(".requests"))
    streets = _street_scope()
    status = request.args.get("status", "")
    status = status if status in store.WHISTLE_STATUSES else ""
    rows = store.list_whistles(
        streets, months=store.month_list(store.now().strftime("%Y-%m"), 3), status=status or None
    )
    at = store.now()
    overdue = {w["id"]: store.overdue_steps(w, at) for w in rows}
    pending = sum(len(store.list_requests(s, store.REQUEST_PENDING)) for s in streets)
    return render_template(
        "whistles/index.html",
        rows=rows,
        overdue=overdue,
        status=status,
        statuses=store.WHISTLE_STATUSES,
        pending=pending,
        **labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
@auth.roles_required("street_admin")
def new():
    """Raise a whistle; the departments are pre-filled from the item, a request fills the rest.
    Up to three photos; a refusal brings the form back as typed (see ``uploads``)."""
    sid = g.user["scope"]
    req = None
    form = uploads.photo_form(WhistleForm)  # reads the body, its files capped
    rid = form.request_id.data or request.args.get("request_id") or request.args.get("request")
    if rid:
        try:
            req = store.get_request(sid, rid)
        except store.NotFound:
            abort(404)
    form.item.choices = _item_choices()
    # A department without a liaison account is marked: it would never see the whistle.
    form.departments.choices = department_choices(mark_unreachable=True)
    if request.method == "GET":
        item_id = request.args.get("item") or (req or {}).get("item_id") or ""
        if item_id in store.whistle_data()["item_by_id"]:
            form.item.data = item_id
            form.departments.data = store.get_item(item_id)["department_ids"]
        if req:
            need = store.get_need(req["community_id"], req["need_id"])
            form.description.data = need["description"]
            form.place.data = store.get_community(req["community_id"])["name"] + (
                f" {need['building']}" if need.get("building") else ""
            )
            form.request_id.data = req["id"]
    status = 200
    if not uploads.accepted(form):
        status = uploads.status(form)
    else:
        photos: list[str] = []
        try:
            photos = save_photo(form, sid)
            refs = [(req["community_id"], req["need_id"])] if req else []
            whistle = store.create_whistle(
                sid,
                g.user,
                item_id=form.item.data,
                description=form.description.data,
                place=form.place.data,
                departments=form.departments.data,
                photos=photos,
                need_refs=refs,
                request_id=req["id"] if req else None,
            )
        except store.StoreError as exc:
            for name in photos:
                store.delete_whistle_photo(sid, name)
            (form.photos if "照片" in str(exc) else form.description).errors.append(str(exc))
        else:
            _audit(
                whistle,
                "街道吹哨",
                None,
                f"{_item_label(whistle['item_id'])}；召集 "
                + "、".join(store.get_department(d)["name"] for d in whistle["departments"]),
            )
            text = f"街道吹哨：{_item_label(whistle['item_id'])}，地点：{whistle['place']}。请在时限内报到。"
            _notify(
                _liaisons(list(whistle["departments"])),
                text,
                url_for("departments.whistle", sid=sid, wid=whistle["id"]),
            )
            if req:
                _notify(
                    [req["created_by"]],
                    f"街道已就您提请的需求吹哨（{whistle['id']}）。",
                    _link(whistle),
                )
            _flash_raised(whistle)
            return uploads.done(_link(whistle))
    selected = store.whistle_data()["item_by_id"].get(form.item.data or "")
    page = render_template(
        "whistles/new.html",
        form=form,
        req=req,
        selected=selected,
        photo_limits=uploads.limits(),
        **labels(),
    )
    return page, status


def _flash_raised(whistle: dict) -> None:
    """Say who is notified; name the summoned departments nobody can receive it for."""
    reachable = reachable_departments()
    names = {d: store.get_department(d)["name"] for d in whistle["departments"]}
    missing = [names[d] for d in whistle["departments"] if d not in reachable]
    if not missing:
        flash("已吹哨，被召集的部门会收到通知。", "success")
        return
    told = [names[d] for d in whistle["departments"] if d in reachable]
    flash(
        ("已吹哨，" + "、".join(told) + "会收到通知。" if told else "已吹哨。")
        + "、".join(missing)
        + "尚无联络人账号，无法在平台收到通知，请用电话等方式另行通知；"
        "联络人账号由区级管理员创建。",
        "warning",
    )


@bp.route("/s/<sid>/<wid>")
def whistle(sid: str, wid: str):
    """One whistle: departments' progress, time targets, overdue steps, timeline, actions."""
    return _whistle_page(_whistle_or_404(sid, wid))


def _whistle_page(whistle: dict, status: int = 200, **forms):
    """The whistle's page; ``forms`` puts a submitted form (with its errors and what was
    typed) in place of the empty one, keyed by the template's name for it."""
    depts = [(d, store.get_department(d)["name"]) for d in whistle["departments"]]
    return_form = ReturnForm(formdata=None)
    return_form.departments.choices = depts
    empty = {
        "verify_form": NoteForm(formdata=None),
        "return_form": return_form,
        "close_form": close_form(depts, formdata=None),
        "escalate_form": ReasonForm(formdata=None),
    }
    page = render_template(
        "whistles/whistle.html",
        w=whistle,
        overdue=store.overdue_steps(whistle),
        dept_list=depts,
        resident_ratings=store.resident_ratings(whistle),
        can_act=g.user["role"] == "street_admin" and g.user["scope"] == whistle["street_id"],
        **(empty | forms),
        **labels(),
    )
    return page, status


@bp.route("/s/<sid>/<wid>/photo/<name>")
def photo(sid: str, wid: str, name: str):
    """A photo of the whistle, for those who may see the whistle."""
    return send_photo(_whistle_or_404(sid, wid), name)


def _form_shown(whistle: dict, name: str) -> bool:
    """Whether the whistle's page shows the street's form ``name`` in its present state."""
    status = whistle["status"]
    if name == "verify_form":
        return status == "部门已办结"
    if name in ("close_form", "return_form"):
        return status == "街道核验"
    return status != "已结案" and bool(store.overdue_steps(whistle)) and whistle["level"] < 3


def _street_action(
    sid: str, wid: str, form, name: str, action: str, message: str, call, notify=None
):
    """Shared shape of the street's POST actions: check, call the store, audit, notify, flash.

    A form with errors is shown again on the whistle's page (status 400), each message
    beside its field and summed up above the form, with what was typed."""
    whistle = _whistle_or_404(sid, wid)
    _street_admin_of(whistle)
    if not form.validate_on_submit():
        if _form_shown(whistle, name):
            return _whistle_page(whistle, 400, **{name: form})
        # The page shows no such form now (the whistle moved on): say it in one line.
        _admin.flash_form_errors(form)
        return redirect(_link(whistle))
    try:
        after = call(form)
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        _audit(whistle, action, whistle["status"], after["status"])
        if notify:
            notify(after)
        flash(message, "success")
    return redirect(_link(whistle))


@bp.route("/s/<sid>/<wid>/verify", methods=["POST"])
def verify(sid: str, wid: str):
    """The street starts verifying the departments' work (街道核验)."""
    return _street_action(
        sid,
        wid,
        NoteForm(),
        "verify_form",
        "街道核验",
        "已开始核验。",
        lambda f: store.start_verify(sid, wid, g.user, f.note.data or ""),
    )


@bp.route("/s/<sid>/<wid>/return", methods=["POST"])
def send_back(sid: str, wid: str):
    """Return the whistle to departments for rework (退回重办), with a reason."""
    whistle = _whistle_or_404(sid, wid)
    form = ReturnForm()
    form.departments.choices = [
        (d, store.get_department(d)["name"]) for d in whistle["departments"]
    ]

    def notify(after):
        _notify(
            _liaisons(form.departments.data),
            f"吹哨 {wid} 被街道退回重办：{form.reason.data}",
            url_for("departments.whistle", sid=sid, wid=wid),
        )

    return _street_action(
        sid,
        wid,
        form,
        "return_form",
        "退回重办",
        "已退回重办，相关部门会收到通知。",
        lambda f: store.return_for_rework(sid, wid, g.user, f.reason.data, f.departments.data),
        notify,
    )


@bp.route("/s/<sid>/<wid>/close", methods=["POST"])
def close(sid: str, wid: str):
    """Close the whistle with the assessment of each department (一哨一考)."""
    whistle = _whistle_or_404(sid, wid)
    depts = [(d, store.get_department(d)["name"]) for d in whistle["departments"]]
    form = close_form(depts)

    def call(f):
        return store.close_whistle(
            sid,
            wid,
            g.user,
            f.ratings(whistle["departments"]),
            f.community_satisfaction.data or None,
            f.comment.data or "",
        )

    def notify(after):
        uids = _liaisons(list(after["departments"]))
        req = store.get_request(sid, after["request_id"]) if after.get("request_id") else None
        _notify(
            uids + ([req["created_by"]] if req else []),
            f"吹哨 {wid}（{_item_label(after['item_id'])}）已结案。",
            None,
        )

    return _street_action(
        sid, wid, form, "close_form", "结案评价", "已结案，考核结果已记录。", call, notify
    )


@bp.route("/s/<sid>/<wid>/escalate", methods=["POST"])
def escalate(sid: str, wid: str):
    """Escalate an overdue whistle to the next level, with a reason."""

    def notify(after):
        uids = [u["uid"] for u in store.list_admins("district_admin") if not u.get("disabled")]
        _notify(
            uids + _liaisons(list(after["departments"])),
            f"吹哨 {wid} 超时，已升级为 {after['level']} 级：{_item_label(after['item_id'])}。",
            _link(after),
        )

    return _street_action(
        sid,
        wid,
        ReasonForm(),
        "escalate_form",
        "超时升级",
        "已升级，区级管理员会收到通知。",
        lambda f: store.escalate(sid, wid, g.user, f.reason.data),
        notify,
    )
