"""Retention: photos and reset codes deleted once they are no longer needed.

* a need's photo, a set time after the need was closed (已办结); a reopened need keeps it;
* a whistle's photos (raised with it and on its timeline), a set time after 已结案;
* password reset codes, a set time after they expired (used or not).

Each function takes the cut-off moment (``before``) and returns what it removed, for
the audit entry the worker writes. A photo file is removed under the lock of the file
that names it, before its name is cleared: a crash in between leaves a name without a
file (shown as no photo), and the next run clears the name; never a file that nobody
names and nobody would remove.
"""

from __future__ import annotations

from datetime import datetime

from tinydb import Query

from . import backend as docs
from . import photos, places
from .accounts import resets
from .base import community_key, stamp
from .lists import needs
from .whistles import core as whistles
from .whistles.catalog import CLOSED, _month_path


def _unlink(folder: str, name: str) -> None:
    photos.delete_need_photo(folder, name)


def purge_need_photos(before: datetime, at: datetime) -> list[dict]:
    """Remove the photos of needs closed at or before ``before``; returns
    [{community_id, street_id, need_id}] of the needs whose photo went."""
    removed = []
    cutoff = stamp(before)
    for community in places.list_communities():
        cid = community["id"]
        for need in needs.list_needs(cid, needs.DONE):
            if not photos.need_photos(need) or not need.get("closed_at"):
                continue
            if need["closed_at"] > cutoff:
                continue

            def change(row, cid=cid):
                names = photos.need_photos(row)
                if row["status"] != needs.DONE or not names:
                    return {}  # reopened or cleared meanwhile
                if not row.get("closed_at") or row["closed_at"] > cutoff:
                    return {}
                for name in names:  # every photo of the need, not only the first
                    _unlink(cid, name)
                return {"photo": None, "photos": [], "photo_removed_at": stamp(at)}

            after = docs.change_row(community_key(cid), "needs", need["id"], change, "")
            if after.get("photo") is None and after.get("photo_removed_at") == stamp(at):
                removed.append(
                    {
                        "community_id": cid,
                        "street_id": community["street_id"],
                        "need_id": need["id"],
                    }
                )
    return removed


def _whistle_photos(whistle: dict) -> list[str]:
    names = list(whistle.get("photos") or [])
    for step in whistle["timeline"]:
        names.extend(step.get("photos") or [])
    return names


def purge_whistle_photos(before: datetime, at: datetime) -> list[dict]:
    """Remove the photos of whistles closed at or before ``before``; returns
    [{street_id, whistle_id, community_id, photos}] (photos: how many)."""
    removed = []
    cutoff = stamp(before)
    for street in places.list_streets():
        sid = street["id"]
        for month in whistles.whistle_months(sid):
            for whistle in list(whistles._month_index(sid, month).values()):
                if whistle["status"] != CLOSED or not whistle.get("closed_at"):
                    continue
                if whistle["closed_at"] > cutoff or not _whistle_photos(whistle):
                    continue
                count = len(_whistle_photos(whistle))

                def change(row, sid=sid):
                    names = _whistle_photos(row)
                    if row["status"] != CLOSED or not names:
                        return {}
                    for name in names:
                        _unlink(f"w-{sid}", name)
                    return {
                        "photos": [],
                        "timeline": [dict(step, photos=[]) for step in row["timeline"]],
                        "photos_removed_at": stamp(at),
                    }

                docs.change_row(_month_path(sid, month), "whistles", whistle["id"], change, "")
                removed.append(
                    {
                        "street_id": sid,
                        "whistle_id": whistle["id"],
                        "community_id": whistle.get("community_id"),
                        "photos": count,
                    }
                )
    return removed


def purge_reset_codes(before: datetime) -> int:
    """Remove password reset codes that expired at or before ``before``; how many."""
    path = resets._path()
    if not docs.exists(path):
        return 0
    with docs.transaction_one(path) as db:
        return len(db.table("codes").remove(Query().expires_at <= stamp(before)))
