"""Service record certificates (志愿服务记录证明) and quarterly summaries.

A certificate is a snapshot of the member's confirmed hours in a period, kept
in ``certificates/<YYYY>.json`` under a random serial number: the public
verification page shows only what is stored under a serial, so a made-up
serial finds nothing and cannot be forged.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime

from tinydb import Query

from .. import _files, places, reports
from ..accounts import users as accounts
from . import attendance
from ..base import NotFound, StoreError, now, root, stamp

SERIAL_RE = re.compile(r"^DC(\d{4})-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def _path(year: str):
    return root() / "certificates" / f"{year}.json"


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
    """Store a certificate for the period (the same content again returns the same serial)."""
    at = at or now()
    record = service_record(uid, first, last)
    if not record["items"]:
        raise StoreError("所选期间内没有已确认的服务工时，暂不能开具证明。")
    if not record["community_id"]:
        raise StoreError("您还没有所属社区，暂不能开具证明。")
    fingerprint = _fingerprint(record)
    with _files.transaction(_path(str(at.year))) as db:
        table = db.table("certificates")
        q = Query()
        same = table.get((q.uid == uid) & (q.fingerprint == fingerprint))
        if same is not None:
            return dict(same)
        cert = dict(
            record,
            serial=_new_serial(at),
            fingerprint=fingerprint,
            issued_at=stamp(at),
            masked_name=mask_name(record["name"]),
        )
        table.insert(cert)
    return cert


def get_certificate(serial: str) -> dict | None:
    """The stored certificate with this serial, or None (unknown or malformed serial)."""
    serial = (serial or "").strip().upper()
    match = SERIAL_RE.match(serial)
    if not match:
        return None
    for row in _files.read_tables(_path(match.group(1))).get("certificates", {}).values():
        if secrets.compare_digest(row["serial"], serial):
            return row
    return None


def user_certificates(uid: str) -> list[dict]:
    """The user's certificates, newest first."""
    folder = root() / "certificates"
    rows = []
    if folder.exists():
        for path in folder.glob("*.json"):
            rows += [
                r
                for r in _files.read_tables(path).get("certificates", {}).values()
                if r["uid"] == uid
            ]
    return sorted(rows, key=lambda r: r["issued_at"], reverse=True)


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
