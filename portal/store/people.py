"""Per-person pointers: where a person's report-ins and sign-ups are kept.

Each person has a small file of their own (``people/<uid[:2]>/<uid>.json``), so
recording "this member now has sign-ups in community X, month M" rewrites a
few hundred bytes instead of an account shard with a thousand other people.
Pointers are written before the record they point to: a crash in between
leaves a pointer to nothing (harmless), never a record nobody can find.
"""

from __future__ import annotations

from . import _files
from .base import person_path


_path = person_path


def _pointers(tables) -> dict:
    rows = tables.get("pointers", {})
    return {
        "signups": [tuple(r["at"]) for r in rows.values() if r["kind"] == "signups"],
        "reports": [tuple(r["at"]) for r in rows.values() if r["kind"] == "reports"],
    }


def _read(uid: str) -> dict:
    return _files.view(_path(uid), "pointers", _pointers)


def signup_parts(uid: str, months=None) -> list[tuple[str, str]]:
    """(community, month) pairs holding the person's sign-ups; optionally only those months."""
    parts = _read(uid)["signups"]
    return parts if months is None else [p for p in parts if p[1] in months]


def report_pointers(uid: str) -> list[tuple[str, str]]:
    """(community, report id) pairs of the person's report-ins, oldest first."""
    return _read(uid)["reports"]


def _add(uid: str, kind: str, pair: tuple[str, str]) -> None:
    if pair in _read(uid)[kind]:
        return
    with _files.transaction(_path(uid)) as db:
        table = db.table("pointers")
        if not table.search(lambda r: r["kind"] == kind and tuple(r["at"]) == pair):
            table.insert({"kind": kind, "at": list(pair)})


def add_signup_part(uid: str, cid: str, month: str) -> None:
    """Note that the person has sign-ups in this community-month."""
    _add(uid, "signups", (cid, month))


def add_report_pointer(uid: str, cid: str, rid: str) -> None:
    """Note a report-in of the person."""
    _add(uid, "reports", (cid, rid))
