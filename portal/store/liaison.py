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
from .base import NotFound, community_key, now, stamp
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
    out = []
    for community in places.list_communities():
        # The appointment names the street: a community listed under another street is not
        # guided from this one.
        if guided.get(community["id"]) == community["street_id"]:
            out.append(community)
    return out


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
    moment = stamp(at or now())
    places.get_community(cid)
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
    at = at or now()
    community = places.get_community(cid)
    open_ones = community_whistles(cid)
    late = {w["id"]: whistle_flow.overdue_steps(w, at) for w in open_ones}
    return {
        "community": community,
        "pending_report_ins": docs.view(community_key(cid), "pending-report-ins", _pending),
        "overdue_needs": overdue_needs(cid, at),
        "open_whistles": open_ones,
        "overdue_whistles": [w for w in open_ones if late[w["id"]]],
        "late_steps": late,
        "pending_requests": whistle_requests.list_requests(
            community["street_id"], whistle_catalog.R_PENDING, community_id=cid
        ),
        "coverage": grid_members.coverage(cid),
        # 小事不出网格: this month's closed needs by where they were closed.
        "routing": grid_needs.routing_figures(community, stamp(at)[:7]),
    }


def liaison_overview(uid: str, at=None) -> list[dict]:
    """``community_overview`` of each community the person guides."""
    at = at or now()
    return [community_overview(c["id"], at) for c in liaison_communities(uid)]
