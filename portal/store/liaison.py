"""社区专员: what a street official sees over the 1–3 communities they guide.

A 社区专员 is a member or volunteer appointed by the street (``appointments``, role
``community_liaison``, targets: community ids of that street). This module reads only:
which communities a person guides, whether they guide a given community of a street,
and the figures of their home page for each community:

* pending report-ins (待确认), oldest first;
* overdue needs: not 已办结 and raised longer ago than the days ``content/data/grids.yml``
  gives for their urgency (``overdue_need_days``; 示例 values), oldest first. Nothing
  else in the portal defines an overdue need; the whistles have their own time targets;
* the street's open whistles that came from the community (its request, or one of its
  needs), with the steps late now (``overdue_steps``);
* the community's requests to whistle waiting for the street (待街道处理);
* grid coverage (``grid_members.coverage``): reported-in members placed in a grid or not;
* this month's closed needs by where they were closed (``grid_needs.routing_figures``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kb import data as kbdata

from . import appointments, grid_members, places, reports
from . import backend as docs
from .base import NotFound, community_key, now, places_key, stamp
from .lists import grid_needs, needs
from .whistles import catalog as whistle_catalog
from .whistles import core as whistles
from .whistles import flow as whistle_flow
from .whistles import requests as whistle_requests

ROLE = "community_liaison"


def overdue_need_days() -> dict[str, int]:
    """Days a need may stay open (待处理 or 处理中) after it was raised, by its urgency."""
    return kbdata.overdue_need_days()


def liaison_communities(uid: str) -> list[dict]:
    """The communities the person guides as 社区专员 (active appointments), in the
    places' order; empty for anybody else."""
    guided: dict[str, str] = {}
    for row in appointments.holds(uid, ROLE):
        for cid in row["targets"]:
            guided[cid] = row["scope_id"]
    if not guided:
        return []
    index = places.community_index()
    # The appointment names the street: a community listed under another street is not
    # guided from this one.
    out = [
        index[cid] for cid, sid in guided.items() if cid in index and index[cid]["street_id"] == sid
    ]
    order = _community_order()
    return sorted(out, key=lambda c: order[c["id"]])


# Each community's place in ``places.list_communities()``, by (backend, places version):
# every request of a 社区专员 orders their 1–3 communities, not the district's 170.
_ORDER: dict[tuple, dict[str, int]] = {}


def _community_order() -> dict[str, int]:
    key = (id(docs.current()), docs.version(places_key()))
    order = _ORDER.get(key)
    if order is None:
        # Read after the version: a newer list under an older version is read again.
        order = {c["id"]: n for n, c in enumerate(places.list_communities())}
        _ORDER.clear()
        _ORDER[key] = order
    return order


def guides(uid: str, street_id: str, cid: str) -> bool:
    """Whether the person is 社区专员 of community ``cid`` for street ``street_id``."""
    return any(c["id"] == cid and c["street_id"] == street_id for c in liaison_communities(uid))


def need_due(need: dict) -> str:
    """When an open need becomes overdue (a stamp)."""
    limits = overdue_need_days()
    days = limits.get(need.get("urgency") or "normal", limits["normal"])
    raised = datetime.strptime(need["created_at"], "%Y-%m-%d %H:%M:%S")
    return stamp(raised + timedelta(days=days))


def _pending(tables: dict) -> list[dict]:
    """The community's report-ins waiting for the admin, oldest first (the queue order of
    ``reports.list_report_ins``), once per version of its document."""
    rows = [r for r in tables.get("reports", {}).values() if r["status"] == reports.PENDING]
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]))


def _open_with_due(tables: dict) -> list[dict]:
    rows = [
        dict(need, due_at=need_due(need))
        for need in tables.get("needs", {}).values()
        if need["status"] != needs.DONE
    ]
    return sorted(rows, key=lambda n: (n["created_at"], n["id"]))


def overdue_needs(cid: str, at=None) -> list[dict]:
    """The community's open needs past their due time at ``at``, oldest first; each with
    ``due_at`` (when it became overdue). The due times are worked out once per version of
    the community's document: every 社区专员's home asks for them."""
    places.get_community(cid)
    return _overdue_needs(cid, stamp(at or now()))


def _overdue_needs(cid: str, moment: str) -> list[dict]:
    rows = docs.view(community_key(cid), "open-needs-due", _open_with_due)
    return [n for n in rows if n["due_at"] < moment]


def _from_community(whistle: dict, cid: str) -> bool:
    return whistle.get("community_id") == cid or any(
        ref["community_id"] == cid for ref in whistle.get("needs") or []
    )


def community_whistles(cid: str) -> list[dict]:
    """The open whistles (not 已结案) of the community's street that came from it."""
    street_id = places.get_community(cid)["street_id"]
    return [w for w in whistles.open_whistles([street_id]) if _from_community(w, cid)]


def liaison_whistle(uid: str, street_id: str, wid: str) -> dict:
    """A whistle (open or closed) of the street that came from a community the person
    guides; NotFound otherwise."""
    whistle = whistles.get_whistle(street_id, wid)
    for community in liaison_communities(uid):
        if community["street_id"] == street_id and _from_community(whistle, community["id"]):
            return whistle
    raise NotFound("没有找到这次吹哨。")


def liaison_request(uid: str, street_id: str, rid: str) -> dict:
    """A request to whistle of the street from a community the person guides; NotFound
    otherwise (another community's request looks the same as none)."""
    row = whistle_requests.get_request(street_id, rid)
    if not guides(uid, street_id, row["community_id"]):
        raise NotFound("没有找到这条吹哨申请。")
    return row


def liaison_requests(uid: str) -> list[dict]:
    """Requests to whistle from the person's communities, waiting ones first, newest first."""
    rows = []
    for community in liaison_communities(uid):
        rows += whistle_requests.list_requests(community["street_id"], community_id=community["id"])
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return sorted(rows, key=lambda r: r["status"] != whistle_catalog.R_PENDING)


def community_overview(cid: str, at=None) -> dict:
    """The figures of one community for its 社区专员 (see the module's docstring)::

    {"community", "pending_report_ins", "overdue_needs", "open_whistles",
     "overdue_whistles", "late_steps": {wid: [step, …]}, "pending_requests", "coverage",
     "routing"}
    """
    return overviews([places.get_community(cid)], at)[0]


def overviews(communities: list[dict], at=None) -> list[dict]:
    """``community_overview`` of each of these communities. What does not move with the
    clock is kept per community (``_still``); what does — which open needs and whistles
    are late now — is worked out on each call."""
    at = at or now()
    moment = stamp(at)
    rows = []
    streets: dict[tuple, tuple] = {}  # the street's versions, looked up once per call
    for community in communities:
        still = _still(community, moment[:7], streets)
        open_ones = still["open_whistles"]
        late = {w["id"]: whistle_flow.overdue_steps(w, at) for w in open_ones}
        rows.append(
            {
                "community": community,
                "pending_report_ins": still["pending_report_ins"],
                "overdue_needs": [n for n in still["open_needs"] if n["due_at"] < moment],
                "open_whistles": open_ones,
                "overdue_whistles": [w for w in open_ones if late[w["id"]]],
                "late_steps": late,
                "pending_requests": still["pending_requests"],
                "coverage": still["coverage"],
                "routing": still["routing"],
            }
        )
    return rows


# A community's figures that do not move with the clock, by (backend, community, month),
# with the versions of every document they were read from: the community's, the places',
# and of its street the requests, the open index, this month's whistles and the months of
# the open ones. Every 社区专员's home asks for them on every visit; they change seldom.
_STILL: dict[tuple, tuple[tuple, dict]] = {}
_STILL_KEPT = 2000


def _sources(community: dict, month: str, months: tuple, streets: dict) -> tuple:
    """The versions of the documents ``_still`` reads (the whistles' keys are the whistles
    package's own, so that the two never disagree on where a street's whistles are).
    ``streets`` keeps the street's part for the other communities of the same call."""
    sid = community["street_id"]
    street = streets.get((sid, month, months))
    if street is None:
        keys = [
            places_key(),
            whistle_requests._requests_path(sid),
            whistle_catalog._open_path(sid),
            whistle_catalog._month_path(sid, month),
            *(whistle_catalog._month_path(sid, m) for m in months),
        ]
        street = streets[(sid, month, months)] = tuple(docs.version(key) for key in keys)
    return (docs.version(community_key(community["id"])), street)


def _still(community: dict, month: str, streets: dict) -> dict:
    cid, sid = community["id"], community["street_id"]
    cache_key = (id(docs.current()), cid, month)
    hit = _STILL.get(cache_key)
    if hit is not None and hit[0] == _sources(community, month, hit[1]["months"], streets):
        return hit[1]
    open_key = whistle_catalog._open_path(sid)
    open_ones = [w for w in whistles.open_whistles([sid]) if _from_community(w, cid)]
    still = {
        "pending_report_ins": docs.view(community_key(cid), "pending-report-ins", _pending),
        "open_needs": docs.view(community_key(cid), "open-needs-due", _open_with_due),
        "open_whistles": open_ones,
        "pending_requests": whistle_requests.list_requests(
            sid, whistle_catalog.R_PENDING, community_id=cid
        ),
        "coverage": grid_members.coverage(cid),
        # 小事不出网格: this month's closed needs by where they were closed.
        "routing": grid_needs.routing_figures(community, month),
        # Every month the open index names, not only those of the whistles found: an
        # entry is written before its whistle, which may come in a month not read yet.
        "months": tuple(sorted({e["month"] for e in docs.read(open_key).get("open", {}).values()})),
    }
    # The versions as this request saw them (a request reads each document's version
    # once): a write after the reads above shows as a new version on the next call.
    if len(_STILL) >= _STILL_KEPT:
        _STILL.clear()
    # Looked up anew (not from ``streets``): the reads above may have seen newer versions.
    _STILL[cache_key] = (_sources(community, month, still["months"], {}), still)
    return still


def liaison_overview(uid: str, at=None) -> list[dict]:
    """``community_overview`` of each community the person guides."""
    return overviews(liaison_communities(uid), at)
