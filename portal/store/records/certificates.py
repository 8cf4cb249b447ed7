"""Service record certificates (志愿服务记录证明) and quarterly summaries.

A certificate is a snapshot of the member's confirmed hours in a period, kept
in ``certificates/<YYYY>.json`` under a random serial number: the public
verification page shows only what is stored under a serial, so a made-up
serial finds nothing and cannot be forged.

A certificate is issued by the member's community: the member's request is kept as
待社区审核 (pending) until an admin of that community approves it (or declines it with
a reason); a community that turned on 自动批准 (``certificates/settings.json``) issues
at once. Only an approved certificate can be printed and verified.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime

from tinydb import Query

from .. import backend as docs
from .. import places, reports
from ..accounts import users as accounts
from . import attendance
from ..base import NotFound, StoreError, now, stamp

SERIAL_RE = re.compile(r"^DC(\d{4})-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"
STATUS_NAMES = {PENDING: "待社区审核", APPROVED: "已出具", DECLINED: "未通过"}


def _path(year: str) -> str:
    return f"certificates/{year}"


def _settings_path() -> str:
    return "certificates/settings"


def _year_files() -> list[str]:
    return [k for k in docs.keys("certificates/") if k.rpartition("/")[2].isdigit()]


def _shown(row: dict) -> dict:
    """A stored certificate as the views see it; one from before approvals were kept
    (no status) was issued at once."""
    if "status" in row:
        return row
    return dict(row, status=APPROVED, requested_at=row["issued_at"], decided_at=row["issued_at"])


def normalize_serial(text: str) -> str | None:
    """A certificate number as typed or pasted (spaces, lower case, the whole verification
    link) in its stored form, or None when it cannot be one."""
    value = re.sub(r"\s+", "", text or "").upper()
    if "/VERIFY/" in value:
        value = value.rsplit("/VERIFY/", 1)[1].split("/", 1)[0].split("?", 1)[0]
    return value if SERIAL_RE.match(value) else None


# --- the community's setting -------------------------------------------------------------


def auto_approves(cid: str) -> bool:
    """Whether the community issues certificates without an admin's approval (自动批准)."""
    rows = docs.read(_settings_path()).get("communities", {}).values()
    return any(r["community_id"] == cid and r["auto_approve"] for r in rows)


def set_certificate_auto_approve(cid: str, on: bool, by: str | None = None, at=None) -> dict:
    """Turn the community's 自动批准 on or off; pending requests stay for an admin to decide."""
    places.get_community(cid)
    row = {"community_id": cid, "auto_approve": bool(on), "changed_by": by}
    row["changed_at"] = stamp(at or now())
    with docs.transaction_one(_settings_path()) as db:
        table = db.table("communities")
        table.upsert(row, Query().community_id == cid)
    return row


def mask_name(name: str) -> str:
    """王*国 for 王建国, 李* for 李明: the family name and the last character stay."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _new_serial(at: datetime) -> str:
    token = secrets.token_hex(8).upper()
    return f"DC{at.year}-" + "-".join(token[i : i + 4] for i in range(0, 16, 4))


def issuing_community(uid: str, rows: list[dict]) -> dict | None:
    """The member's reported-in community, else their home community, else where they served most."""
    cid = reports.active_community_id(uid) or accounts.get_user(uid).get("home_cid")
    index = places.community_index()
    if cid in index:
        return index[cid]
    served: dict[str, float] = {}
    for row in rows:
        if row["community"]:
            served[row["community"]["id"]] = served.get(row["community"]["id"], 0) + row["hours"]
    return index.get(max(served, key=served.__getitem__)) if served else None


def service_record(uid: str, first: date, last: date) -> dict:
    """What a certificate of this period would hold (confirmed hours only)."""
    if first > last:
        raise StoreError("开始日期不能晚于结束日期。")
    user = accounts.get_user(uid)
    rows = attendance.confirmed_hours_between(uid, first.isoformat(), last.isoformat())
    summary = attendance.summarize_hours(rows)
    issuer = issuing_community(uid, rows)
    items = [
        {
            "date": r["date"],
            "start": r["shift"]["start"],
            "end": r["shift"]["end"],
            "title": r["post"]["title"],
            "category": r["category"],
            "community": r["community"]["name"] if r["community"] else "",
            "hours": float(r["hours"]),
        }
        for r in rows
    ]
    return {
        "uid": uid,
        "name": user["name"],
        "role": user["role"],
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "community_id": issuer["id"] if issuer else None,
        "community": issuer["name"] if issuer else "",
        "by_category": summary["by_category"],
        "total_hours": summary["total"],
        "items": items,
    }


def _fingerprint(record: dict) -> str:
    return hashlib.sha256(
        json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def issue_certificate(uid: str, first: date, last: date, at: datetime | None = None) -> dict:
    """Ask the member's community for a certificate of the period: kept as pending, or
    approved at once when the community auto-approves. The same content again (pending
    or approved) returns the same certificate; after a refusal a new request is made."""
    at = at or now()
    record = service_record(uid, first, last)
    if not record["items"]:
        raise StoreError("所选期间内没有已确认的服务工时，暂不能开具证明。")
    if not record["community_id"]:
        raise StoreError("您还没有所属社区，暂不能开具证明。")
    fingerprint = _fingerprint(record)
    for row in user_certificates(uid):
        if row.get("fingerprint") == fingerprint and row["status"] in (PENDING, APPROVED):
            return row
    auto = auto_approves(record["community_id"])
    with docs.transaction_one(_path(str(at.year))) as db:
        table = db.table("certificates")
        q = Query()
        same = table.get(
            (q.uid == uid) & (q.fingerprint == fingerprint) & q.status.one_of((PENDING, APPROVED))
        )
        if same is not None:
            return dict(same)
        cert = dict(
            record,
            serial=_new_serial(at),
            fingerprint=fingerprint,
            requested_at=stamp(at),
            status=APPROVED if auto else PENDING,
            auto_approved=auto,
            issued_at=stamp(at) if auto else None,
            decided_at=stamp(at) if auto else None,
            decided_by=None,
            decline_reason="",
            masked_name=mask_name(record["name"]),
        )
        table.insert(cert)
    return cert


def get_certificate(serial: str) -> dict | None:
    """The stored certificate with this serial (any status), or None (unknown or malformed)."""
    serial = (serial or "").strip().upper()
    match = SERIAL_RE.match(serial)
    if not match:
        return None
    for row in docs.read(_path(match.group(1))).get("certificates", {}).values():
        if secrets.compare_digest(row["serial"], serial):
            return _shown(row)
    return None


def verified_certificate(serial: str) -> dict | None:
    """The certificate with this serial if its community approved it, else None."""
    cert = get_certificate(serial)
    return cert if cert is not None and cert["status"] == APPROVED else None


def _requested(row: dict) -> str:
    return row.get("requested_at") or row["issued_at"]


def user_certificates(uid: str) -> list[dict]:
    """The user's certificates and requests, newest request first."""
    rows = []
    for path in _year_files():
        rows += [
            _shown(r) for r in docs.read(path).get("certificates", {}).values() if r["uid"] == uid
        ]
    return sorted(rows, key=_requested, reverse=True)


def community_certificates(cid: str, status: str | None = None) -> list[dict]:
    """Certificates the community issues (or is asked for), newest request first."""
    rows = []
    for path in _year_files():
        by_community = docs.view(
            path,
            "by-community",
            lambda t: _group(t.get("certificates", {}).values()),
        )
        rows += [_shown(r) for r in by_community.get(cid, [])]
    return sorted(
        (r for r in rows if status is None or r["status"] == status), key=_requested, reverse=True
    )


def _group(rows) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["community_id"], []).append(row)
    return grouped


def _decide(cid: str, serial: str, fields: dict) -> dict:
    cert = get_certificate(serial)
    if cert is None or cert["community_id"] != cid:
        raise NotFound("没有找到这份证明申请。")

    with docs.transaction_one(_path(cert["serial"][2:6])) as db:
        table = db.table("certificates")
        found = table.get(Query().serial == cert["serial"])
        if found is None:
            raise NotFound("没有找到这份证明申请。")
        if found.get("status", APPROVED) != PENDING:
            raise StoreError("这份证明申请已经处理过了。")
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def approve_certificate(cid: str, serial: str, by: str, at: datetime | None = None) -> dict:
    """An admin of the issuing community approves a pending request: the certificate is issued."""
    moment = stamp(at or now())
    return _decide(
        cid,
        serial,
        {"status": APPROVED, "issued_at": moment, "decided_at": moment, "decided_by": by},
    )


def decline_certificate(
    cid: str, serial: str, by: str, reason: str, at: datetime | None = None
) -> dict:
    """Decline a pending request with a reason the member sees."""
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("不予出具时请填写原因，申请人会看到。")
    if len(reason) > 200:
        raise StoreError("原因不能超过 200 个字。")
    moment = stamp(at or now())
    return _decide(
        cid,
        serial,
        {"status": DECLINED, "decided_at": moment, "decided_by": by, "decline_reason": reason},
    )


# --- quarterly summaries for 在职党员 ---------------------------------------------------


def quarter_range(quarter: str) -> tuple[date, date]:
    """('2026-Q1') -> (2026-01-01, 2026-03-31); NotFound for anything else."""
    match = QUARTER_RE.match(quarter or "")
    if not match:
        raise NotFound("没有这个季度。")
    year, q = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * q - 2, 1)
    last = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1).toordinal() - 1
    return first, date.fromordinal(last)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def member_quarter_summary(uid: str, quarter: str) -> dict:
    """A member's confirmed service in a quarter, addressed to their work unit and party org."""
    first, last = quarter_range(quarter)
    user = accounts.get_user(uid)
    record = service_record(uid, first, last)
    return dict(
        record,
        quarter=quarter,
        work_unit=user.get("work_unit", ""),
        party_org=user.get("party_org", ""),
        phone=user.get("phone", ""),
    )


def community_quarter_summaries(cid: str, quarter: str) -> list[dict]:
    """The quarterly summary of every 在职党员 currently reported in to the community."""
    places.get_community(cid)
    users = accounts.users_by_ids(reports.community_member_ids(cid))
    rows = [
        member_quarter_summary(uid, quarter)
        for uid, user in users.items()
        if user["role"] == "member"
    ]
    return sorted(rows, key=lambda r: r["name"])
