"""Personal-information rights: everything held about a person, and account deletion.

Deletion erases or anonymises the person's data but keeps the uid on their
sign-up rows, so served hours still count in certificates and statistics
without saying who served; admins see the account as "已注销成员". Appointed roles
(网格员, 小巷管家 …) and a unit's contact end with the account, and the member's choice
of a 驻区单位 is withdrawn (the unit no longer sees them).
"""

from __future__ import annotations

from . import users as accounts, resets
from .. import appointments, notifications, people, places, posts, reports, units
from ..signups import shift_changes, signup as signups
from ..lists import needs
from ..records import certificates
from ..base import NotFound, StoreError, now, stamp

SECRET_FIELDS = ("pw_hash", "ical_token", "sessions")


def _community_name(cid: str) -> str:
    community = places.community_index().get(cid)
    return community["name"] if community else cid


def _signup_rows(uid: str, user: dict) -> list[dict]:
    rows = []
    for cid, month in people.signup_parts(uid):
        for row in signups._view(cid, month)["by_user"].get(uid, []):
            try:
                shift, post = posts.get_shift(cid, row["shift_id"])
                title = post["title"]
            except NotFound:
                shift = shift_changes.get_cancelled_shift(cid, row["shift_id"]) or {}
                try:
                    title = posts.get_post(cid, row["post_id"])["title"]
                except NotFound:
                    title = ""
            item = {k: v for k, v in row.items() if k not in ("seq", "uid")}
            item.update(
                community=_community_name(cid),
                post_title=title,
                shift_date=shift.get("date"),
                shift_start=shift.get("start"),
                shift_end=shift.get("end"),
                place=_post_place(cid, row),
            )
            rows.append(item)
    return sorted(rows, key=lambda r: (r["shift_date"] or "", r["shift_start"] or "", r["id"]))


def _post_place(cid: str, row: dict) -> str:
    try:
        return posts.get_post(cid, row["post_id"])["place"]
    except NotFound:
        return ""


def _needs_raised(user: dict) -> list[dict]:
    """Needs the person raised with their own phone number."""
    rows = []
    for community in places.list_communities():
        found = [
            n
            for n in needs.list_needs(community["id"])
            if n.get("phone") and n.get("phone") == user["phone"]
        ]
        for need in found:
            rows.append(
                {k: v for k, v in need.items() if k != "token_hash"}
                | {"community": community["name"]}
            )
    return rows


def _certificates(uid: str) -> list[dict]:
    """Certificates issued to the person."""
    return list(certificates.user_certificates(uid))


def personal_data(uid: str, at=None) -> dict:
    """Everything the platform holds about the person, as plain JSON-able data."""
    user = accounts.get_user(uid)
    account = {k: v for k, v in user.items() if k not in SECRET_FIELDS}
    if account.get("home_cid"):
        account["home_community"] = _community_name(account["home_cid"])
    history = [
        {k: v for k, v in r.items() if k not in ("community", "uid")}
        | {"community": r["community"]["name"]}
        for r in reports.report_history(uid)
    ]
    return {
        "generated_at": stamp(at or now()),
        "account": account,
        "report_ins": history,
        "signups": _signup_rows(uid, user),
        "notifications": [
            {k: v for k, v in n.items() if k not in ("key",)} for n in notifications.inbox(uid)
        ],
        "notification_settings": notifications.notification_settings(uid),
        "needs": _needs_raised(user),
        "certificates": _certificates(uid),
        "appointments": appointments.appointments_of(uid),
        "unit": units.chosen_unit(uid),
        "unit_contact_of": [u["name"] for u in units.units_of_contact(uid)],
    }


def delete_account(uid: str, at=None) -> dict:
    """Withdraw consent and delete: returns {'user', 'promoted': [(cid, row), ...]}.

    Pending report-ins are withdrawn and sign-ups for shifts not yet started are
    cancelled (waiters move up); served shifts stay, without the person's identity.
    """
    at = at or now()
    user = accounts.get_user(uid)
    if user.get("deleted_at"):
        raise StoreError("该账号已注销。")
    if user["role"] not in ("member", "volunteer"):
        raise StoreError("管理员账号请由上级管理员停用，不能在线注销。")
    for report in reports.report_history(uid):
        if report["status"] == reports.PENDING:
            reports.withdraw_report_in(uid, report["community_id"], report["id"], at=at)
    promoted = []
    for row in signups.user_signups(uid):
        start = posts.shift_start(row["shift"])
        if row["status"] == signups.WAITING or (start is not None and start > at):
            cid = row["community"]["id"]
            result = signups.cancel_signup(cid, row["shift_id"], uid, at=at, deadline_hours=0)
            if result["promoted"]:
                promoted.append((cid, result["promoted"]))
    for row in appointments.appointments_of(uid):
        appointments.revoke(row["scope"], row["scope_id"], row["id"], "system", at=at)
    for unit in units.units_of_contact(uid):
        units.revoke_contact(unit["id"], "system", at=at)
    if units.chosen_unit(uid):
        units.choose_unit(uid, None, at=at)
    done = accounts.anonymise_user(uid, at=at)
    notifications.erase_inbox(uid)
    resets.erase_reset_codes(uid)
    return {"user": done, "promoted": promoted}
