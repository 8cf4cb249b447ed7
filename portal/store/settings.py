"""Settings the whole deployment shares and keeps in the store (not on one server's disk)."""

from __future__ import annotations

import secrets

from . import backend as docs

_KEY = "settings/secret"


def shared_secret_key() -> str:
    """The key that signs sessions, created once in the store: with several app servers
    on one database every server must sign and check with the same key."""
    rows = docs.read(_KEY).get("secret", {})
    if rows:
        return next(iter(rows.values()))["key"]
    with docs.transaction_one(_KEY) as db:
        table = db.table("secret")
        found = table.all()
        if found:
            return found[0]["key"]
        key = secrets.token_hex(32)
        table.insert({"key": key})
    return key
