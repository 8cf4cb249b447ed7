"""Community admin: attendance and hours per shift, no-show blocks, exports, quarterly summaries.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404`` (an admin outside its scope gets a 404), and a
shift or sign-up is looked up inside that community only.
"""
from __future__ import annotations

import csv
import io

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, url_for)

from forms.posts import ActionForm
from forms.records import AttendanceForm, HoursForm
from kb import data as kbdata

from . import _admin
from .. import auth, mail, store
from ..templating import SIGNUP_STATUS, category_name

bp = Blueprint("attendance_admin", __name__, url_prefix="/portal/admin/c/<cid>")
FORMATS = ("xlsx", "csv")


_admin.admins_only(bp)


def _attendance_state(row: dict) -> dict | None:
    if not row.get("attendance"):
        return None
    return {"到岗": store.ATTENDANCE_NAMES[row["attendance"]], "工时": row.get("hours"),
            "备注": row.get("attendance_note", ""), "原因": row.get("hours_reason", "")}


# --- attendance and hours ---------------------------------------------------------------

@bp.route("/shifts/<sid>/attendance")
def attendance(cid: str, sid: str):
    """The shift's confirmed sign-ups with their attendance and hours, and the forms."""
    community = auth.admin_community_or_404(cid)
    roster = store.roster(cid, sid)
    start = store.shift_start(roster["shift"])
    pending = [r for r in roster["confirmed"]
               if r.get("attendance") == store.PRESENT and not r.get("hours_confirmed_at")]
    return render_template("attendance_admin/attendance.html", community=community,
                           roster=roster, started=start is not None and store.now() >= start,
                           standing=start is None, pending=pending,
                           default_hours=store.shift_hours(roster["shift"]),
                           mark_form=AttendanceForm(), hours_form=HoursForm(),
                           action=ActionForm(), names=store.ATTENDANCE_NAMES)


@bp.route("/shifts/<sid>/attendance/<signup_id>", methods=["POST"])
def mark(cid: str, sid: str, signup_id: str):
    """Mark one sign-up 已到 or 缺席."""
    community = auth.admin_community_or_404(cid)
    before = store.get_signup(cid, sid, signup_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        try:
            row = store.mark_attendance(cid, sid, signup_id, form.status.data, g.user["uid"],
                                        note=form.note.data or "")
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, "登记到岗", f"班次 {sid} 报名 {signup_id}（成员 {row['uid']}）",
                   _attendance_state(before), _attendance_state(row))
            flash(f"已登记为“{store.ATTENDANCE_NAMES[row['attendance']]}”。", "success")
    else:
        flash(_admin.form_errors(form), "error")
    return redirect(url_for(".attendance", cid=cid, sid=sid))


@bp.route("/shifts/<sid>/hours/<signup_id>", methods=["POST"])
def adjust(cid: str, sid: str, signup_id: str):
    """Credit other hours than the shift's length, with a reason."""
    community = auth.admin_community_or_404(cid)
    before = store.get_signup(cid, sid, signup_id)
    form = HoursForm()
    if form.validate_on_submit():
        try:
            row = store.adjust_hours(cid, sid, signup_id, float(form.hours.data),
                                     form.reason.data, g.user["uid"])
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, "调整工时", f"班次 {sid} 报名 {signup_id}（成员 {row['uid']}）",
                   _attendance_state(before), _attendance_state(row))
            flash(f"工时已调整为 {row['hours']:g} 小时，待确认。", "success")
    else:
        flash(_admin.form_errors(form), "error")
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
            _admin.audit(community, "确认工时", f"班次 {sid}", "待确认",
                   {"人数": len(rows), "工时合计": total})
            mail.notify_many([(r["uid"], "hours_confirmed", f"{community['name']}已确认您的服务时长："
                               f"{float(r['hours']):g} 小时。", url_for("member.home")) for r in rows])
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
    return render_template("attendance_admin/no_shows.html", community=community,
                           rows=store.blocked_members(cid, limit=limit, days=days),
                           limit=limit, days=days, action=ActionForm())


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
        _admin.audit(community, "解除缺席限制", f"成员 {uid}（{blocked[uid]['user']['name']}）",
               f"缺席 {len(blocked[uid]['no_shows'])} 次，暂停报名", "已解除")
        flash(f"已解除{blocked[uid]['user']['name']}的报名限制。", "success")
    return redirect(url_for(".no_shows", cid=cid))


# --- exports ----------------------------------------------------------------------------

def _cell(value):
    """A cell safe for spreadsheets: text that looks like a formula is kept as text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_response(name: str, fmt: str, header: list[str], rows: list[list]):
    """An .xlsx or a CSV (UTF-8 with BOM, so that Excel reads the Chinese) download."""
    rows = [[_cell(v) for v in row] for row in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = name[:31]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for n, title in enumerate(header, start=1):
            sheet.column_dimensions[sheet.cell(1, n).column_letter].width = max(10, 2 * len(title) + 4)
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        buffer = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
        mimetype = "text/csv; charset=utf-8"
    buffer.seek(0)
    return send_file(buffer, mimetype=mimetype, as_attachment=True,
                     download_name=f"{name}.{fmt}", max_age=0)


def _format_or_404(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


def _hours_state(row: dict) -> str:
    if row.get("attendance") != store.PRESENT:
        return ""
    return "已确认" if row.get("hours_confirmed_at") else "待确认"


@bp.route("/export/shifts/<sid>.<fmt>")
def export_roster(cid: str, sid: str, fmt: str):
    """The shift's roster (confirmed, then waiting) with attendance and hours."""
    community = auth.admin_community_or_404(cid)
    _format_or_404(fmt)
    roster = store.roster(cid, sid)
    header = ["序号", "姓名", "身份", "手机号", "状态", "报名时间", "到岗", "工时", "工时状态", "备注"]
    rows = []
    for n, r in enumerate(roster["confirmed"] + roster["waiting"], start=1):
        user = r["user"] or {}
        rows.append([n, user.get("name", "（账号已不存在）"),
                     auth.ROLE_NAMES.get(user.get("role"), ""), user.get("phone", ""),
                     SIGNUP_STATUS.get(r["status"], r["status"]), r["created_at"][:16],
                     store.ATTENDANCE_NAMES.get(r.get("attendance"), ""),
                     r.get("hours") if r.get("attendance") == store.PRESENT else "",
                     _hours_state(r), r.get("attendance_note") or r.get("hours_reason") or ""])
    _admin.audit(community, "导出名单", f"班次 {sid}（{fmt}）", None, f"{len(rows)} 行")
    title = f"{roster['post']['title']}-{roster['shift']['date'] or '长期'}-名单"
    return export_response(title, fmt, header, rows)


@bp.route("/export/members.<fmt>")
def export_members(cid: str, fmt: str):
    """Members currently reported in to this community."""
    community = auth.admin_community_or_404(cid)
    _format_or_404(fmt)
    reports = {r["uid"]: r for r in store.list_report_ins(cid, "已报到")}
    users = store.users_by_ids(reports)
    header = ["姓名", "身份", "手机号", "工作单位", "所在党组织", "专长", "报到确认时间"]
    skills = kbdata.taxonomy()["skill_by_id"]
    rows = [[u["name"], auth.ROLE_NAMES.get(u["role"], ""), u["phone"], u.get("work_unit", ""),
             u.get("party_org", ""),
             "、".join(skills[s]["name"] for s in u.get("skills", []) if s in skills),
             (reports[uid].get("decided_at") or "")[:16]]
            for uid, u in sorted(users.items(), key=lambda kv: kv[1]["name"])]
    _admin.audit(community, "导出名单", f"成员名单（{fmt}）", None, f"{len(rows)} 行")
    return export_response(f"{community['name']}-成员名单", fmt, header, rows)


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
    return render_template("attendance_admin/quarterly.html", community=community,
                           quarter=quarter, quarters=_quarters(store.quarter_of(store.now().date())),
                           rows=store.community_quarter_summaries(cid, quarter),
                           categories=_categories)


@bp.route("/quarterly/<uid>")
def quarterly_letter(cid: str, uid: str):
    """A printable quarterly summary of one member, addressed to their work unit."""
    community = auth.admin_community_or_404(cid)
    quarter = _quarter_arg()
    if uid not in store.community_member_ids(cid):
        abort(404)
    first, last = store.quarter_range(quarter)
    return render_template("attendance_admin/quarterly_letter.html", community=community,
                           s=store.member_quarter_summary(uid, quarter), first=first, last=last,
                           today=store.now().date())


@bp.route("/export/quarterly-<quarter>.<fmt>")
def export_quarterly(cid: str, quarter: str, fmt: str):
    """The quarter's summaries of the community's 在职党员 as a spreadsheet."""
    community = auth.admin_community_or_404(cid)
    _format_or_404(fmt)
    store.quarter_range(quarter)
    header = ["姓名", "工作单位", "所在党组织", "季度", "服务次数", "确认工时（小时）", "分类明细", "服务明细"]
    rows = [[s["name"], s["work_unit"], s["party_org"], quarter, len(s["items"]),
             s["total_hours"], _categories(s["by_category"]),
             "；".join(f"{i['date']} {i['title']} {i['hours']:g} 小时" for i in s["items"])]
            for s in store.community_quarter_summaries(cid, quarter)]
    _admin.audit(community, "导出季度汇总", f"{quarter}（{fmt}）", None, f"{len(rows)} 行")
    return export_response(f"{community['name']}-{quarter}-在职党员服务汇总", fmt, header, rows)

