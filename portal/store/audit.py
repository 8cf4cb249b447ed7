"""The audit log of admin actions: who, what, when, before and after.

Entries go to one file per month (``audit/<YYYY-MM>.json``): admin actions are
few, and a month's file bounds the cost of each write.
"""

from __future__ import annotations

from . import backend as docs
from .base import new_id, now, stamp


def _path(month: str) -> str:
    return f"audit/{month}"


def record_audit(
    actor: dict,
    action: str,
    *,
    community_id: str | None = None,
    street_id: str | None = None,
    target: str = "",
    before=None,
    after=None,
    at=None,
) -> dict:
    """Append one entry; community_id/street_id decide which admins may read it."""
    at = at or now()
    entry = new_entry(
        actor,
        action,
        community_id=community_id,
        street_id=street_id,
        target=target,
        before=before,
        after=after,
        at=at,
    )
    with docs.transaction_one(audit_key(at)) as db:
        db.table("entries").insert(entry)
    return entry


def audit_key(at) -> str:
    """The document an entry made at ``at`` goes to (for a write that must land in the
    same transaction as the change it records: insert ``new_entry`` into its table
    ``entries``)."""
    return _path(at.strftime("%Y-%m"))


def new_entry(
    actor: dict,
    action: str,
    *,
    community_id: str | None = None,
    street_id: str | None = None,
    target: str = "",
    before=None,
    after=None,
    at=None,
) -> dict:
    """One entry as ``record_audit`` stores it, not yet written."""
    at = at or now()
    return {
        "id": new_id(),
        "at": stamp(at),
        "actor_uid": actor["uid"],
        "actor_name": actor["name"],
        "actor_role": actor["role"],
        "action": action,
        "community_id": community_id,
        "street_id": street_id,
        "target": target,
        "before": before,
        "after": after,
    }


def audit_months() -> list[str]:
    """Months that have entries, newest first."""
    return sorted((k.rpartition("/")[2] for k in docs.keys("audit/")), reverse=True)


def list_audit(month: str, street_id: str | None = None) -> list[dict]:
    """A month's entries, newest first; with street_id only that street's (and its communities')."""
    if month not in audit_months():
        return []
    rows = list(docs.read(_path(month)).get("entries", {}).values())
    if street_id is not None:
        rows = [r for r in rows if r.get("street_id") == street_id]
    return sorted(rows, key=lambda r: r["at"], reverse=True)
