"""Per-person pointers: where a person's report-ins and sign-ups are kept.

Each person has a small document of their own (``people/<uid[:2]>/<uid>``), so
recording "this member now has sign-ups in community X, month M" rewrites a
few hundred bytes instead of an account shard with a thousand other people.
A pointer is written in the same transaction as the record it points to
(``note`` on the transaction's handle), so neither is ever there without the
other; only the first record of a community-month writes the pointer at all.
"""

from __future__ import annotations

from . import backend as docs
from .base import person_key


_path = person_key


KINDS = ("signups", "reports", "appointments")


def _pointers(tables) -> dict:
    rows = tables.get("pointers", {}).values()
    return {kind: [tuple(r["at"]) for r in rows if r["kind"] == kind] for kind in KINDS}


def pointed(uid: str, kind: str) -> list[tuple[str, str]]:
    """The pairs of one kind the person points to (``"appointments"``: scope and id)."""
    return _read(uid)[kind]


def _read(uid: str) -> dict:
    return docs.view(_path(uid), "pointers", _pointers)


def signup_parts(uid: str, months=None) -> list[tuple[str, str]]:
    """(community, month) pairs holding the person's sign-ups; optionally only those months."""
    parts = _read(uid)["signups"]
    return parts if months is None else [p for p in parts if p[1] in months]


def report_pointers(uid: str) -> list[tuple[str, str]]:
    """(community, report id) pairs of the person's report-ins, oldest first."""
    return _read(uid)["reports"]


def note(person_db, kind: str, pair: tuple[str, str]) -> None:
    """Add the pointer (``"signups"``: community and month; ``"reports"``: community and
    report id) through the caller's open transaction on ``person_key(uid)``, unless it is
    there already (then nothing is written)."""
    table = person_db.table("pointers")
    if not table.search(lambda r: r["kind"] == kind and tuple(r["at"]) == pair):
        table.insert({"kind": kind, "at": list(pair)})


def add_signup_part(uid: str, cid: str, month: str) -> None:
    """Point to a community-month on its own (a shift moved to another month points all
    its people there before the rows move: a pointer to nothing is harmless)."""
    if (cid, month) in _read(uid)["signups"]:
        return
    with docs.transaction_one(_path(uid)) as db:
        note(db, "signups", (cid, month))
