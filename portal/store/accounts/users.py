"""Accounts: members, volunteers and admins, sharded over 16 small files.

A user's shard is fixed by the phone number at registration (and is the first
character of the user id), so login by phone reads one shard and a write
rewrites one sixteenth of the accounts, not all of them.
"""

from __future__ import annotations

import secrets
import zlib

from tinydb import Query
from werkzeug.security import check_password_hash, generate_password_hash

from .. import _files
from ..base import NotFound, StoreError, account_path, new_id, now, root, stamp, valid_id

SHARDS = "0123456789abcdef"
ROLES = ("member", "volunteer", "community_admin", "street_admin", "district_admin", "dept_liaison")
# werkzeug's scrypt with its default cost; the tests lower the cost (still scrypt) for speed.
PASSWORD_METHOD = "scrypt"
PROFILE_FIELDS = {"name", "work_unit", "party_org", "home_cid", "skills", "availability", "email"}


def _shard_of_phone(phone: str) -> str:
    return SHARDS[zlib.crc32(phone.encode()) % 16]


def _shard_of_uid(uid: str) -> str:
    if not valid_id(uid) or uid[0] not in SHARDS:
        raise NotFound("没有找到这个用户。")
    return uid[0]


def _index(tables) -> dict:
    return {u["uid"]: u for u in tables.get("users", {}).values()}


def _shard_index(shard: str) -> dict:
    return _files.view(account_path(shard), "users", _index)


def get_user(uid: str) -> dict:
    """The user with this id, or NotFound."""
    user = _shard_index(_shard_of_uid(uid)).get(uid)
    if user is None:
        raise NotFound("没有找到这个用户。")
    return user


def find_user_by_phone(phone: str) -> dict | None:
    for user in _shard_index(_shard_of_phone(phone)).values():
        if user["phone"] == phone:
            return user
    return None


def users_by_ids(uids) -> dict[str, dict]:
    """Map uid -> user for the given ids (unknown ids are left out)."""
    found = {}
    for uid in set(uids):
        try:
            found[uid] = get_user(uid)
        except NotFound:
            pass
    return found


def all_users() -> list[dict]:
    """Every account (for admin lists and exports; reads the 16 cached shards)."""
    return [u for s in SHARDS for u in _shard_index(s).values()]


def create_user(
    *,
    phone: str,
    password: str,
    name: str,
    role: str,
    scope: str | None = None,
    work_unit: str = "",
    party_org: str = "",
    home_cid: str | None = None,
    skills=(),
    availability=(),
    consent_version: str | None = None,
    demo: bool = False,
) -> dict:
    """Register an account; refuses a phone number that is already registered."""
    if role not in ROLES:
        raise StoreError("未知的角色。")
    shard = _shard_of_phone(phone)
    moment = stamp(now())
    user = {
        "uid": shard + new_id(6),
        "phone": phone,
        "name": name.strip(),
        "role": role,
        "scope": scope,
        "pw_hash": generate_password_hash(password, method=PASSWORD_METHOD),
        "work_unit": work_unit.strip(),
        "party_org": party_org.strip(),
        "home_cid": home_cid,
        "skills": list(skills),
        "skills_confirmed": [],
        "availability": list(availability),
        "consent_at": moment if consent_version else None,
        "consent_version": consent_version,
        "created_at": moment,
        "disabled": False,
        "demo": bool(demo),
    }
    with _files.transaction(account_path(shard)) as db:
        users = db.table("users")
        if users.search(Query().phone == phone):
            raise StoreError("该手机号已经注册，请直接登录。")
        users.insert(user)
    return user


def authenticate(phone: str, password: str) -> dict | None:
    """The user if phone and password match an enabled account, else None."""
    user = find_user_by_phone(phone)
    if user and check_password_hash(user["pw_hash"], password):
        return user
    return None


def _update(uid: str, change) -> dict:
    """Apply change(user_dict) to one user under its shard's lock; return the new user."""
    shard = _shard_of_uid(uid)
    with _files.transaction(account_path(shard)) as db:
        users = db.table("users")
        found = users.get(Query().uid == uid)
        if found is None:
            raise NotFound("没有找到这个用户。")
        user = dict(found)
        change(user)
        users.update(user, doc_ids=[found.doc_id])
    return user


def update_profile(uid: str, **fields) -> dict:
    """Change the editable profile fields (not the phone, which is the login)."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise StoreError("不能修改这些字段。")

    def change(user):
        user.update(fields)
        # A confirmed skill stays confirmed only while it is still declared.
        user["skills_confirmed"] = [s for s in user["skills_confirmed"] if s in user["skills"]]

    return _update(uid, change)


def change_password(uid: str, old: str, new: str) -> dict:
    """Set a new password after checking the current one."""
    if not check_password_hash(get_user(uid)["pw_hash"], old):
        raise StoreError("当前密码不正确。")
    digest = generate_password_hash(new, method=PASSWORD_METHOD)
    return _update(uid, lambda u: u.update(pw_hash=digest))


def confirm_skills(uid: str, skills) -> dict:
    """Mark declared skills as confirmed by the community (undeclared ones are ignored)."""

    def change(user):
        user["skills_confirmed"] = [s for s in user["skills"] if s in set(skills)]

    return _update(uid, change)


def has_any_user() -> bool:
    return any((root() / "accounts" / f"{s}.json").exists() for s in SHARDS)


# --- attendance and calendar (records) ------------------------------------------------


def clear_no_shows(uid: str, at) -> dict:
    """Absences of shifts that started up to ``at`` no longer block the user's sign-ups."""
    return _update(uid, lambda u: u.update(no_show_cleared_at=stamp(at)))


def new_calendar_token(uid: str) -> dict:
    """Give the user a new random calendar-feed token (the old feed URL stops working)."""
    token = secrets.token_urlsafe(24)
    return _update(uid, lambda u: u.update(ical_token=token))


# --- admin accounts, password reset, consent, deletion (accounts for life) ------------

DELETED_NAME = "已注销成员"


def set_password(uid: str, new: str) -> dict:
    """Set a new password without the old one (after a valid reset code)."""
    digest = generate_password_hash(new, method=PASSWORD_METHOD)
    return _update(uid, lambda u: u.update(pw_hash=digest))


def set_disabled(uid: str, disabled: bool) -> dict:
    """Disable (cannot log in, sessions end) or enable an account."""

    def change(user):
        if user.get("deleted_at"):
            raise StoreError("该账号已注销。")
        user["disabled"] = bool(disabled)

    return _update(uid, change)


def list_admins(role: str, scopes=None) -> list[dict]:
    """Accounts of one admin role, optionally only those whose scope is in ``scopes``."""
    wanted = None if scopes is None else set(scopes)
    rows = [
        u
        for u in all_users()
        if u["role"] == role
        and not u.get("deleted_at")
        and (wanted is None or u.get("scope") in wanted)
    ]
    return sorted(rows, key=lambda u: (u.get("scope") or "", u["created_at"], u["uid"]))


def record_consent(uid: str, version: str, text_sha256: str, at=None) -> dict:
    """Store the consent given now: the text's version and digest, and the time."""
    moment = stamp(at or now())

    def change(user):
        entry = {"version": version, "text_sha256": text_sha256, "at": moment}
        user.update(consent_version=version, consent_at=moment, consent_sha256=text_sha256)
        user["consent_history"] = list(user.get("consent_history") or []) + [entry]

    return _update(uid, change)


def anonymise_user(uid: str, at=None) -> dict:
    """Erase the person's data but keep the uid, so service records stay without identity."""
    moment = stamp(at or now())

    def change(user):
        user.update(
            phone=f"已注销-{user['uid']}",
            name=DELETED_NAME,
            work_unit="",
            party_org="",
            skills=[],
            skills_confirmed=[],
            availability=[],
            email="",
            home_cid=None,
            pw_hash="!deleted-" + secrets.token_hex(16),
            consent_version=None,
            consent_at=None,
            consent_sha256=None,
            consent_history=[],
            disabled=True,
            deleted_at=moment,
        )
        for private in ("ical_token",):
            user.pop(private, None)

    return _update(uid, change)
