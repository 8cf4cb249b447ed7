"""小巷管家巡查: a lane steward's patrols of their lanes and what they found on them.

A 小巷管家 (an active ``lane_steward`` appointment of a street, ``appointments.py``) starts
a patrol of one of their lanes, records findings on the way (a category of the problem
list in ``content/data/problems.yml``, the same list as the needs', so a finding's
category is a need's; a note, an optional place and photo) and ends it. A finding can
be turned into a need of a community of the street in one step. Documents::

    streets/<sid>/patrols-<YYYY-MM>   patrols   {id, street_id, lane_id, lane_name,
                                                 steward_uid, started_at, ended_at,
                                                 findings: [...]}

A patrol id is ``<YYYYMM>-<random>``: the month it was started, so the id names its
document and every write touches one street's month. Findings live inside their patrol's
row ``{id, at, category, note, place, photo, need}``; ``need`` is None or
``{community_id, need_id, at}``. Photos are re-encoded like needs' photos and kept under
``uploads/p-<sid>/``.

Only the steward who started a patrol reads or changes it, and only while the lane is
still theirs: any other patrol (another steward's, another street's, another lane's) is
NotFound, as if it did not exist.

A finding and the need made from it live in two documents (the community's and the
patrol month's) and are written one after the other, under the patrol's named lock (so
two presses of the button make one need): the need first (with a copy of the finding's
photo in the community's folder), then the finding's link to it. A crash after the need
and before the link leaves a need of the community (raised by 小巷管家, at the lane's
address) that the finding does not name: the finding still offers 转为社区需求 and may be
turned again, giving a second need the community can close as a duplicate. Nothing ever
names a need that does not exist. A crash after the photo copy and before the need
leaves an unnamed photo in the community's folder.
"""

from __future__ import annotations

import re
from datetime import datetime

from tinydb import Query

from kb import data as kbdata

from . import appointments, lanes, places
from . import backend as docs
from . import photos as need_photos
from .accounts import users as accounts
from .base import NotFound, StoreError, new_id, now, stamp, valid_id
from .lists import needs

ROLE = "lane_steward"
MAX_FINDINGS = 50  # findings of one patrol
NOTE_MAX = 300
PLACE_MAX = 60
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PID_RE = re.compile(r"^(\d{4})(0[1-9]|1[0-2])-[0-9a-f]{10}$")
MISSING = "没有找到这次巡查。"


# ---------------------------------------------------------------- keys and months


def _street(sid: str) -> str:
    if not valid_id(sid):
        raise NotFound("没有找到这个街道。")
    return sid


def _month_key(sid: str, month: str) -> str:
    if not _MONTH_RE.match(month or ""):
        raise NotFound(MISSING)
    return f"streets/{_street(sid)}/patrols-{month}"


def month_of(pid: str) -> str:
    match = _PID_RE.match(pid or "")
    if not match:
        raise NotFound(MISSING)
    return f"{match.group(1)}-{match.group(2)}"


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def patrol_months(sid: str) -> list[str]:
    """Months in which the street's stewards patrolled, oldest first."""
    prefix = f"streets/{_street(sid)}/patrols-"
    months = (key[len(prefix) :] for key in docs.keys(prefix))
    return sorted(m for m in months if _MONTH_RE.match(m))


def _month_index(sid: str, month: str) -> dict:
    return docs.view(
        _month_key(sid, month),
        "patrols",
        lambda t: {p["id"]: p for p in t.get("patrols", {}).values()},
    )


# ---------------------------------------------------------------- who may patrol where


def categories() -> list[dict]:
    """What a finding may be: the problem categories (``{id, name, example}``, 示例 marked
    in the file), in the file's order."""
    return [
        {"id": c["id"], "name": c["name"], "example": bool(c.get("example"))}
        for c in kbdata.problem_categories()
    ]


def steward_lane_ids(sid: str, uid: str) -> list[str]:
    """The lanes of the street the person looks after now (their active appointments)."""
    found: set[str] = set()
    for row in appointments.list_appointments("street", _street(sid)):
        if row["uid"] == uid and row["role"] == ROLE:
            found.update(row["targets"])
    return sorted(found)


def steward_streets(uid: str) -> list[str]:
    """The streets in which the person is a 小巷管家 now."""
    rows = appointments.appointments_of(uid)
    return sorted({r["scope_id"] for r in rows if r["role"] == ROLE and r["scope"] == "street"})


def _check_lane(sid: str, lane_id: str, uid: str) -> dict:
    if lane_id not in steward_lane_ids(sid, uid):
        raise NotFound("没有找到这条街巷，或者它不归您负责。")
    return lanes.get_lane(sid, lane_id)


# ---------------------------------------------------------------- reading


def get_patrol(sid: str, pid: str) -> dict:
    """A patrol of the street (whoever's), or NotFound (also for another street's id)."""
    patrol = _month_index(sid, month_of(pid)).get(pid)
    if patrol is None:
        raise NotFound(MISSING)
    return patrol


def own_patrol(sid: str, pid: str, uid: str) -> dict:
    """The steward's own patrol of a lane still theirs, else NotFound."""
    patrol = get_patrol(sid, pid)
    if patrol["steward_uid"] != uid or patrol["lane_id"] not in steward_lane_ids(sid, uid):
        raise NotFound(MISSING)
    return patrol


def list_patrols(sid: str, month: str, uid: str | None = None) -> list[dict]:
    """The patrols started in the month, newest first; optionally one steward's."""
    key = _month_key(sid, month)
    if not docs.exists(key):
        return []
    rows = [p for p in _month_index(sid, month).values() if uid is None or p["steward_uid"] == uid]
    return sorted(rows, key=lambda p: (p["started_at"], p["id"]), reverse=True)


def open_patrol(sid: str, uid: str, at: datetime | None = None) -> dict | None:
    """The steward's patrol of the street not yet ended (started this month or the last)."""
    month = (at or now()).strftime("%Y-%m")
    for m in (month, _previous_month(month)):
        for patrol in list_patrols(sid, m, uid):
            if not patrol["ended_at"]:
                return patrol
    return None


def get_finding(patrol: dict, fid: str) -> dict:
    for finding in patrol["findings"]:
        if finding["id"] == fid:
            return finding
    raise NotFound("没有找到这条发现。")


# ---------------------------------------------------------------- a patrol


def start_patrol(sid: str, lane_id: str, uid: str, at: datetime | None = None) -> dict:
    """Start a patrol of one of the steward's lanes; refused while another is open."""
    lane = _check_lane(sid, lane_id, uid)
    at = at or now()
    month = at.strftime("%Y-%m")
    here, before = _month_key(sid, month), _month_key(sid, _previous_month(month))
    with docs.transaction(here, before) as (db, earlier):
        for handle in (db, earlier):
            for other in handle.table("patrols").all():
                if other["steward_uid"] == uid and not other["ended_at"]:
                    raise StoreError("您还有一次巡查没有结束，请先结束它再开始新的巡查。")
        row = {
            "id": f"{at.strftime('%Y%m')}-{new_id()}",
            "street_id": sid,
            "lane_id": lane["id"],
            "lane_name": lane["name"],
            "steward_uid": uid,
            "started_at": stamp(at),
            "ended_at": None,
            "findings": [],
        }
        db.table("patrols").insert(row)
    return row


def _change(sid: str, pid: str, uid: str, change) -> dict:
    """Apply change(patrol) -> fields to the steward's own patrol in one transaction."""
    own_patrol(sid, pid, uid)
    return docs.change_row(_month_key(sid, month_of(pid)), "patrols", pid, change, MISSING)


def end_patrol(sid: str, pid: str, uid: str, at: datetime | None = None) -> dict:
    at = at or now()

    def change(patrol):
        if patrol["ended_at"]:
            raise StoreError("这次巡查已经结束。")
        return {"ended_at": stamp(at)}

    return _change(sid, pid, uid, change)


def _clean_finding(category: str, note: str, place: str) -> tuple[str, str, str]:
    if category not in {c["id"] for c in categories()}:
        raise StoreError("请选择发现的问题类别。")
    note, place = (note or "").strip(), (place or "").strip()
    if not note:
        raise StoreError("请填写发现了什么问题。")
    if len(note) > NOTE_MAX:
        raise StoreError(f"问题说明不能超过 {NOTE_MAX} 个字。")
    if len(place) > PLACE_MAX:
        raise StoreError(f"具体位置不能超过 {PLACE_MAX} 个字。")
    return category, note, place


def add_finding(
    sid: str,
    pid: str,
    uid: str,
    *,
    category: str,
    note: str,
    place: str = "",
    photo: str | None = None,
    at: datetime | None = None,
) -> dict:
    """Record a finding on an open patrol; ``photo`` is a name ``save_patrol_photo`` gave.
    Returns the finding."""
    category, note, place = _clean_finding(category, note, place)
    if photo is not None and not need_photos.is_photo_name(photo):
        raise StoreError("照片无效。")
    at = at or now()
    finding = {
        "id": new_id(),
        "at": stamp(at),
        "category": category,
        "note": note,
        "place": place,
        "photo": photo,
        "need": None,
    }

    def change(patrol):
        if patrol["ended_at"]:
            raise StoreError("这次巡查已经结束，不能再记录发现。")
        if len(patrol["findings"]) >= MAX_FINDINGS:
            raise StoreError(f"一次巡查最多记录 {MAX_FINDINGS} 条发现，请结束后开始新的巡查。")
        return {"findings": [*patrol["findings"], finding]}

    _change(sid, pid, uid, change)
    return finding


# ---------------------------------------------------------------- photos


def _photo_folder(sid: str) -> str:
    return f"p-{_street(sid)}"


def save_patrol_photo(sid: str, data, label: str = "") -> str:
    """Re-encode an upload (bytes or a binary file) like a need's photo (no EXIF); its name."""
    return need_photos.save_need_photo(_photo_folder(sid), data, label=label)


def delete_patrol_photo(sid: str, name: str) -> None:
    need_photos.delete_need_photo(_photo_folder(sid), name)


def patrol_photo(patrol: dict, fid: str) -> bytes:
    """The photo of one of the patrol's findings, as JPEG, or NotFound."""
    name = get_finding(patrol, fid).get("photo")
    if not name:
        raise NotFound("这条发现没有照片。")
    return need_photos.photo_bytes(_photo_folder(patrol["street_id"]), name)


# ---------------------------------------------------------------- a finding becomes a need


def finding_to_need(
    sid: str,
    pid: str,
    fid: str,
    uid: str,
    *,
    community_id: str,
    description: str = "",
    urgency: str = "normal",
    grid_id: str | None = None,
    at: datetime | None = None,
) -> tuple[dict, dict]:
    """Turn the steward's finding into a need of a community of the street (raised by
    小巷管家, at the lane, the finding's category and photo); the finding keeps the need's
    id. With ``grid_id`` (a grid of that community) the need goes to the grid first.
    Returns (finding, need); refused when the finding already became one. See the
    module's docstring for what a crash between the two writes leaves."""
    try:
        community = places.get_community(community_id)
    except NotFound:
        raise StoreError("请选择本街道的社区。") from None
    if community["street_id"] != sid:
        raise StoreError("请选择本街道的社区。")
    at = at or now()
    key = _month_key(sid, month_of(pid))  # checks both ids before they name a lock
    with docs.lock(f"patrol-{sid}-{pid}"):
        patrol = own_patrol(sid, pid, uid)
        finding = _fresh_finding(sid, pid, fid)
        if finding.get("need"):
            raise StoreError("这条发现已经转为需求了。")
        lane = lanes.get_lane(sid, patrol["lane_id"])
        address = f"{lane['name']} {finding.get('place') or ''}".strip()
        user = accounts.get_user(uid)
        copies = _copy_photo(sid, community_id, finding.get("photo"))
        try:
            need = needs.create_need(
                community_id,
                category=finding["category"],
                description=(description or "").strip() or finding["note"],
                raised_by="alley_steward",
                urgency=urgency,
                name=user["name"][:20],
                by=uid,
                photos=copies,
                address=address,
                grid_id=grid_id,
                at=at,
            )
        except StoreError:
            for name in copies:
                need_photos.delete_need_photo(community_id, name)
            raise
        link = {"community_id": community_id, "need_id": need["id"], "at": stamp(at)}

        def change(row):
            rows = [dict(f, need=link) if f["id"] == fid else f for f in row["findings"]]
            return {"findings": rows}

        docs.change_row(key, "patrols", pid, change, MISSING)
    return dict(finding, need=link), need


def _fresh_finding(sid: str, pid: str, fid: str) -> dict:
    """The finding as stored now (read inside a transaction, not from the request's reads):
    under the patrol's lock, whether it already became a need is then certain."""
    with docs.transaction_one(_month_key(sid, month_of(pid))) as db:
        row = db.table("patrols").get(Query().id == pid)
    if row is None:
        raise NotFound(MISSING)
    return get_finding(dict(row), fid)


def _copy_photo(sid: str, cid: str, name: str | None) -> list[str]:
    """The finding's photo stored again as a photo of the community's need (its own copy:
    each is removed by its own retention); none when it has none or it is gone."""
    if not name:
        return []
    try:
        data = need_photos.photo_bytes(_photo_folder(sid), name)
    except NotFound:
        return []
    return [need_photos.save_need_photo(cid, data)]


# ---------------------------------------------------------------- monthly figures


def _zero() -> dict:
    return {"patrols": 0, "findings": 0, "needs": 0}


def patrol_stats(sid: str, month: str) -> dict:
    """The month's figures of the street: patrols started in it, their findings and the
    findings turned into needs (by now), per steward and per lane. Every steward and lane
    of the street now is listed, with zeros when nothing was done.

    Returns ``{"month", "stewards": [{uid, patrols, findings, needs}], "lanes": [{lane_id,
    name, patrols, findings, needs}], "total": {patrols, findings, needs}}``."""
    rows = list_patrols(sid, month)
    by_steward: dict[str, dict] = {}
    for row in appointments.list_appointments("street", _street(sid)):
        if row["role"] == ROLE:
            by_steward.setdefault(row["uid"], _zero())
    by_lane = {lane["id"]: dict(_zero(), name=lane["name"]) for lane in lanes.list_lanes(sid)}
    total = _zero()
    for patrol in rows:
        findings = len(patrol["findings"])
        turned = sum(1 for f in patrol["findings"] if f.get("need"))
        lane = by_lane.setdefault(patrol["lane_id"], dict(_zero(), name=patrol["lane_name"]))
        for figures in (by_steward.setdefault(patrol["steward_uid"], _zero()), lane, total):
            figures["patrols"] += 1
            figures["findings"] += findings
            figures["needs"] += turned
    return {
        "month": month,
        "stewards": [dict(f, uid=uid) for uid, f in by_steward.items()],
        "lanes": sorted(
            (dict(f, lane_id=lid) for lid, f in by_lane.items()),
            key=lambda r: (r["name"], r["lane_id"]),
        ),
        "total": total,
    }


# ---------------------------------------------------------------- retention


def purge_patrol_photos(before: datetime, at: datetime) -> list[dict]:
    """Remove the photos of findings of patrols that ended at or before ``before`` (a photo
    turned into a need lives on as the need's own copy, under the need's retention).
    Returns [{street_id, patrol_id, photos}] of the patrols whose photos went."""
    removed = []
    cutoff = stamp(before)
    for street in places.list_streets():
        sid = street["id"]
        for month in patrol_months(sid):
            if month > cutoff[:7]:
                continue
            with docs.transaction_one(_month_key(sid, month)) as db:
                table = db.table("patrols")
                for row in table.all():
                    if not row.get("ended_at") or row["ended_at"] > cutoff:
                        continue
                    names = [f["photo"] for f in row["findings"] if f.get("photo")]
                    if not names:
                        continue
                    findings = [dict(f, photo=None) for f in row["findings"]]
                    table.update(
                        {"findings": findings, "photos_removed_at": stamp(at)},
                        doc_ids=[row.doc_id],
                    )
                    removed.append({"street_id": sid, "patrol_id": row["id"], "photos": names})
            # The rows no longer name them: now the files can go (a crash in between
            # leaves an unnamed photo, never a name without its photo).
    for entry in removed:
        for name in entry["photos"]:
            delete_patrol_photo(entry["street_id"], name)
    return [dict(e, photos=len(e["photos"])) for e in removed]
