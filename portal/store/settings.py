"""Settings the whole deployment shares and keeps in the store (not on one server's disk)."""

from __future__ import annotations

import secrets

from . import backend as docs

_KEY = "settings/secret"
FOLDER_KEY_BLOB = "secret_key"  # the file store's <data>/secret_key, as a blob


def shared_secret_key() -> str:
    """The key that signs sessions, created once in the store: with several app servers
    on one database every server must sign and check with the same key."""
    rows = docs.read(_KEY).get("secret", {})
    if rows:
        return next(iter(rows.values()))["key"]
    # A store migrated from a data folder brings that folder's ``secret_key`` file along
    # as a blob: keep using it, so that nobody is logged out by the migration.
    carried = docs.current().get_blob(FOLDER_KEY_BLOB)
    with docs.transaction_one(_KEY) as db:
        table = db.table("secret")
        found = table.all()
        if found:
            return found[0]["key"]
        text = carried.decode("utf-8", "replace").strip() if carried else ""
        key = text if len(text) >= 32 else secrets.token_hex(32)
        table.insert({"key": key})
    return key
