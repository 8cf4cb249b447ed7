"""Communities' requests to whistle (提请街道吹哨), on the ``whistles`` blueprint: a
community admin asks its street to whistle for one of its needs and follows the
answer; a street admin sees its communities' requests and declines one with a
reason (raising the whistle itself goes through ``whistles.new``). A community
admin reaches its own community's requests only; every change is audited.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from forms.whistles import ReasonForm, RequestForm
from kb import data as kbdata

from .. import admin as _admin
from .. import auth, store
from .scope import _item_choices, _notify, _street_scope, labels
from .views import bp


@bp.route("/requests")
def requests():
    """Requests to whistle: the street's (to decide), or my community's (to follow)."""
    if g.user["role"] == "community_admin":
        community = store.get_community(g.user["scope"])
        rows = store.list_requests(community["street_id"], community_id=community["id"])
    else:
        rows = [r for s in _street_scope() for r in store.list_requests(s)]
    return render_template(
        "whistles/requests.html", rows=rows, decline_form=ReasonForm(), **labels()
    )


@bp.route("/requests/<sid>/<rid>/decline", methods=["POST"])
@auth.roles_required("street_admin")
def decline(sid: str, rid: str):
    """Decline a community's request, with the reason it will read."""
    if g.user["scope"] != sid:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            row = store.decline_request(sid, rid, g.user, form.reason.data)
        except store.NotFound:
            abort(404)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            store.record_audit(
                g.user,
                "不予吹哨",
                community_id=row["community_id"],
                street_id=sid,
                target=f"吹哨申请 {rid}",
                before=store.REQUEST_PENDING,
                after=row["reason"],
            )
            _notify(
                [row["created_by"]],
                f"街道未予吹哨：{row['reason']}",
                url_for("community_lists.need", cid=row["community_id"], nid=row["need_id"]),
            )
            flash("已答复社区。", "success")
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".requests"))


@bp.route("/c/<cid>/needs/<nid>/request", methods=["GET", "POST"])
@auth.roles_required("community_admin")
def request_for_need(cid: str, nid: str):
    """提请街道吹哨: a community asks its street to whistle for one of its needs."""
    community = auth.admin_community_or_404(cid)
    try:
        need = store.get_need(cid, nid)
    except store.NotFound:
        abort(404)
    form = RequestForm()
    form.item.choices = _item_choices()
    if request.method == "GET":
        # The need's problem category suggests its usual whistle item (路灯照明 → W11-3).
        usual = kbdata.need_categories().get(need["category"], {}).get("whistle_items")
        form.item.data = usual[0] if usual else ""
    if form.validate_on_submit():
        try:
            row = store.request_whistle(cid, nid, g.user, form.note.data, form.item.data or None)
        except store.StoreError as exc:
            form.note.errors.append(str(exc))
        else:
            store.record_audit(
                g.user,
                "提请街道吹哨",
                community_id=cid,
                street_id=community["street_id"],
                target=f"需求 {nid}",
                after=row["note"][:60],
            )
            street_admins = [
                u["uid"] for u in store.list_admins("street_admin", [community["street_id"]])
            ]
            _notify(
                street_admins,
                f"{community['name']}提请街道吹哨：{row['note'][:60]}",
                url_for(".requests"),
            )
            flash("已提请街道吹哨，街道处理后会通知您。", "success")
            return redirect(url_for("community_lists.need", cid=cid, nid=nid))
    return render_template(
        "whistles/request.html", community=community, need=need, form=form, **labels()
    )
