"""在职党员报到 for the member: report in to a community, withdraw a pending report-in."""

from __future__ import annotations


from flask import Blueprint, flash, g, redirect, request, url_for

from forms.posts import ActionForm

from .. import auth, store
from ..grids.admin import parse_place
from ..templating import skill_name

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/portal")


@bp.route("/c/<cid>/report-in", methods=["POST"])
@auth.login_required
def report_in(cid: str):
    """Submit a report-in to this community (from its page or join link)."""
    community = store.get_community(cid)
    grid_id, building_id = parse_place(request.form.get("place", ""))
    try:
        store.submit_report_in(g.user["uid"], cid, grid_id=grid_id, building_id=building_id)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for("public.join", cid=cid))
    flash(f"已向{community['name']}提交报到申请，请等待社区确认。", "success")
    return redirect(url_for("member.home"))


@bp.route("/me/report-ins/<cid>/<rid>/withdraw", methods=["POST"])
@auth.roles_required("member")
def withdraw(cid: str, rid: str):
    """Withdraw my pending report-in."""
    try:
        store.withdraw_report_in(g.user["uid"], cid, rid)
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        flash("报到申请已撤回。", "info")
    return redirect(url_for("member.home"))


@bp.route("/c/<cid>/posts/<pid>/skills/<skill>/request", methods=["POST"])
@auth.roles_required("member", "volunteer")
def request_skill(cid: str, pid: str, skill: str):
    """申请确认专长: ask the post's community to confirm a skill the post requires."""
    post = store.get_post(cid, pid)
    if skill not in store.required_skills(post):
        raise store.NotFound("这个岗位不需要确认这项专长。")
    back = auth.safe_next(url_for("public.post_detail", cid=cid, pid=pid))
    if ActionForm().validate_on_submit():
        try:
            store.request_skill(cid, g.user["uid"], skill)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash(f"已向社区申请确认专长“{skill_name(skill)}”，确认后会通知您。", "success")
    return redirect(back)
