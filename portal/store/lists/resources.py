"""The resources list (资源清单) of a community: what member units, members and local
organisations offer (venue, funds, expertise, equipment), with contact and availability.

Resources live in the community's file (table ``resources``).
"""

from __future__ import annotations

from tinydb import Query

from .. import backend as docs
from .. import places
from ..base import NotFound, StoreError, community_key, new_id, now, stamp

KINDS = {
    "venue": "场地",
    "funds": "资金",
    "expertise": "专业技能",
    "equipment": "设备物资",
    "other": "其他",
}
PROVIDERS = {"unit": "共建单位", "member": "在职党员", "organisation": "辖区组织", "other": "其他"}
_LIMITS = {
    "name": ("资源名称", 40, True),
    "provider": ("提供方", 40, True),
    "description": ("资源说明", 500, False),
    "contact": ("联系方式", 60, True),
    "availability": ("可用时间", 60, False),
}


def _resources(cid: str) -> dict:
    return docs.view(
        community_key(cid),
        "resources",
        lambda t: {r["id"]: r for r in t.get("resources", {}).values()},
    )


def get_resource(cid: str, rid: str) -> dict:
    """A resource of the community, or NotFound."""
    resource = _resources(cid).get(rid)
    if resource is None:
        raise NotFound("没有找到这项资源。")
    return resource


def list_resources(cid: str, kind: str | None = None, active: bool | None = None) -> list[dict]:
    """A community's resources, newest first; optionally of one kind, or only (in)active ones."""
    rows = sorted(_resources(cid).values(), key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return [
        r
        for r in rows
        if (kind is None or r["kind"] == kind) and (active is None or r["active"] == active)
    ]


def _clean(fields: dict) -> dict:
    out = {}
    for key, (label, limit, required) in _LIMITS.items():
        value = (fields.get(key) or "").strip()
        if required and not value:
            raise StoreError(f"请填写{label}。")
        if len(value) > limit:
            raise StoreError(f"{label}不能超过 {limit} 个字。")
        out[key] = value
    if fields.get("kind") not in KINDS:
        raise StoreError("请选择资源类型。")
    if fields.get("provider_type") not in PROVIDERS:
        raise StoreError("请选择提供方类型。")
    out["kind"], out["provider_type"] = fields["kind"], fields["provider_type"]
    out["active"] = bool(fields.get("active", True))
    return out


def create_resource(
    cid: str,
    by: str,
    *,
    name: str,
    kind: str,
    provider: str,
    provider_type: str,
    contact: str,
    description: str = "",
    availability: str = "",
    at=None,
) -> dict:
    """Add a resource (active) to the community's list."""
    resource = new_resource(
        cid,
        by,
        name=name,
        kind=kind,
        provider=provider,
        provider_type=provider_type,
        contact=contact,
        description=description,
        availability=availability,
        at=at,
    )
    with docs.transaction_one(community_key(cid)) as db:
        db.table("resources").insert(resource)
    return resource


def new_resource(cid: str, by: str, *, at=None, **fields) -> dict:
    """A checked resource row (active) for the community's list, not stored yet: a
    驻区单位's pledge inserts it into ``communities/<cid>/main`` in the same transaction
    as the unit's own record of it (``units.pledge_resource``)."""
    places.get_community(cid)
    clean = _clean(dict(fields, active=True))
    at = at or now()
    return dict(
        clean,
        id=new_id(),
        community_id=cid,
        created_at=stamp(at),
        created_by=by,
        updated_at=stamp(at),
    )


def update_resource(cid: str, rid: str, *, at=None, **fields) -> dict:
    """Change a resource's fields (all of them, as create_resource takes, plus ``active``)."""
    clean = _clean(fields)
    at = at or now()
    with docs.transaction_one(community_key(cid)) as db:
        table = db.table("resources")
        found = table.get(Query().id == rid)
        if found is None:
            raise NotFound("没有找到这项资源。")
        clean["updated_at"] = stamp(at)
        table.update(clean, doc_ids=[found.doc_id])
    return dict(found, **clean)
