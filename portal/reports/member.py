"""在职党员报到 for the member: report in to a community, withdraw a pending report-in."""

from __future__ import annotations


from flask import Blueprint, flash, g, redirect, url_for


from .. import auth, store

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/portal")


@bp.route("/c/<cid>/report-in", methods=["POST"])
@auth.login_required
def report_in(cid: str):
    """Submit a report-in to this community (from its page or join link)."""
    community = store.get_community(cid)
    try:
        store.submit_report_in(g.user["uid"], cid)
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
