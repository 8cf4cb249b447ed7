"""三个清单 at three levels (区域化党建 三级平台): needs, resources and projects posted by a
street (街道级) or by the district (区级), beside the communities' own lists (社区级, kept in
``communities/<cid>/main`` by ``needs``, ``resources`` and ``projects``).

Documents::

    streets/<sid>/lists   needs, resources, projects   the street's lists (街道级)
    district/lists        needs, resources, projects   the district's lists (区级)

Every row carries ``level`` (``street`` or ``district``) and ``scope`` (the street's id, or
``district``). A row of any level is named by a *reference* ``(level, scope, id)``:
``("community", cid, nid)`` is a need of a community's own list, ``("street", sid, rid)``
a resource of a street's, ``("district", "district", prid)`` a project of the district's.
References are stored as ``{level, scope, id, at, by}``.

The fields are checked by the community modules' own checks (a need's category, text,
raiser, urgency and phone; a resource's names, kind and provider type — ``unit`` included,
so a 驻区单位's pledge can be filed as a street's or the district's resource; a project's
name and description).

Links between levels are kept on the row that makes them, so each write touches one
document:

* a need's ``matches``: resources matched with it. A street's need takes a resource of
  the street itself or of any of its communities, or a district-level unit's pledge on
  the district's list; the district's need, any resource. A community's own need takes
  those of its community, its street and the district (``need_matches``).
* a project's ``need_refs`` and ``resource_refs``: the needs it gathers and the resources
  it uses. A street's project takes those of the street and its communities; the
  district's project, those of every street, every community and the district.
  From a street's list, a row of another street (or of its communities) is NotFound.

The row a reference names is checked (it exists, it is inside the area; a resource is
active) when the link is made, read before the one document written, and read again
whenever it is shown (``resolve_area_ref``): a reference to a row that no longer exists
shows as missing, never as another row.
"""

from __future__ import annotations

from collections.abc import Sequence


from .. import backend as docs
from .. import places
from ..base import NotFound, StoreError, new_id, now, stamp, valid_id
from . import needs, projects, resources

COMMUNITY, STREET, DISTRICT = "community", "street", "district"
LEVELS = (COMMUNITY, STREET, DISTRICT)
LEVEL_NAMES = {COMMUNITY: "社区级", STREET: "街道级", DISTRICT: "区级"}
DISTRICT_NAME = "东城区"
KINDS = ("need", "resource", "project")
_TABLES = {"need": "needs", "resource": "resources", "project": "projects"}
_MISSING = {
    "need": "没有找到这条需求。",
    "resource": "没有找到这项资源。",
    "project": "没有找到这个项目。",
}
_NEED_FIELDS = ("category", "description", "raised_by", "place", "urgency", "phone", "name")


# ---------------------------------------------------------------- levels and keys


def lists_key(level: str, scope: str) -> str:
    """The document of a street's or the district's lists; NotFound for any other."""
    if level == STREET:
        if not valid_id(scope):
            raise NotFound("没有找到这个街道。")
        places.get_street(scope)
        return f"streets/{scope}/lists"
    if level == DISTRICT and scope == DISTRICT:
        return "district/lists"
    raise NotFound("没有找到这个清单。")


def area_scope_name(level: str, scope: str) -> str:
    """Whose list it is: a community's or a street's name, or the district's."""
    try:
        if level == COMMUNITY:
            return places.get_community(scope)["name"]
        if level == STREET:
            return places.get_street(scope)["name"]
    except NotFound:
        return "（已不存在）"
    return DISTRICT_NAME


def street_of(level: str, scope: str) -> str | None:
    """The street a row of this level belongs to (None for the district's)."""
    if level == STREET:
        return scope
    if level == COMMUNITY:
        try:
            return places.get_community(scope)["street_id"]
        except NotFound:
            return None
    return None


def _index(level: str, scope: str, what: str) -> dict:
    table = _TABLES[what]
    return docs.view(
        lists_key(level, scope),
        f"area-{table}",
        lambda t: {row["id"]: row for row in t.get(table, {}).values()},
    )


def _newest(rows) -> list[dict]:
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)


def _get(level: str, scope: str, what: str, oid: str) -> dict:
    row = _index(level, scope, what).get(oid)
    if row is None:
        raise NotFound(_MISSING[what])
    return row


def _base_row(level: str, scope: str, by: str, at) -> dict:
    return {
        "id": new_id(),
        "level": level,
        "scope": scope,
        "street_id": scope if level == STREET else None,
        "created_by": by,
        "created_at": stamp(at),
        "updated_at": stamp(at),
    }


def _change(level: str, scope: str, what: str, oid: str, change) -> dict:
    return docs.change_row(lists_key(level, scope), _TABLES[what], oid, change, _MISSING[what])


# ---------------------------------------------------------------- needs


def list_area_needs(level: str, scope: str, status: str | None = None) -> list[dict]:
    """A street's or the district's needs, newest first; optionally of one status."""
    rows = _newest(_index(level, scope, "need").values())
    return [n for n in rows if status is None or n["status"] == status]


def get_area_need(level: str, scope: str, nid: str) -> dict:
    """A need of this street's (or the district's) list, or NotFound."""
    return _get(level, scope, "need", nid)


def _clean_need(fields: dict) -> dict:
    clean = {key: (fields.get(key) or "").strip() for key in _NEED_FIELDS}
    clean["urgency"] = clean["urgency"] or "normal"
    needs._check_fields(
        clean["category"],
        clean["description"],
        clean["raised_by"],
        clean["place"],
        clean["urgency"],
        clean["phone"],
        clean["name"],
    )
    return clean


def create_area_need(
    level: str,
    scope: str,
    by: str,
    *,
    category: str,
    description: str,
    raised_by: str,
    place: str = "",
    urgency: str = "normal",
    phone: str = "",
    name: str = "",
    at=None,
) -> dict:
    """Post a need (待处理) on a street's or the district's list. The fields are those of a
    community's need (``needs.RAISERS``, ``needs.URGENCIES``); ``place`` is where it is."""
    key = lists_key(level, scope)
    clean = _clean_need(
        {
            "category": category,
            "description": description,
            "raised_by": raised_by,
            "place": place,
            "urgency": urgency,
            "phone": phone,
            "name": name,
        }
    )
    at = at or now()
    need = dict(
        _base_row(level, scope, by, at),
        **clean,
        status=needs.PENDING,
        closed_at=None,
        matches=[],
    )
    with docs.transaction_one(key) as db:
        db.table("needs").insert(need)
    return need


def update_area_need(
    level: str, scope: str, nid: str, by: str, *, status: str, at=None, **fields
) -> dict:
    """Change a need's fields (all of them, as ``create_area_need`` takes) and its status
    (待处理, 处理中, 已办结; closing stamps ``closed_at``, reopening clears it)."""
    clean = _clean_need(fields)
    if status not in needs.STATUSES:
        raise StoreError("请选择需求状态。")
    at = at or now()

    def change(need):
        closed = need.get("closed_at")
        if status == needs.DONE and need["status"] != needs.DONE:
            closed = stamp(at)
        elif status != needs.DONE:
            closed = None
        return dict(clean, status=status, closed_at=closed, updated_at=stamp(at), updated_by=by)

    return _change(level, scope, "need", nid, change)


# ---------------------------------------------------------------- resources


def list_area_resources(level: str, scope: str, active: bool | None = None) -> list[dict]:
    """A street's or the district's resources, newest first; optionally only (in)active ones."""
    rows = _newest(_index(level, scope, "resource").values())
    return [r for r in rows if active is None or r["active"] == active]


def get_area_resource(level: str, scope: str, rid: str) -> dict:
    """A resource of this street's (or the district's) list, or NotFound."""
    return _get(level, scope, "resource", rid)


def create_area_resource(
    level: str,
    scope: str,
    by: str,
    *,
    name: str,
    kind: str,
    provider: str,
    provider_type: str,
    contact: str,
    description: str = "",
    availability: str = "",
    unit_id: str | None = None,
    at=None,
) -> dict:
    """Add a resource (active) to a street's (``level="street"``, ``scope=<sid>``) or the
    district's (``level="district"``, ``scope="district"``) list.

    ``kind`` is a key of ``resources.KINDS``, ``provider_type`` of ``resources.PROVIDERS``;
    a 驻区单位's pledge is ``provider_type="unit"`` with the unit's id as ``unit_id``
    (kept on the row, for the unit's own pages; only a unit's resource may carry one).
    """
    resource = new_area_resource(
        level,
        scope,
        by,
        unit_id=unit_id,
        at=at,
        name=name,
        kind=kind,
        provider=provider,
        provider_type=provider_type,
        contact=contact,
        description=description,
        availability=availability,
    )
    with docs.transaction_one(lists_key(level, scope)) as db:
        db.table("resources").insert(resource)
    return resource


def new_area_resource(
    level: str, scope: str, by: str, *, unit_id: str | None = None, at=None, **fields
) -> dict:
    """A checked resource row (active) for a street's or the district's list, not stored
    yet: a 驻区单位's pledge inserts it into ``lists_key(level, scope)`` in the same
    transaction as the unit's own record of it (``units.pledge_resource``)."""
    lists_key(level, scope)
    clean = resources._clean(dict(fields, active=True))
    if unit_id is not None and clean["provider_type"] != "unit":
        raise StoreError("只有共建单位提供的资源可以关联驻区单位。")
    if unit_id is not None and not valid_id(unit_id):
        raise NotFound("没有找到这个驻区单位。")
    at = at or now()
    return dict(_base_row(level, scope, by, at), **clean, unit_id=unit_id)


def update_area_resource(level: str, scope: str, rid: str, *, at=None, **fields) -> dict:
    """Change a resource's fields (all of them, as ``create_area_resource`` takes, plus
    ``active``); its ``unit_id`` stays."""
    clean = resources._clean(fields)
    at = at or now()

    def change(resource):
        if resource.get("unit_id") and clean["provider_type"] != "unit":
            raise StoreError("这项资源由驻区单位认领，提供方类型须为共建单位。")
        return dict(clean, updated_at=stamp(at))

    return _change(level, scope, "resource", rid, change)


# ---------------------------------------------------------------- projects


def list_area_projects(level: str, scope: str, status: str | None = None) -> list[dict]:
    """A street's or the district's projects, newest first."""
    rows = _newest(_index(level, scope, "project").values())
    return [p for p in rows if status is None or p["status"] == status]


def get_area_project(level: str, scope: str, prid: str) -> dict:
    """A project of this street's (or the district's) list, or NotFound."""
    return _get(level, scope, "project", prid)


def create_area_project(
    level: str, scope: str, by: str, *, name: str, description: str = "", at=None
) -> dict:
    """Start a project (进行中) on a street's or the district's list, with no links yet."""
    key = lists_key(level, scope)
    name, description = projects._clean(name, description)
    at = at or now()
    project = dict(
        _base_row(level, scope, by, at),
        name=name,
        description=description,
        status=projects.ACTIVE,
        need_refs=[],
        resource_refs=[],
    )
    with docs.transaction_one(key) as db:
        db.table("projects").insert(project)
    return project


def set_area_project_status(level: str, scope: str, prid: str, status: str, at=None) -> dict:
    """进行中 ↔ 已完成."""
    if status not in (projects.ACTIVE, projects.FINISHED):
        raise StoreError("无效的项目状态。")
    at = at or now()
    return _change(
        level, scope, "project", prid, lambda p: {"status": status, "updated_at": stamp(at)}
    )


# ---------------------------------------------------------------- references


def _ref(ref) -> tuple[str, str, str]:
    """``(level, scope, id)`` from a sequence or a stored ``{level, scope, id}``."""
    if isinstance(ref, dict):
        ref = (ref.get("level"), ref.get("scope"), ref.get("id"))
    if not isinstance(ref, Sequence) or isinstance(ref, str) or len(ref) != 3:
        raise NotFound("没有找到这一项。")
    level, scope, oid = (str(part or "") for part in ref)
    if level not in LEVELS or not valid_id(scope) or not valid_id(oid):
        raise NotFound("没有找到这一项。")
    return level, scope, oid


def _lookup(what: str, level: str, scope: str, oid: str) -> dict:
    """The row a reference names, or NotFound."""
    if level == COMMUNITY:
        try:
            places.get_community(scope)
        except NotFound:
            raise NotFound(_MISSING[what]) from None
        if what == "need":
            return needs.get_need(scope, oid)
        if what == "resource":
            return resources.get_resource(scope, oid)
        return projects.get_project(scope, oid)
    try:
        return _get(level, scope, what, oid)
    except NotFound:
        raise NotFound(_MISSING[what]) from None


def _entry(what: str, level: str, scope: str, oid: str, item: dict | None) -> dict:
    return {
        "what": what,
        "ref": {"level": level, "scope": scope, "id": oid},
        "key": f"{level}:{scope}:{oid}",
        "level": level,
        "level_name": LEVEL_NAMES[level],
        "scope": scope,
        "scope_name": area_scope_name(level, scope),
        "street_id": street_of(level, scope),
        "item": item,
    }


def resolve_area_ref(what: str, ref) -> dict:
    """A reference shown: ``{what, ref, key, level, level_name, scope, scope_name,
    street_id, item}``; ``item`` is the row named, None when it no longer exists."""
    level, scope, oid = _ref(ref)
    try:
        item: dict | None = _lookup(what, level, scope, oid)
    except NotFound:
        item = None
    return _entry(what, level, scope, oid, item)


def _within(level: str, scope: str, ref_level: str, ref_scope: str) -> bool:
    """Whether a row at (ref_level, ref_scope) is inside the area of a street's or the
    district's list: the district holds everything; a street itself and its communities."""
    if level == DISTRICT:
        return True
    if ref_level == STREET:
        return ref_scope == scope
    return ref_level == COMMUNITY and street_of(COMMUNITY, ref_scope) == scope


def _other_street(level: str, scope: str, ref_level: str, ref_scope: str) -> None:
    """NotFound for a row of another street (its own list or one of its communities')
    named from a street's list: outside the street admin's scope, as the views' 404."""
    if level != STREET or ref_level == DISTRICT:
        return
    if street_of(ref_level, ref_scope) != scope:
        raise NotFound("没有找到这一项。")


def _community_rows(what: str, cid: str) -> list[dict]:
    if what == "need":
        return needs.list_needs(cid)
    if what == "resource":
        return resources.list_resources(cid)
    return projects.list_projects(cid)


def _own_rows(what: str, level: str, scope: str) -> list[dict]:
    return _newest(_index(level, scope, what).values())


def _street_ids_with_lists() -> list[str]:
    known = {s["id"] for s in places.list_streets()}
    found = []
    for key in docs.keys("streets/"):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == "lists" and parts[1] in known:
            found.append(parts[1])
    return found


def area_entries(
    what: str, level: str, scope: str, below: bool = False, street: str | None = None
) -> list[dict]:
    """The rows of a street's or the district's list as entries (``resolve_area_ref``'s
    shape), newest first; with ``below`` also those of the level below: a street's
    communities', or every street's street-level rows for the district. For the district,
    ``street`` names one street whose own rows and communities' rows are added instead."""
    if what not in KINDS:
        raise NotFound("没有找到这个清单。")
    lists_key(level, scope)
    rows = [_entry(what, level, scope, r["id"], r) for r in _own_rows(what, level, scope)]
    if level == DISTRICT and street:
        places.get_street(street)
        below_areas = [(STREET, street)] + [
            (COMMUNITY, c["id"]) for c in places.list_communities(street)
        ]
    elif not below:
        below_areas = []
    elif level == STREET:
        below_areas = [(COMMUNITY, c["id"]) for c in places.list_communities(scope)]
    else:
        below_areas = [(STREET, sid) for sid in _street_ids_with_lists()]
    for area_level, area_scope in below_areas:
        found = (
            _community_rows(what, area_scope)
            if area_level == COMMUNITY
            else _own_rows(what, area_level, area_scope)
        )
        rows.extend(_entry(what, area_level, area_scope, r["id"], r) for r in found)
    return rows


def _add_ref(refs: list, level: str, scope: str, oid: str, by: str, at, twice: str) -> list:
    if any((r["level"], r["scope"], r["id"]) == (level, scope, oid) for r in refs):
        raise StoreError(twice)
    return refs + [{"level": level, "scope": scope, "id": oid, "at": stamp(at), "by": by}]


def _drop_ref(refs: list, level: str, scope: str, oid: str) -> list:
    kept = [r for r in refs if (r["level"], r["scope"], r["id"]) != (level, scope, oid)]
    if len(kept) == len(refs):
        raise StoreError("没有关联这一项。")
    return kept


def match_area_need(level: str, scope: str, nid: str, resource_ref, by: str, at=None) -> dict:
    """Match a resource with a street's or the district's need; the match is kept on the
    need as the resource's ``{level, scope, id}``. A street's need takes a resource of
    the street or of any of its communities (another street's is refused); the district's
    need, any resource. The resource must exist and be active; the need, not closed."""
    get_area_need(level, scope, nid)
    r_level, r_scope, rid = _ref(resource_ref)
    _other_street(level, scope, r_level, r_scope)
    resource = _lookup("resource", r_level, r_scope, rid)
    # A district-level unit serves every street: its pledge on the district's list may
    # meet a street's need; the district's other resources stay with the district.
    pledged = r_level == DISTRICT and bool(resource.get("unit_id"))
    if not pledged and not _within(level, scope, r_level, r_scope):
        raise StoreError("街道级需求只能匹配本街道的资源（本街道各社区或街道级的资源）。")
    if not resource.get("active", True):
        raise StoreError("这项资源已暂停，不能匹配。")
    at = at or now()

    def change(need):
        if need["status"] == needs.DONE:
            raise StoreError("已办结的需求不能再匹配资源。")
        matches = _add_ref(
            list(need.get("matches") or []), r_level, r_scope, rid, by, at, "已经匹配过这项资源。"
        )
        return {"matches": matches, "updated_at": stamp(at)}

    return _change(level, scope, "need", nid, change)


def unmatch_area_need(level: str, scope: str, nid: str, resource_ref, at=None) -> dict:
    """Take a matched resource off a need."""
    r_level, r_scope, rid = _ref(resource_ref)
    at = at or now()
    return _change(
        level,
        scope,
        "need",
        nid,
        lambda need: {
            "matches": _drop_ref(list(need.get("matches") or []), r_level, r_scope, rid),
            "updated_at": stamp(at),
        },
    )


_PROJECT_LINKS = {
    "need": ("need_refs", "已经汇集过这条需求。", "只能汇集本街道（本街道各社区或街道级）的需求。"),
    "resource": (
        "resource_refs",
        "已经关联过这项资源。",
        "只能使用本街道（本街道各社区或街道级）的资源。",
    ),
}


def link_area_project(level: str, scope: str, prid: str, what: str, ref, by: str, at=None) -> dict:
    """Gather a need (``what="need"``) or use a resource (``"resource"``) of any level in a
    project, by reference. A street's project takes those of the street and its
    communities; the district's, those of every street and community and its own."""
    if what not in _PROJECT_LINKS:
        raise NotFound("没有这个操作。")
    field, twice, outside = _PROJECT_LINKS[what]
    get_area_project(level, scope, prid)
    r_level, r_scope, oid = _ref(ref)
    _other_street(level, scope, r_level, r_scope)
    _lookup(what, r_level, r_scope, oid)
    if not _within(level, scope, r_level, r_scope):
        raise StoreError(outside)
    at = at or now()

    def change(project):
        refs = _add_ref(list(project.get(field) or []), r_level, r_scope, oid, by, at, twice)
        return {field: refs, "updated_at": stamp(at)}

    return _change(level, scope, "project", prid, change)


def unlink_area_project(level: str, scope: str, prid: str, what: str, ref, at=None) -> dict:
    """Take a gathered need or a used resource out of a project."""
    if what not in _PROJECT_LINKS:
        raise NotFound("没有这个操作。")
    field = _PROJECT_LINKS[what][0]
    r_level, r_scope, oid = _ref(ref)
    at = at or now()
    return _change(
        level,
        scope,
        "project",
        prid,
        lambda project: {
            field: _drop_ref(list(project.get(field) or []), r_level, r_scope, oid),
            "updated_at": stamp(at),
        },
    )
