"""Spreadsheet downloads of a community's admins: a shift's roster, the members
reported in and the quarter's summaries of 在职党员, as .xlsx or CSV. The routes
are added to the ``attendance_admin`` blueprint (same endpoints and URLs), and
``export_response`` is the one place that writes a download, for other views too;
text that looks like a formula is kept as text so a spreadsheet never runs it, the
sheet's title and the file's name are made safe from whatever the names hold
(``sheet_title``, ``file_name``), and nothing of a download is kept in a cache.
"""

from __future__ import annotations

import csv
import io
import re

from flask import abort, send_file

from kb import data as kbdata

from .. import admin as _admin
from .. import auth, store
from ..templating import SIGNUP_STATUS
from .attendance import _categories, bp

FORMATS = ("xlsx", "csv")
SHEET_TITLE_MAX = 31  # Excel's limit, in UTF-16 code units
# Refused in a sheet title by Excel and openpyxl, and control characters (not valid XML).
_SHEET_TITLE_BAD = re.compile(r"[\\/:?*\[\]\x00-\x1f\x7f\ufffe\uffff]+")
# Refused in a file name by Windows (and "/" everywhere), and control characters.
_FILE_NAME_BAD = re.compile(r'[\\/:?*"<>|\x00-\x1f\x7f\ufffe\uffff]+')


def sheet_title(name: str) -> str:
    """A worksheet title every spreadsheet accepts: none of ``/ \\ : [ ] ? *`` (each run
    becomes "-"), no apostrophe at either end, at most 31 UTF-16 units, never empty."""
    title = _SHEET_TITLE_BAD.sub("-", name or "").strip(" '-")
    while len(title.encode("utf-16-le")) > 2 * SHEET_TITLE_MAX:
        title = title[:-1]
    return title.rstrip(" '-") or "导出"


def file_name(name: str) -> str:
    """The download's name without characters a file system refuses; never empty."""
    return _FILE_NAME_BAD.sub("-", name or "").strip(" .-")[:100] or "导出"


def _cell(value):
    """A cell safe for spreadsheets: text that looks like a formula is kept as text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_response(name: str, fmt: str, header: list[str], rows: list[list]):
    """An .xlsx or a CSV (UTF-8 with BOM, so that Excel reads the Chinese) download.

    Exports hold personal data: ``Cache-Control: no-store`` keeps them out of every cache.
    """
    rows = [[_cell(v) for v in row] for row in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.worksheets[0]  # the active one of a new workbook
        sheet.title = sheet_title(name)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for n, title in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = max(10, 2 * len(title) + 4)
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
        mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types
    buffer.seek(0)
    response = send_file(
        buffer, mimetype=mimetype, as_attachment=True, download_name=f"{file_name(name)}.{fmt}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


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
    header = [
        "序号",
        "姓名",
        "身份",
        "手机号",
        "状态",
        "报名时间",
        "到岗",
        "工时",
        "工时状态",
        "备注",
    ]
    rows = []
    for n, r in enumerate(roster["confirmed"] + roster["waiting"], start=1):
        user = r["user"] or {}
        rows.append(
            [
                n,
                user.get("name", "（账号已不存在）"),
                auth.ROLE_NAMES.get(user.get("role", ""), ""),
                user.get("phone", ""),
                SIGNUP_STATUS.get(r["status"], r["status"]),
                r["created_at"][:16],
                store.ATTENDANCE_NAMES.get(r.get("attendance"), ""),
                r.get("hours") if r.get("attendance") == store.PRESENT else "",
                _hours_state(r),
                r.get("attendance_note") or r.get("hours_reason") or "",
            ]
        )
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
    rows = [
        [
            u["name"],
            auth.ROLE_NAMES.get(u["role"], ""),
            u["phone"],
            u.get("work_unit", ""),
            u.get("party_org", ""),
            "、".join(skills[s]["name"] for s in u.get("skills", []) if s in skills),
            (reports[uid].get("decided_at") or "")[:16],
        ]
        for uid, u in sorted(users.items(), key=lambda kv: kv[1]["name"])
    ]
    _admin.audit(community, "导出名单", f"成员名单（{fmt}）", None, f"{len(rows)} 行")
    return export_response(f"{community['name']}-成员名单", fmt, header, rows)


@bp.route("/export/quarterly-<quarter>.<fmt>")
def export_quarterly(cid: str, quarter: str, fmt: str):
    """The quarter's summaries of the community's 在职党员 as a spreadsheet."""
    community = auth.admin_community_or_404(cid)
    _format_or_404(fmt)
    store.quarter_range(quarter)
    header = [
        "姓名",
        "工作单位",
        "所在党组织",
        "季度",
        "服务次数",
        "确认工时（小时）",
        "分类明细",
        "服务明细",
    ]
    rows = [
        [
            s["name"],
            s["work_unit"],
            s["party_org"],
            quarter,
            len(s["items"]),
            s["total_hours"],
            _categories(s["by_category"]),
            "；".join(f"{i['date']} {i['title']} {i['hours']:g} 小时" for i in s["items"]),
        ]
        for s in store.community_quarter_summaries(cid, quarter)
    ]
    _admin.audit(community, "导出季度汇总", f"{quarter}（{fmt}）", None, f"{len(rows)} 行")
    return export_response(f"{community['name']}-{quarter}-在职党员服务汇总", fmt, header, rows)
