"""A community's need matched with resources beyond its own 资源清单 (区域化党建 三级平台):
its community admin may match it with a resource of the community's own list, of its
street's list (a 驻区单位's pledge at street level among them) or of the district's.

The match is kept on the need (``communities/<cid>/main``, the need's ``matches``) as the
resource's ``{level, scope, id, at, by}``, the same shape as a street's or the district's
need keeps (``levels.match_area_need``), so one write touches one document. The resource
is read and checked (it exists, it is inside the community's reach, it is active) before
that write, and resolved again whenever the need is shown (``levels.resolve_area_ref``).

A resource outside the community's reach — another community's, another street's — is
NotFound (the views answer 404), never a match.
"""

from __future__ import annotations

from .. import places
from ..base import NotFound, StoreError, now, stamp
from . import levels, needs, resources


def _reach(cid: str) -> list[tuple[str, str]]:
    """The lists whose resources the community's needs may take: its own, its street's
    and the district's, as (level, scope)."""
    community = places.get_community(cid)
    return [
        (levels.COMMUNITY, cid),
        (levels.STREET, community["street_id"]),
        (levels.DISTRICT, levels.DISTRICT),
    ]


def _resource(cid: str, ref) -> tuple[tuple[str, str, str], dict]:
    """The reference, checked, and the resource it names; NotFound when it is outside the
    community's reach or does not exist."""
    level, scope, rid = levels._ref(ref)
    if (level, scope) not in _reach(cid):
        raise NotFound("没有找到这项资源。")
    if level == levels.COMMUNITY:
        return (level, scope, rid), resources.get_resource(scope, rid)
    return (level, scope, rid), levels.get_area_resource(level, scope, rid)


def need_match_candidates(cid: str, nid: str) -> list[dict]:
    """The active resources the community's need may still be matched with, as entries
    (``levels.resolve_area_ref``'s shape): the community's own, then its street's (a
    unit's pledge among them), then the district's; each newest first."""
    matched = {m["key"] for m in need_matches(cid, nid)}
    rows: list[dict] = []
    for level, scope in _reach(cid):
        if level == levels.COMMUNITY:
            found = resources.list_resources(scope, active=True)
        else:
            found = levels.list_area_resources(level, scope, active=True)
        rows.extend(levels._entry("resource", level, scope, r["id"], r) for r in found)
    return [e for e in rows if e["key"] not in matched]


def need_matches(cid: str, nid: str) -> list[dict]:
    """The resources matched with the community's need, resolved (``item`` None for a
    resource that no longer exists)."""
    need = needs.get_need(cid, nid)
    return [levels.resolve_area_ref("resource", m) for m in need.get("matches") or []]


def match_community_need(cid: str, nid: str, resource_ref, by: str, at=None) -> dict:
    """Match a resource of the community's own, its street's or the district's list with
    the community's need (not closed; the resource active). Another community's or
    another street's resource is NotFound. Returns the need."""
    needs.get_need(cid, nid)
    (level, scope, rid), resource = _resource(cid, resource_ref)
    if not resource.get("active", True):
        raise StoreError("这项资源已暂停，不能匹配。")
    at = at or now()

    def change(need):
        if need["status"] == needs.DONE:
            raise StoreError("已办结的需求不能再匹配资源。")
        matches = levels._add_ref(
            list(need.get("matches") or []), level, scope, rid, by, at, "已经匹配过这项资源。"
        )
        return {"matches": matches, "updated_at": stamp(at)}

    return needs._change(cid, nid, change)


def unmatch_community_need(cid: str, nid: str, resource_ref, at=None) -> dict:
    """Take a matched resource off the community's need."""
    level, scope, rid = levels._ref(resource_ref)
    at = at or now()
    return needs._change(
        cid,
        nid,
        lambda need: {
            "matches": levels._drop_ref(list(need.get("matches") or []), level, scope, rid),
            "updated_at": stamp(at),
        },
    )
