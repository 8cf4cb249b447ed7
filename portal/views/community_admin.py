"""Community administration: report-in queue, members' skills, posts and rosters.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``: an admin outside its scope gets a 404.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from forms.posts import ActionForm, ConfirmSkillsForm, CopyPostForm, ReturnReportForm
from kb import data as kbdata

from . import _admin
from .. import auth, mail, store

bp = Blueprint("community_admin", __name__, url_prefix="/portal/admin/c/<cid>")


_admin.admins_only(bp)


@bp.route("/")
def dashboard(cid: str):
    """A community at a glance: pending report-ins, members, open posts."""
    community = auth.admin_community_or_404(cid)
    pending = store.list_report_ins(cid, "待确认")
    return render_template("community_admin/dashboard.html", community=community,
                           pending=pending, users=store.users_by_ids(r["uid"] for r in pending[:5]),
                           members=len(store.community_member_ids(cid)),
                           posts=store.list_posts(cid))


@bp.route("/report-ins")
def report_ins(cid: str):
    """The queue of pending report-ins, and the decided ones below it."""
    community = auth.admin_community_or_404(cid)
    rows = store.list_report_ins(cid)
    users = store.users_by_ids(r["uid"] for r in rows)
    return render_template("community_admin/report_ins.html", community=community,
                           pending=[r for r in rows if r["status"] == "待确认"],
                           decided=[r for r in reversed(rows) if r["status"] != "待确认"][:50],
                           users=users, action=ActionForm(), return_form=ReturnReportForm())


@bp.route("/report-ins/<rid>/confirm", methods=["POST"])
def confirm_report_in(cid: str, rid: str):
    """Confirm a pending report-in."""
    community = auth.admin_community_or_404(cid)
    store.get_report_in(cid, rid)
    if ActionForm().validate_on_submit():
        try:
            report = store.confirm_report_in(cid, rid, g.user["uid"])
            _admin.audit(community, "确认报到", f"报到 {rid}（成员 {report['uid']}）", "待确认", "已报到")
            mail.notify_user(report["uid"], "report_confirmed",
                             f"您向{community['name']}提交的报到申请已确认，报到成功。",
                             url_for("member.home"))
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
            _admin.audit(community, "退回报到", f"报到 {rid}（成员 {report['uid']}）", "待确认",
                         f"已退回：{report['reason']}")
            mail.notify_user(report["uid"], "report_returned",
                             f"您向{community['name']}提交的报到申请被退回，原因：{report['reason']}",
                             url_for("member.home"))
            flash("已退回报到申请。", "info")
        except store.StoreError as exc:
            flash(str(exc), "error")
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for(".report_ins", cid=cid))


@bp.route("/members")
def members(cid: str):
    """Members reported in to this community, with their declared and confirmed skills."""
    community = auth.admin_community_or_404(cid)
    users = store.users_by_ids(store.community_member_ids(cid))
    return render_template("community_admin/members.html", community=community,
                           members=sorted(users.values(), key=lambda u: u["name"]))


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
    form.skills.choices = [(s, kbdata.taxonomy()["skill_by_id"][s]["name"])
                           for s in member["skills"] if s in kbdata.taxonomy()["skill_by_id"]]
    if form.validate_on_submit():
        store.confirm_skills(uid, form.skills.data)
        _admin.audit(community, "确认专长", f"成员 {uid}", member["skills_confirmed"], form.skills.data)
        flash(f"已更新{member['name']}的专长确认。", "success")
        return redirect(url_for(".members", cid=cid))
    return render_template("community_admin/skills.html", community=community, member=member,
                           form=form)


@bp.route("/posts")
def posts(cid: str):
    """All posts of the community, open and closed."""
    community = auth.admin_community_or_404(cid)
    return render_template("community_admin/posts.html", community=community,
                           posts=store.list_posts(cid))


@bp.route("/posts/new", methods=["GET", "POST"])
def new_post(cid: str):
    """Create a post with dated shifts or as a standing role."""
    community = auth.admin_community_or_404(cid)
    form = _admin.post_form()
    if form.validate_on_submit():
        try:
            post = store.create_post(cid, g.user["uid"], title=form.title.data,
                                     category=form.category.data, description=form.description.data,
                                     place=form.place.data, kind=form.kind.data,
                                     shifts=form.shift_rows(), skills=form.post_skills())
        except store.StoreError as exc:
            form.title.errors.append(str(exc))
        else:
            _admin.audit(community, "发布岗位", f"岗位 {post['id']}", None, post["title"])
            flash("岗位已发布。", "success")
            return redirect(url_for(".post", cid=cid, pid=post["id"]))
    return render_template("community_admin/new_post.html", community=community, form=form)


@bp.route("/posts/<pid>")
def post(cid: str, pid: str):
    """A post with each shift's sign-up counts and links to its roster."""
    community = auth.admin_community_or_404(cid)
    post = store.get_post(cid, pid)
    shifts = [dict(shift=s, **store.shift_counts(cid, s)) for s in store.post_shifts(cid, pid)]
    return render_template("community_admin/post.html", community=community, post=post,
                           shifts=shifts, action=ActionForm(), copy_form=CopyPostForm())


@bp.route("/posts/<pid>/status/<status>", methods=["POST"])
def set_post_status(cid: str, pid: str, status: str):
    """Open or close a post for sign-up."""
    community = auth.admin_community_or_404(cid)
    before = store.get_post(cid, pid)["status"]
    if status not in ("open", "closed"):
        raise store.NotFound("没有这个操作。")
    if ActionForm().validate_on_submit():
        store.set_post_status(cid, pid, status)
        _admin.audit(community, "开放报名" if status == "open" else "停止报名", f"岗位 {pid}", before, status)
        flash("岗位已开放报名。" if status == "open" else "岗位已停止报名。", "success")
    return redirect(url_for(".post", cid=cid, pid=pid))


@bp.route("/posts/<pid>/copy", methods=["POST"])
def copy_post(cid: str, pid: str):
    """Copy a post to new dates (by default one week later)."""
    community = auth.admin_community_or_404(cid)
    store.get_post(cid, pid)
    form = CopyPostForm()
    if form.validate_on_submit():
        try:
            new = store.copy_post(cid, pid, g.user["uid"], days=form.days.data)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, "复制岗位", f"岗位 {pid}", None, f"新岗位 {new['id']}")
            flash(f"已复制到 {form.days.data} 天后的新日期。", "success")
            return redirect(url_for(".post", cid=cid, pid=new["id"]))
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for(".post", cid=cid, pid=pid))


@bp.route("/shifts/<sid>/roster")
def roster(cid: str, sid: str):
    """Who is on a shift, and who waits, in order."""
    community = auth.admin_community_or_404(cid)
    return render_template("community_admin/roster.html", community=community,
                           roster=store.roster(cid, sid))
