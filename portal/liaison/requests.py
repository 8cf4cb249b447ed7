"""The 社区专员 as the street's liaison on their communities' requests to whistle (提请街道吹哨),
on the ``liaison`` blueprint: the list, raising the whistle from a request, declining one.

They decide exactly as the street admin does (``whistles.new`` and ``whistles.decline``),
through the same store calls, but only requests from the communities they guide
(``store.liaison_request``; any other is a 404). The store and the audit log get the
社区专员 in that capacity (role ``community_liaison``, the action marked 社区专员); the
community that asked and the street's admins are told what was decided.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from forms.whistles import ReasonForm, WhistleForm

from .. import admin as _admin
from .. import store, uploads
from ..security import csrf
from ..whistles.scope import (
    _item_choices,
    _item_label,
    _liaisons,
    _notify,
    department_choices,
    labels,
    reachable_departments,
    save_photo,
)
from .views import CAPACITY, acting_user, bp


def _request_or_404(sid: str, rid: str) -> dict:
    try:
        return store.liaison_request(g.user["uid"], sid, rid)
    except store.NotFound:
        abort(404)


def _street_admins(street_id: str) -> list[str]:
    return [
        u["uid"] for u in store.list_admins("street_admin", [street_id]) if not u.get("disabled")
    ]


@bp.route("/requests")
def requests():
    """The communities' requests to whistle: waiting ones first, with the two decisions."""
    return render_template(
        "liaison/requests.html",
        rows=store.liaison_requests(g.user["uid"]),
        decline_form=ReasonForm(formdata=None),
        capacity=CAPACITY,
        **labels(),
    )


@bp.route("/requests/<sid>/<rid>/decline", methods=["POST"])
def decline(sid: str, rid: str):
    """Decline a request of one of the communities, with the reason it will read."""
    req = _request_or_404(sid, rid)
    form = ReasonForm()
    if not form.validate_on_submit():
        _admin.flash_form_errors(form)
        return redirect(url_for(".requests"))
    actor = acting_user()
    try:
        row = store.decline_request(sid, rid, actor, form.reason.data)
    except store.NotFound:
        abort(404)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".requests"))
    store.record_audit(
        actor,
        f"不予吹哨（{CAPACITY}）",
        community_id=row["community_id"],
        street_id=sid,
        target=f"吹哨申请 {rid}",
        before=store.REQUEST_PENDING,
        after=row["reason"],
    )
    community = store.get_community(req["community_id"])
    _notify(
        [row["created_by"]],
        f"街道未予吹哨：{row['reason']}",
        url_for("community_lists.need", cid=row["community_id"], nid=row["need_id"]),
    )
    _notify(
        _street_admins(sid),
        f"{CAPACITY}{g.user['name']}答复{community['name']}的提请：未予吹哨（{row['reason']}）",
        url_for("whistles.requests"),
    )
    flash("已答复社区。", "success")
    return redirect(url_for(".requests"))


@bp.route("/requests/<sid>/<rid>/whistle", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
def raise_whistle(sid: str, rid: str):
    """Raise the whistle a request asks for, as the street admin would (``whistles.new``):
    the departments pre-filled from the item, the request filling the rest, up to three
    photos; a refusal brings the form back as typed."""
    req = _request_or_404(sid, rid)
    if req["status"] != store.REQUEST_PENDING:
        flash("这条吹哨申请已经处理过了。", "error")
        return redirect(url_for(".requests"))
    form = uploads.photo_form(WhistleForm)  # reads the body, its files capped
    form.item.choices = _item_choices()
    # A department without a liaison account is marked: it would never see the whistle.
    form.departments.choices = department_choices(mark_unreachable=True)
    need = store.get_need(req["community_id"], req["need_id"])
    if request.method == "GET":
        item_id = request.args.get("item") or req.get("item_id") or ""
        if item_id in store.whistle_data()["item_by_id"]:
            form.item.data = item_id
            form.departments.data = store.get_item(item_id)["department_ids"]
        form.description.data = need["description"]
        form.place.data = store.get_community(req["community_id"])["name"] + (
            f" {need['building']}" if need.get("building") else ""
        )
    status = 200
    if not uploads.accepted(form):
        status = uploads.status(form)
    else:
        photos: list[str] = []
        actor = acting_user()
        try:
            photos = save_photo(form, sid)
            whistle = store.create_whistle(
                sid,
                actor,
                item_id=form.item.data,
                description=form.description.data,
                place=form.place.data,
                departments=form.departments.data,
                photos=photos,
                need_refs=[(req["community_id"], req["need_id"])],
                request_id=req["id"],
            )
        except store.StoreError as exc:
            for name in photos:
                store.delete_whistle_photo(sid, name)
            (form.photos if "照片" in str(exc) else form.description).errors.append(str(exc))
        else:
            _raised(whistle, req, actor)
            return uploads.done(url_for(".whistle", sid=sid, wid=whistle["id"]))
    selected = store.whistle_data()["item_by_id"].get(form.item.data or "")
    page = render_template(
        "liaison/raise.html",
        form=form,
        req=req,
        need=need,
        selected=selected,
        photo_limits=uploads.limits(),
        **labels(),
    )
    return page, status


def _raised(whistle: dict, req: dict, actor: dict) -> None:
    """After raising: the audit entry, the departments', the community's and the street
    admins' notices, and what the 社区专员 is told."""
    sid, wid = whistle["street_id"], whistle["id"]
    names = {d: store.get_department(d)["name"] for d in whistle["departments"]}
    store.record_audit(
        actor,
        f"街道吹哨（{CAPACITY}）",
        community_id=whistle["community_id"],
        street_id=sid,
        target=f"吹哨 {wid}",
        after=f"{_item_label(whistle['item_id'])}；召集 "
        + "、".join(names.values())
        + f"；据吹哨申请 {req['id']}",
    )
    _notify(
        _liaisons(list(whistle["departments"])),
        f"街道吹哨：{_item_label(whistle['item_id'])}，地点：{whistle['place']}。请在时限内报到。",
        url_for("departments.whistle", sid=sid, wid=wid),
    )
    link = url_for("whistles.whistle", sid=sid, wid=wid)
    _notify([req["created_by"]], f"街道已就您提请的需求吹哨（{wid}）。", link)
    community = store.get_community(req["community_id"])
    _notify(
        _street_admins(sid),
        f"{CAPACITY}{actor['name']}已就{community['name']}的提请吹哨（{wid}）。",
        link,
    )
    reachable = reachable_departments()
    missing = [names[d] for d in whistle["departments"] if d not in reachable]
    if missing:
        flash(
            "已吹哨。"
            + "、".join(missing)
            + "尚无联络人账号，无法在平台收到通知，请用电话等方式另行通知。",
            "warning",
        )
    else:
        flash("已吹哨，被召集的部门会收到通知。", "success")
