"""Accounts: members, volunteers and admins, sharded over 16 small files.

A user's shard is fixed by the phone number at registration (and is the first
character of the user id), so login by phone reads one shard and a write
rewrites one sixteenth of the accounts, not all of them.

Each login starts a session: a random token goes into the browser's (signed) cookie,
and only its digest into the user's ``sessions`` list, so the server can end a session
(logout), all of them (退出所有设备, a new password, disabling), and a cookie copied
before that no longer works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib

from tinydb import Query
from werkzeug.security import check_password_hash, generate_password_hash

from .. import backend as docs
from ..base import NotFound, StoreError, account_key, new_id, now, stamp, valid_id

SHARDS = "0123456789abcdef"
ROLES = ("member", "volunteer", "community_admin", "street_admin", "district_admin", "dept_liaison")
# werkzeug's scrypt with its default cost; the tests lower the cost (still scrypt) for speed.
PASSWORD_METHOD = "scrypt"
PROFILE_FIELDS = {"name", "work_unit", "party_org", "home_cid", "skills", "availability", "email"}
# Sessions kept per user (the newest): logging in on more devices ends the oldest one.
MAX_SESSIONS = 20
# What a phone number that has no account is checked against, so that login and reset take
# as long for it as for a registered one (no timing tells which numbers exist). Nobody
# knows its password, and it is never accepted anyway. Other methods (the tests' cheaper
# scrypt) get theirs on first use.
_DUMMY_HASHES = {
    "scrypt": "scrypt:32768:8:1$y18gUFMN6EdnvfyB$33763e3916161436f2d0559632bd991ac4fc286d7ff2fc"
    "2696657f183191410852e15998d2e6886a91b6c525952418ad7af5fe0e1bec42d862b3c35910c9664c",
}


class PhoneTaken(StoreError):
    """The phone number already has an account."""


def dummy_hash() -> str:
    """A password hash of the current method and cost that matches no password anyone knows."""
    method = PASSWORD_METHOD
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(32), method=method)
    return _DUMMY_HASHES[method]


def _shard_of_phone(phone: str) -> str:
    return SHARDS[zlib.crc32(phone.encode()) % 16]


def _shard_of_uid(uid: str) -> str:
    if not valid_id(uid) or uid[0] not in SHARDS:
        raise NotFound("没有找到这个用户。")
    return uid[0]


def _index(tables) -> dict:
    return {u["uid"]: u for u in tables.get("users", {}).values()}


def _shard_index(shard: str) -> dict:
    return docs.view(account_key(shard), "users", _index)


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
    with docs.transaction_one(account_key(shard)) as db:
        users = db.table("users")
        if users.search(Query().phone == phone):
            raise PhoneTaken("该手机号已经注册，请直接登录。")
        users.insert(user)
    return user


def authenticate(phone: str, password: str) -> dict | None:
    """The user if phone and password match an account (disabled ones too), else None.

    An unknown phone costs the same hash check as a known one (against ``dummy_hash``).
    """
    user = find_user_by_phone(phone)
    matches = check_password_hash(user["pw_hash"] if user else dummy_hash(), password)
    return user if user is not None and matches else None


def _update(uid: str, change) -> dict:
    """Apply change(user_dict) to one user under its shard's lock; return the new user."""
    shard = _shard_of_uid(uid)
    with docs.transaction_one(account_key(shard)) as db:
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
    # Every session ends; the view starts a new one for the browser that made the change.
    return _update(uid, lambda u: u.update(pw_hash=digest, sessions=[]))


def confirm_skills(uid: str, skills) -> dict:
    """Mark declared skills as confirmed by the community (undeclared ones are ignored)."""

    def change(user):
        user["skills_confirmed"] = [s for s in user["skills"] if s in set(skills)]

    return _update(uid, change)


def user_file(uid: str):
    """The account file that holds this user (for a transaction over it and another file)."""
    return account_key(_shard_of_uid(uid))


def add_confirmed_skill(db, uid: str, skill: str) -> None:
    """Inside a transaction over ``user_file(uid)``: the declared ``skill`` becomes confirmed."""
    users = db.table("users")
    found = users.get(Query().uid == uid)
    if found is None:
        raise NotFound("没有找到这个用户。")
    if skill in found["skills"] and skill not in found["skills_confirmed"]:
        users.update(
            {"skills_confirmed": [*found["skills_confirmed"], skill]}, doc_ids=[found.doc_id]
        )


def has_any_user() -> bool:
    return any(docs.exists(account_key(s)) for s in SHARDS)


# --- attendance and calendar (records) ------------------------------------------------


def clear_no_shows(uid: str, at) -> dict:
    """Absences of shifts that started up to ``at`` no longer block the user's sign-ups."""
    return _update(uid, lambda u: u.update(no_show_cleared_at=stamp(at)))


def new_calendar_token(uid: str) -> dict:
    """Give the user a new random calendar-feed token (the old feed URL stops working)."""
    token = secrets.token_urlsafe(24)
    return _update(uid, lambda u: u.update(ical_token=token))


# --- sessions -------------------------------------------------------------------------


def _session_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def start_session(uid: str, at=None) -> tuple[str, dict]:
    """A new session for the user: (token for the cookie, user). Only its digest is kept."""
    token = secrets.token_urlsafe(24)
    entry = {"id": _session_digest(token), "at": stamp(at or now())}

    def change(user):
        if user.get("deleted_at"):
            raise StoreError("该账号已注销。")
        user["sessions"] = ([entry] + list(user.get("sessions") or []))[:MAX_SESSIONS]

    return token, _update(uid, change)


def session_is_live(user: dict, token) -> bool:
    """Whether ``token`` (from a cookie) is one of the user's sessions that have not ended."""
    if not isinstance(token, str) or not token:
        return False
    digest = _session_digest(token)
    found = False
    for entry in user.get("sessions") or ():
        found |= hmac.compare_digest(entry["id"], digest)
    return found


def end_session(uid: str, token: str) -> None:
    """End one session (logout): a copy of its cookie no longer logs anyone in."""
    digest = _session_digest(token)
    if not any(e["id"] == digest for e in get_user(uid).get("sessions") or ()):
        return  # nothing to write

    def change(user):
        user["sessions"] = [e for e in user.get("sessions") or () if e["id"] != digest]

    _update(uid, change)


def end_all_sessions(uid: str) -> dict:
    """End every session of the user (退出所有设备)."""
    return _update(uid, lambda u: u.update(sessions=[]))


# --- admin accounts, password reset, consent, deletion (accounts for life) ------------

DELETED_NAME = "已注销成员"


def set_password(uid: str, new: str) -> dict:
    """Set a new password without the old one (after a valid reset code); every session ends."""
    digest = generate_password_hash(new, method=PASSWORD_METHOD)
    return _update(uid, lambda u: u.update(pw_hash=digest, sessions=[]))


def set_disabled(uid: str, disabled: bool) -> dict:
    """Disable (cannot log in, sessions end for good) or enable an account."""

    def change(user):
        if user.get("deleted_at"):
            raise StoreError("该账号已注销。")
        user["disabled"] = bool(disabled)
        if disabled:
            user["sessions"] = []

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
            sessions=[],
        )
        for private in ("ical_token",):
            user.pop(private, None)

    return _update(uid, change)
