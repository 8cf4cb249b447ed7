"""The 楼门院长's page (``/portal/building/``): their buildings and the members placed there,
a need raised for a neighbour (it goes straight to the building's grid), and a notice to
the members of the building (in their inbox).

Only someone appointed 楼门院长 gets in; the buildings come from the appointment, never
from the form. Members' names are shown, phone numbers masked.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm
from kb import data as kbdata

from .. import auth, store

bp = Blueprint(
    "building_head", __name__, template_folder="templates", url_prefix="/portal/building"
)
NOTICE_MAX = 300


def _mine() -> list[tuple[str, str]]:
    """(community id, building id) of the person's active 楼门院长 appointments."""
    return [
        (row["scope_id"], bid)
        for row in store.appointments_of(g.user["uid"])
        if row["role"] == "building_head"
        for bid in row["targets"]
    ]


@bp.before_request
@auth.login_required
def _gate():
    if not _mine():
        abort(403)


def _building_or_404(cid: str, bid: str) -> dict:
    if (cid, bid) not in _mine():
        abort(404)
    return store.get_building(cid, bid)


def _members(cid: str, bid: str) -> list[dict]:
    reports = [r for r in store.list_report_ins(cid, "已报到") if r.get("building_id") == bid]
    users = store.users_by_ids([r["uid"] for r in reports])
    return [users[r["uid"]] for r in reports if r["uid"] in users]


@bp.route("/")
def index():
    rows = []
    for cid, bid in _mine():
        building = store.get_building(cid, bid)
        rows.append(
            {
                "community": store.get_community(cid),
                "building": building,
                "label": store.building_label(cid, bid),
                "members": _members(cid, bid),
                "needs": [n for n in store.list_needs(cid) if n.get("building_id") == bid][:10],
            }
        )
    return render_template(
        "building_head/index.html",
        rows=rows,
        action=ActionForm(),
        categories=kbdata.need_category_choices(),
        notice_max=NOTICE_MAX,
    )


@bp.route("/c/<cid>/<bid>/need", methods=["POST"])
def raise_need(cid: str, bid: str):
    """A need raised by the 楼门院长 for a neighbour of the building."""
    _building_or_404(cid, bid)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后重试。", "error")
        return redirect(url_for(".index"))
    try:
        store.create_need(
            cid,
            category=request.form.get("category", ""),
            description=request.form.get("description", ""),
            raised_by="building_head",
            building_id=bid,
            name=request.form.get("name", ""),
            phone=request.form.get("phone", ""),
            by=None,
        )
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        flash("需求已提交，先由所在网格处理。", "success")
    return redirect(url_for(".index"))


@bp.route("/c/<cid>/<bid>/notice", methods=["POST"])
def notice(cid: str, bid: str):
    """A notice to every member placed in the building (their inbox)."""
    building = _building_or_404(cid, bid)
    form = ActionForm()
    text = (request.form.get("text") or "").strip()
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后重试。", "error")
    elif not text:
        flash("请填写通知内容。", "error")
    elif len(text) > NOTICE_MAX:
        flash(f"通知不能超过 {NOTICE_MAX} 个字。", "error")
    else:
        members = _members(cid, bid)
        for member in members:
            store.notify(member["uid"], "message", f"{building['name']}楼门院长通知：{text}")
        flash(f"已通知本楼门院的 {len(members)} 名党员。", "success")
    return redirect(url_for(".index"))
