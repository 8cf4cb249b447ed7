"""Community admin: attendance and hours per shift, no-show blocks, quarterly summaries
(the spreadsheet exports, on the same blueprint, are in ``exports``).

Every view takes the community from the URL and goes through
``auth.admin_community_or_404`` (an admin outside its scope gets a 404), and a
shift or sign-up is looked up inside that community only.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from forms.posts import ActionForm
from forms.records import AttendanceForm, HoursForm

from .. import admin as _admin
from .. import auth, mail, store
from ..templating import category_name

bp = _admin.community_blueprint("attendance_admin", __name__)


def _attendance_state(row: dict) -> dict | None:
    if not row.get("attendance"):
        return None
    return {
        "到岗": store.ATTENDANCE_NAMES[row["attendance"]],
        "工时": row.get("hours"),
        "备注": row.get("attendance_note", ""),
        "原因": row.get("hours_reason", ""),
    }


# --- attendance and hours ---------------------------------------------------------------


@bp.route("/shifts/<sid>/attendance")
def attendance(cid: str, sid: str):
    """The shift's confirmed sign-ups with their attendance and hours, and the forms."""
    community = auth.admin_community_or_404(cid)
    roster = store.roster(cid, sid)
    start = store.shift_start(roster["shift"])
    pending = [
        r
        for r in roster["confirmed"]
        if r.get("attendance") == store.PRESENT and not r.get("hours_confirmed_at")
    ]
    return render_template(
        "attendance_admin/attendance.html",
        community=community,
        roster=roster,
        started=start is not None and store.now() >= start,
        standing=start is None,
        pending=pending,
        default_hours=store.shift_hours(roster["shift"]),
        mark_form=AttendanceForm(),
        hours_form=HoursForm(),
        action=ActionForm(),
        names=store.ATTENDANCE_NAMES,
    )


def _attendance_done(community, action, sid, signup_id, before, row, message) -> None:
    _admin.audit(
        community,
        action,
        f"班次 {sid} 报名 {signup_id}（成员 {row['uid']}）",
        _attendance_state(before),
        _attendance_state(row),
    )
    flash(message, "success")


@bp.route("/shifts/<sid>/attendance/<signup_id>", methods=["POST"])
def mark(cid: str, sid: str, signup_id: str):
    """Mark one sign-up 已到 or 缺席."""
    community = auth.admin_community_or_404(cid)
    before = store.get_signup(cid, sid, signup_id)
    _admin.form_action(
        AttendanceForm(),
        lambda form: store.mark_attendance(
            cid, sid, signup_id, form.status.data, g.user["uid"], note=form.note.data or ""
        ),
        lambda row: _attendance_done(
            community,
            "登记到岗",
            sid,
            signup_id,
            before,
            row,
            f"已登记为“{store.ATTENDANCE_NAMES[row['attendance']]}”。",
        ),
    )
    return redirect(url_for(".attendance", cid=cid, sid=sid))


@bp.route("/shifts/<sid>/hours/<signup_id>", methods=["POST"])
def adjust(cid: str, sid: str, signup_id: str):
    """Credit other hours than the shift's length, with a reason."""
    community = auth.admin_community_or_404(cid)
    before = store.get_signup(cid, sid, signup_id)
    _admin.form_action(
        HoursForm(),
        lambda form: store.adjust_hours(
            cid, sid, signup_id, float(form.hours.data), form.reason.data, g.user["uid"]
        ),
        lambda row: _attendance_done(
            community,
            "调整工时",
            sid,
            signup_id,
            before,
            row,
            f"工时已调整为 {row['hours']:g} 小时，待确认。",
        ),
    )
    return redirect(url_for(".attendance", cid=cid, sid=sid))


@bp.route("/shifts/<sid>/confirm-hours", methods=["POST"])
def confirm(cid: str, sid: str):
    """Confirm every pending hour of the shift."""
    community = auth.admin_community_or_404(cid)
    store.get_shift(cid, sid)
    if ActionForm().validate_on_submit():
        try:
            rows = store.confirm_hours(cid, sid, g.user["uid"])
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            total = sum(float(r["hours"]) for r in rows)
            _admin.audit(
                community,
                "确认工时",
                f"班次 {sid}",
                "待确认",
                {"人数": len(rows), "工时合计": total},
            )
            mail.notify_many(
                [
                    (
                        r["uid"],
                        "hours_confirmed",
                        f"{community['name']}已确认您的服务时长：{float(r['hours']):g} 小时。",
                        url_for("member.home"),
                    )
                    for r in rows
                ]
            )
            flash(f"已确认 {len(rows)} 人的工时，共 {total:g} 小时。", "success")
    return redirect(url_for(".attendance", cid=cid, sid=sid))


# --- no-show blocks ---------------------------------------------------------------------


def _no_show_config() -> tuple[int, int]:
    return current_app.config["NO_SHOW_LIMIT"], current_app.config["NO_SHOW_DAYS"]


@bp.route("/no-shows")
def no_shows(cid: str):
    """People whose absences here block their sign-ups, with a button to clear it."""
    community = auth.admin_community_or_404(cid)
    limit, days = _no_show_config()
    return render_template(
        "attendance_admin/no_shows.html",
        community=community,
        rows=store.blocked_members(cid, limit=limit, days=days),
        limit=limit,
        days=days,
        action=ActionForm(),
    )


@bp.route("/no-shows/<uid>/clear", methods=["POST"])
def clear_block(cid: str, uid: str):
    """Lift a no-show block (only for someone blocked by absences in this community)."""
    community = auth.admin_community_or_404(cid)
    limit, days = _no_show_config()
    blocked = {r["user"]["uid"]: r for r in store.blocked_members(cid, limit=limit, days=days)}
    if uid not in blocked:
        abort(404)
    if ActionForm().validate_on_submit():
        store.clear_no_show_block(uid)
        _admin.audit(
            community,
            "解除缺席限制",
            f"成员 {uid}（{blocked[uid]['user']['name']}）",
            f"缺席 {len(blocked[uid]['no_shows'])} 次，暂停报名",
            "已解除",
        )
        flash(f"已解除{blocked[uid]['user']['name']}的报名限制。", "success")
    return redirect(url_for(".no_shows", cid=cid))


# --- quarterly summaries of 在职党员 -----------------------------------------------------


def _quarter_arg() -> str:
    quarter = request.args.get("q") or store.quarter_of(store.now().date())
    store.quarter_range(quarter)  # NotFound (404) for a malformed quarter
    return quarter


def _quarters(current: str) -> list[str]:
    year, q = int(current[:4]), int(current[-1])
    out = []
    for _ in range(6):
        out.append(f"{year}-Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


def _categories(by_category: dict) -> str:
    return "；".join(f"{category_name(c)} {h:g} 小时" for c, h in by_category.items())


@bp.route("/quarterly")
def quarterly(cid: str):
    """Each reported-in 在职党员's confirmed service of a quarter, for their work unit."""
    community = auth.admin_community_or_404(cid)
    quarter = _quarter_arg()
    return render_template(
        "attendance_admin/quarterly.html",
        community=community,
        quarter=quarter,
        quarters=_quarters(store.quarter_of(store.now().date())),
        rows=store.community_quarter_summaries(cid, quarter),
        categories=_categories,
    )


@bp.route("/quarterly/<uid>")
def quarterly_letter(cid: str, uid: str):
    """A printable quarterly summary of one member, addressed to their work unit."""
    community = auth.admin_community_or_404(cid)
    quarter = _quarter_arg()
    if uid not in store.community_member_ids(cid):
        abort(404)
    first, last = store.quarter_range(quarter)
    return render_template(
        "attendance_admin/quarterly_letter.html",
        community=community,
        s=store.member_quarter_summary(uid, quarter),
        first=first,
        last=last,
        today=store.now().date(),
    )
