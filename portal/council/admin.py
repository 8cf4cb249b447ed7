"""The community admin's 议事厅 pages (``/portal/admin/c/<cid>/council/…``): residents to
confirm, each hall's vote mode, merging and declining proposals (the proposer is told in
the inbox), hiding comments, meetings (schedule, the QR code and six-digit code for
sign-in, minutes), opening and closing votes, the project a passed proposal becomes and
its progress. Every change is audited; another community's matter is a 404.
"""

from __future__ import annotations


from flask import flash, g, redirect, render_template, request, url_for

from forms.council import (
    MergeForm,
    ModeForm,
    OpenVoteForm,
    ProgressForm,
    ReasonForm,
)
from forms.posts import ActionForm

from .. import admin, auth, store
from . import meetings

bp = admin.community_blueprint("council_admin", __name__, "/council")


def _then(*steps):
    """A form action's ``done``: each step (the audit entry, the message) on the result."""

    def done(result) -> None:
        for step in steps:
            step(result)

    return done


def _community(cid: str) -> dict:
    return auth.admin_community_or_404(cid)


def _back(cid: str, pid: str):
    return redirect(url_for("council.proposal", cid=cid, pid=pid))


def _tell(cid: str, proposal: dict, text: str) -> None:
    """The proposer hears of a decision on their proposal in the inbox."""
    store.notify(
        proposal["proposer_uid"],
        "council",
        text,
        link=url_for("council.proposal", cid=cid, pid=proposal["id"]),
    )


@bp.route("/")
def index(cid: str):
    community = _community(cid)
    proposals = store.list_proposals(cid)
    return render_template(
        "council/admin.html",
        community=community,
        halls=store.council_halls(cid),
        modes={h["id"]: store.council_vote_mode(cid, h["id"]) for h in store.council_halls(cid)},
        mode_names=store.COUNCIL_VOTE_MODES,
        pending=store.council_residents(cid, store.RESIDENT_PENDING),
        residents=len(store.council_residents(cid, store.RESIDENT_CONFIRMED)),
        labels={
            b["id"]: store.building_label(cid, b["id"])
            for b in store.grid_structure(cid)["buildings"]
        },
        proposals=proposals,
        stage_names={s: n for s, n, _st in store.COUNCIL_STAGES},
        meetings=store.list_meetings(cid),
        figures=store.council_figures(cid),
        action=ActionForm(),
        mode_form=ModeForm(),
    )


@bp.route("/residents/<uid>/confirm", methods=["POST"])
def confirm_resident(cid: str, uid: str):
    community = _community(cid)
    admin.form_action(
        ActionForm(),
        lambda f: store.confirm_resident(cid, uid, g.user["uid"]),
        _then(
            lambda row: admin.audit(
                community, "议事厅：确认居民住址", f"{row['name']} {row['room']}"
            ),
            lambda row: flash("已确认。", "success"),
        ),
    )
    return redirect(url_for(".index", cid=cid))


@bp.route("/residents/<uid>/remove", methods=["POST"])
def remove_resident(cid: str, uid: str):
    community = _community(cid)
    admin.form_action(
        ActionForm(),
        lambda f: store.remove_resident(cid, uid),
        _then(
            lambda row: admin.audit(
                community, "议事厅：删除居民登记", f"{row['name']} {row['room']}"
            ),
            lambda row: flash("已删除这条住址登记。", "success"),
        ),
    )
    return redirect(url_for(".index", cid=cid))


@bp.route("/h/<hall>/mode", methods=["POST"])
def set_mode(cid: str, hall: str):
    community = _community(cid)
    store.council_hall(cid, hall)
    admin.form_action(
        ModeForm(),
        lambda f: store.set_council_vote_mode(cid, hall, f.mode.data, g.user["uid"]),
        _then(
            lambda row: admin.audit(
                community, "议事厅：设置表决方式", hall, after=row["vote_mode"]
            ),
            lambda row: flash("表决方式已保存，下一次开启的表决按新方式计票。", "success"),
        ),
    )
    return redirect(url_for(".index", cid=cid))


@bp.route("/p/<pid>/merge", methods=["POST"])
def merge(cid: str, pid: str):
    community = _community(cid)
    item = store.get_proposal(cid, pid)
    form = MergeForm()
    form.into.choices = [(p["id"], p["title"]) for p in store.list_proposals(cid, item["hall"])]

    def done(row):
        target = store.get_proposal(cid, row["merged_into"])
        admin.audit(community, "议事厅：合并提议", item["title"], after=target["title"])
        _tell(
            cid,
            item,
            f"你的提议“{item['title']}”与“{target['title']}”内容相同，已合并，附议一并计入。",
        )
        flash("已合并。", "success")

    admin.form_action(
        form, lambda f: store.merge_proposal(cid, pid, f.into.data, g.user["uid"]), done
    )
    return _back(cid, pid)


@bp.route("/p/<pid>/decline", methods=["POST"])
def decline(cid: str, pid: str):
    community = _community(cid)
    item = store.get_proposal(cid, pid)

    def done(row):
        admin.audit(community, "议事厅：不予采纳", item["title"], after=row["decline_reason"])
        _tell(cid, item, f"你的提议“{item['title']}”未被采纳，理由：{row['decline_reason']}")
        flash("已作出不予采纳的决定，并通知了提议人。", "success")

    admin.form_action(
        ReasonForm(),
        lambda f: store.decline_proposal(cid, pid, f.reason.data, g.user["uid"]),
        done,
    )
    return _back(cid, pid)


@bp.route("/comments/<coid>/hide", methods=["POST"])
def hide_comment(cid: str, coid: str):
    community = _community(cid)
    pid = request.form.get("proposal", "")
    admin.form_action(
        ReasonForm(),
        lambda f: store.hide_comment(cid, coid, f.reason.data, g.user["uid"]),
        _then(
            lambda row: admin.audit(
                community, "议事厅：隐藏留言", row["text"][:60], after=row["hidden_reason"]
            ),
            lambda row: flash("留言已隐藏。", "success"),
        ),
    )
    if store.valid_id(pid):
        return _back(cid, pid)
    return redirect(url_for(".index", cid=cid))


# ---------------------------------------------------------------- meetings


def _home(cid: str) -> str:
    return url_for(".index", cid=cid)


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting(cid: str):
    community = _community(cid)
    return meetings.schedule(community, store.council_halls(cid), ".meeting", _home(cid))


@bp.route("/m/<mid>")
def meeting(cid: str, mid: str):
    community = _community(cid)
    item = meetings.meeting_of(cid, mid, store.council_halls(cid))
    return meetings.show(community, item, "council_admin", _home(cid))


@bp.route("/m/<mid>/qr.svg")
def meeting_qr(cid: str, mid: str):
    _community(cid)
    return meetings.qr(cid, meetings.meeting_of(cid, mid, store.council_halls(cid)))


@bp.route("/m/<mid>/minutes", methods=["POST"])
def minutes(cid: str, mid: str):
    community = _community(cid)
    item = meetings.meeting_of(cid, mid, store.council_halls(cid))
    return meetings.minutes(community, item, ".meeting")


# ---------------------------------------------------------------- votes and projects


@bp.route("/p/<pid>/vote/open", methods=["POST"])
def open_vote(cid: str, pid: str):
    community = _community(cid)
    item = store.get_proposal(cid, pid)
    admin.form_action(
        OpenVoteForm(),
        lambda f: store.open_vote(cid, pid, g.user["uid"], f.days.data),
        _then(
            lambda vote: admin.audit(
                community, "议事厅：开启表决", item["title"], after=vote["closes_at"]
            ),
            lambda vote: flash(f"表决已开启，{vote['closes_at'][:16]} 结束。", "success"),
        ),
    )
    return _back(cid, pid)


@bp.route("/p/<pid>/vote/close", methods=["POST"])
def close_vote(cid: str, pid: str):
    community = _community(cid)
    item = store.get_proposal(cid, pid)

    def done(vote):
        tally = vote["tally"]
        result = "通过" if tally["passed"] else "未通过"
        admin.audit(community, "议事厅：计票公布", item["title"], after=tally)
        _tell(
            cid,
            item,
            f"你的提议“{item['title']}”表决结束：{result}，参与率 {tally['turnout_percent']}%。",
        )
        flash(f"已计票公布：{result}。", "success")

    admin.form_action(
        ActionForm(), lambda f: store.close_vote(cid, item["vote_id"] or "", g.user["uid"]), done
    )
    return _back(cid, pid)


@bp.route("/p/<pid>/project", methods=["POST"])
def start_project(cid: str, pid: str):
    community = _community(cid)

    def done(project):
        admin.audit(community, "议事厅：转为项目", project["name"])
        flash("已转为项目清单中的项目：可以为它发布志愿岗位、关联资源和驻区单位。", "success")

    admin.form_action(
        ActionForm(), lambda f: store.start_council_project(cid, pid, g.user["uid"]), done
    )
    return _back(cid, pid)


@bp.route("/p/<pid>/progress", methods=["POST"])
def progress(cid: str, pid: str):
    community = _community(cid)
    item = store.get_proposal(cid, pid)
    form = ProgressForm()

    def done(row):
        admin.audit(community, "议事厅：项目进展", item["title"], after=f"{row['percent']}%")
        if form.done.data:
            _tell(cid, item, f"你的提议“{item['title']}”已经办完，欢迎评价。")
        flash("进展已更新。", "success")

    admin.form_action(
        form,
        lambda f: store.add_project_progress(
            cid, pid, f.percent.data, f.text.data, g.user["uid"], done=bool(f.done.data)
        ),
        done,
    )
    return _back(cid, pid)
