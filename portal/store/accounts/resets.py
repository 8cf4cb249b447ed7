"""One-time password reset codes, issued by a community admin (there is no SMS gateway).

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
shown once to the admin, who passes it to the member by phone or in person.
Only a hash is kept (``resets.json``); a code expires after 24 hours, works
once, and a newer code for the same person replaces the older one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tinydb import Query
from werkzeug.security import check_password_hash, generate_password_hash

from .. import backend as docs
from . import users as accounts
from ..base import StoreError, new_id, now, stamp

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
LIFETIME = timedelta(hours=24)
BAD_CODE = "手机号或重置码不正确，或重置码已过期、已使用。请联系社区重新获取。"


def _path() -> str:
    return "resets"


def normalise_code(code: str) -> str:
    """What the member typed, without spaces or dashes, in capitals."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -")


def format_code(code: str) -> str:
    """ABCD-EFGH: easier to read out over the phone."""
    return f"{code[:4]}-{code[4:]}"


def issue_reset_code(uid: str, issued_by: str, cid: str | None = None, at=None) -> dict:
    """A new code for the user; returns {'code', 'expires_at'} — the plain code only here."""
    at = at or now()
    user = accounts.get_user(uid)
    if user.get("deleted_at"):
        raise StoreError("该账号已注销。")
    if user.get("disabled"):
        raise StoreError("该账号已停用，不能重置密码。")
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    expires = at + LIFETIME
    row = {
        "id": new_id(),
        "uid": uid,
        "hash": generate_password_hash(code, method=accounts.PASSWORD_METHOD),
        "issued_by": issued_by,
        "community_id": cid,
        "issued_at": stamp(at),
        "expires_at": stamp(expires),
        "used_at": None,
    }
    with docs.transaction_one(_path()) as db:
        table = db.table("codes")
        # One live code per person; forget expired and used ones so the file stays small.
        table.remove(
            (Query().uid == uid) | (Query().expires_at <= stamp(at)) | (Query().used_at != None)  # noqa: E711 (a TinyDB query)
        )
        table.insert(row)
    return {"code": format_code(code), "expires_at": stamp(expires)}


def redeem_reset_code(phone: str, code: str, new_password: str, at=None) -> dict:
    """Set a new password with phone + code; the code is spent. StoreError if it does not fit.

    An unknown phone, one without a live code and a wrong code all take the same steps
    (the lock, a read, one hash check) and give the same answer: neither the answer nor
    the time tells which phone numbers are registered or have a code.
    """
    at = at or now()
    code = normalise_code(code)
    if len(code) != LENGTH:
        raise StoreError(BAD_CODE)
    user = accounts.find_user_by_phone(phone)
    uid = user["uid"] if user is not None and not user.get("deleted_at") else ""
    with docs.transaction_one(_path()) as db:
        table = db.table("codes")
        found = table.get((Query().uid == uid) & (Query().used_at == None))  # noqa: E711
        live = (
            found
            if found is not None
            and datetime.strptime(found["expires_at"], "%Y-%m-%d %H:%M:%S") > at
            else None
        )
        matches = check_password_hash(live["hash"] if live else accounts.dummy_hash(), code)
        if user is None or live is None or not matches:
            raise StoreError(BAD_CODE)
        if user.get("disabled"):
            raise StoreError("该账号已停用，请联系所在社区或街道。")
        table.update({"used_at": stamp(at)}, doc_ids=[live.doc_id])
        return accounts.set_password(user["uid"], new_password)


def erase_reset_codes(uid: str) -> None:
    """Forget every code of the user (account deletion)."""
    if docs.exists(_path()):
        with docs.transaction_one(_path()) as db:
            db.table("codes").remove(Query().uid == uid)
