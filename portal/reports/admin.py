"""在职党员报到 for a community's admins: the queue of report-ins (confirm or return with a
reason), the members who reported in, and the confirmation of their skills.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``: an admin outside its scope gets a 404.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm, ConfirmSkillsForm, DeclineSkillForm, ReturnReportForm
from kb import data as kbdata

from .. import admin as _admin
from .. import auth, mail, store
from ..grids.admin import parse_place, place_form
from ..templating import skill_name

bp = _admin.community_blueprint("reports_admin", __name__)


@bp.route("/report-ins")
def report_ins(cid: str):
    """The queue of pending report-ins, and the decided ones below it."""
    community = auth.admin_community_or_404(cid)
    rows = store.list_report_ins(cid)
    users = store.users_by_ids(r["uid"] for r in rows)
    pending = [r for r in rows if r["status"] == "待确认"]
    has_grids = bool(store.grid_structure(cid)["grids"])
    return render_template(
        "reports/report_ins.html",
        community=community,
        pending=pending,
        # Where each member goes on confirmation (their own choice preselected).
        places={r["id"]: place_form(cid, r) for r in pending} if has_grids else {},
        decided=[r for r in reversed(rows) if r["status"] != "待确认"][:50],
        users=users,
        action=ActionForm(),
        return_form=ReturnReportForm(),
    )


@bp.route("/report-ins/<rid>/confirm", methods=["POST"])
def confirm_report_in(cid: str, rid: str):
    """Confirm a pending report-in."""
    community = auth.admin_community_or_404(cid)
    store.get_report_in(cid, rid)
    if ActionForm().validate_on_submit():
        try:
            if "place" in request.form:  # the grid / building chosen beside the button
                grid_id, building_id = parse_place(request.form["place"])
                store.place_member(cid, rid, grid_id, building_id, g.user["uid"])
            report = store.confirm_report_in(cid, rid, g.user["uid"])
            _admin.audit(
                community, "确认报到", f"报到 {rid}（成员 {report['uid']}）", "待确认", "已报到"
            )
            mail.notify_user(
                report["uid"],
                "report_confirmed",
                f"您向{community['name']}提交的报到申请已确认，报到成功。",
                url_for("member.home"),
            )
            flash("已确认报到。", "success")
        except store.StoreError as exc:
            flash(str(exc), "error")
    return redirect(url_for(".report_ins", cid=cid))


@bp.route("/report-ins/<rid>/return", methods=["POST"])
def return_report_in(cid: str, rid: str):
    """Return a pending report-in with a reason."""
    community = auth.admin_community_or_404(cid)
    store.get_report_in(cid, rid)
    form = ReturnReportForm()
    if form.validate_on_submit():
        try:
            report = store.return_report_in(cid, rid, g.user["uid"], form.reason.data)
            _admin.audit(
                community,
                "退回报到",
                f"报到 {rid}（成员 {report['uid']}）",
                "待确认",
                f"已退回：{report['reason']}",
            )
            mail.notify_user(
                report["uid"],
                "report_returned",
                f"您向{community['name']}提交的报到申请被退回，原因：{report['reason']}",
                url_for("member.home"),
            )
            flash("已退回报到申请。", "info")
        except store.StoreError as exc:
            flash(str(exc), "error")
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".report_ins", cid=cid))


@bp.route("/members")
def members(cid: str):
    """Members reported in to this community, with their declared and confirmed skills."""
    community = auth.admin_community_or_404(cid)
    users = store.users_by_ids(store.community_member_ids(cid))
    requests = store.list_skill_requests(cid, store.SKILL_PENDING)
    return render_template(
        "reports/members.html",
        community=community,
        members=sorted(users.values(), key=lambda u: u["name"]),
        requests=requests,
        requesters=store.users_by_ids(r["uid"] for r in requests),
        action=ActionForm(),
        decline_form=DeclineSkillForm(),
    )


@bp.route("/skill-requests/<rid>/confirm", methods=["POST"])
def confirm_skill_request(cid: str, rid: str):
    """Confirm a member's requested skill: it joins their confirmed skills."""
    community = auth.admin_community_or_404(cid)
    store.get_skill_request(cid, rid)
    if ActionForm().validate_on_submit():
        try:
            row = store.decide_skill_request(cid, rid, g.user["uid"], confirm=True)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            name = skill_name(row["skill"])
            _admin.audit(
                community, "确认专长", f"专长申请 {rid}（成员 {row['uid']}）", "待确认", name
            )
            mail.notify_user(
                row["uid"],
                "skill_confirmed",
                f"{community['name']}已确认您的专长“{name}”，现在可以报名需要该专长的岗位。",
                url_for("member.recommend"),
            )
            flash(f"已确认专长“{name}”。", "success")
    return redirect(url_for(".members", cid=cid))


@bp.route("/skill-requests/<rid>/decline", methods=["POST"])
def decline_skill_request(cid: str, rid: str):
    """Decline a member's requested skill with a reason they will see."""
    community = auth.admin_community_or_404(cid)
    store.get_skill_request(cid, rid)
    form = DeclineSkillForm()
    if form.validate_on_submit():
        try:
            row = store.decide_skill_request(
                cid, rid, g.user["uid"], confirm=False, reason=form.reason.data
            )
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            name = skill_name(row["skill"])
            _admin.audit(
                community,
                "不确认专长",
                f"专长申请 {rid}（成员 {row['uid']}）",
                "待确认",
                f"未通过：{row['reason']}",
            )
            mail.notify_user(
                row["uid"],
                "skill_declined",
                f"{community['name']}未确认您的专长“{name}”，原因：{row['reason']}",
                url_for("account.profile"),
            )
            flash("已退回专长确认申请。", "info")
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".members", cid=cid))


def _member_or_404(cid: str, uid: str) -> dict:
    if uid not in store.community_member_ids(cid):
        raise store.NotFound("没有找到这名成员。")
    return store.get_user(uid)


@bp.route("/members/<uid>/skills", methods=["GET", "POST"])
def confirm_skills(cid: str, uid: str):
    """Confirm which of a member's declared skills the community has verified."""
    community = auth.admin_community_or_404(cid)
    member = _member_or_404(cid, uid)
    form = ConfirmSkillsForm(data={"skills": member["skills_confirmed"]})
    form.skills.choices = [
        (s, kbdata.taxonomy()["skill_by_id"][s]["name"])
        for s in member["skills"]
        if s in kbdata.taxonomy()["skill_by_id"]
    ]
    if form.validate_on_submit():
        store.confirm_skills(uid, form.skills.data)
        _admin.audit(
            community, "确认专长", f"成员 {uid}", member["skills_confirmed"], form.skills.data
        )
        flash(f"已更新{member['name']}的专长确认。", "success")
        return redirect(url_for(".members", cid=cid))
    return render_template("reports/skills.html", community=community, member=member, form=form)
