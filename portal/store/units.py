"""驻区单位 (issue 16): units registered in the district's 区域化党建, their contact, and
what they do for the communities of their street.

A street admin (for their street) or the district admin registers a unit at street or
district level and appoints its contact: a registered member or volunteer whose account
then opens the unit's page. The appointment is revocable and kept with who and when.
Through its contact a unit pledges a resource to a community's 资源清单, or to its
street's or the district's list (``lists.levels``; the resource names the unit as its
provider), joins a project of the community's 项目清单 (the project's ``unit_ids``) and
takes on a need of its 需求清单 (the need's ``taken_by_unit``). A street-level unit
serves the communities of its street, a district-level one those of every street.

An in-service party member (在职党员) may choose their unit on their profile: that choice
is their consent to be seen by it, and the unit's page then shows the confirmed service
hours of the members who chose it and are reported in to a community.

Documents::

    units/registry        units      {id, name, level, street_id, description, phone, …}
                          contacts   {id, unit_id, uid, appointed_at/by, revoked_at/by}
    units/<id>/main       pledges    resources pledged {level, scope, resource_id, …}
                          projects   projects joined {community_id, project_id, …}
                          needs      needs taken on {community_id, need_id, …}
                          members    members who chose the unit {uid, chosen_at}
    people/<ab>/<uid>     unit       the member's choice (one row: unit_id, chosen_at)

Pledging a resource, joining a project and taking on a need each write the list's
document (the community's, the street's or the district's) and the unit's in one
transaction: a crash leaves both or neither.
"""

from __future__ import annotations

import re

from tinydb import Query

from . import backend as docs
from . import places, reports
from .accounts import users as accounts
from .base import NotFound, StoreError, community_key, new_id, now, person_key, stamp, valid_id
from .lists import levels, resources
from .lists import projects as project_list
from .lists.needs import DONE
from .records import attendance, certificates

LEVELS = {"street": "街道级", "district": "区级"}
ELIGIBLE = ("member", "volunteer")
NAME_MAX = 40  # a resource's provider holds the unit's name: at most 40 characters there
DESCRIPTION_MAX = 200
# A mobile number, or a landline with its area code (010-64001234, extension allowed).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
PHONE_HINT = "请输入有效的联系电话，例如 13800001234 或 010-64001234。"

REGISTRY = "units/registry"
_MISSING = "没有找到这个单位。"


def unit_key(unit_id: str) -> str:
    if not valid_id(unit_id):
        raise NotFound(_MISSING)
    return f"units/{unit_id}/main"


# ---------------------------------------------------------------- the registry


def _index(tables) -> dict:
    rows = [row for _id, row in sorted(tables.get("units", {}).items(), key=lambda kv: int(kv[0]))]
    contacts = list(tables.get("contacts", {}).values())
    active = {c["unit_id"]: c for c in contacts if not c["revoked_at"]}
    by_contact: dict[str, list[str]] = {}
    for row in active.values():
        by_contact.setdefault(row["uid"], []).append(row["unit_id"])
    return {
        "units": {u["id"]: u for u in rows},
        "order": [u["id"] for u in rows],
        "contacts": active,
        "history": contacts,
        "by_contact": by_contact,
    }


def _registry() -> dict:
    return docs.view(REGISTRY, "units", _index)


def get_unit(unit_id: str) -> dict:
    """A registered unit, or NotFound."""
    unit = _registry()["units"].get(unit_id)
    if unit is None:
        raise NotFound(_MISSING)
    return unit


def list_units(street_id: str | None = None, level: str | None = None) -> list[dict]:
    """Registered units in the order they were registered; optionally of one street
    (street-level units of it) or of one level."""
    index = _registry()
    rows = [index["units"][uid] for uid in index["order"]]
    return [
        u
        for u in rows
        if (street_id is None or u["street_id"] == street_id)
        and (level is None or u["level"] == level)
    ]


def unit_choices() -> dict[str, list[tuple[str, str]]]:
    """Units for a <select>: district-level ones first, then by street (in street order)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    units = list_units()
    district = [(u["id"], u["name"]) for u in units if u["level"] == "district"]
    if district:
        groups["区级单位"] = district
    for street in places.list_streets():
        rows = [(u["id"], u["name"]) for u in units if u["street_id"] == street["id"]]
        if rows:
            groups[street["name"]] = rows
    return groups


def _clean(name: str, level: str, street_id, description: str, phone: str) -> dict:
    name = " ".join((name or "").split())
    description = (description or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    if not name:
        raise StoreError("请填写单位名称。")
    if len(name) > NAME_MAX:
        raise StoreError(f"单位名称不能超过 {NAME_MAX} 个字。")
    if level not in LEVELS:
        raise StoreError("请选择单位级别（街道级或区级）。")
    if level == "street":
        try:
            places.get_street(street_id or "")
        except NotFound:
            raise StoreError("请选择单位所在的街道。") from None
    else:
        street_id = None
    if len(description) > DESCRIPTION_MAX:
        raise StoreError(f"单位简介不能超过 {DESCRIPTION_MAX} 个字。")
    if not phone:
        raise StoreError("请填写联系人电话。")
    if not PHONE_RE.match(phone):
        raise StoreError(PHONE_HINT)
    return {
        "name": name,
        "level": level,
        "street_id": street_id,
        "description": description,
        "phone": phone,
    }


def register_unit(
    *,
    name: str,
    level: str,
    street_id: str | None,
    phone: str,
    by: str,
    description: str = "",
    at=None,
) -> dict:
    """Register a unit (街道级: of ``street_id``; 区级: of the district). Names are unique."""
    fields = _clean(name, level, street_id, description, phone)
    at = at or now()
    unit = dict(
        fields,
        id=new_id(),
        created_at=stamp(at),
        created_by=by,
        updated_at=stamp(at),
    )
    with docs.transaction_one(REGISTRY) as db:
        table = db.table("units")
        if table.get(Query().name == fields["name"]):
            raise StoreError(f"已登记过名为“{fields['name']}”的单位。")
        table.insert(unit)
    return unit


# ---------------------------------------------------------------- the contact


def unit_contact(unit_id: str) -> dict | None:
    """The unit's active contact appointment ({uid, appointed_at, …}), or None."""
    return _registry()["contacts"].get(unit_id)


def contact_history(unit_id: str) -> list[dict]:
    """Every contact appointment of the unit, revoked ones too, newest first."""
    rows = [c for c in _registry()["history"] if c["unit_id"] == unit_id]
    return sorted(rows, key=lambda c: (c["appointed_at"], c["id"]), reverse=True)


def units_of_contact(uid: str) -> list[dict]:
    """The units whose active contact the person is."""
    index = _registry()
    ids = set(index["by_contact"].get(uid, ()))
    return [index["units"][u] for u in index["order"] if u in ids]


def appoint_contact(unit_id: str, uid: str, by: str, at=None) -> dict:
    """Make ``uid`` (a member or volunteer, not disabled) the unit's contact."""
    get_unit(unit_id)
    user = accounts.get_user(uid)
    if user["role"] not in ELIGIBLE or user.get("disabled"):
        raise StoreError("只能任命已注册的在职党员或志愿者（账号未停用）为单位联系人。")
    at = at or now()
    with docs.transaction_one(REGISTRY) as db:
        table = db.table("contacts")
        q = Query()
        current = table.get((q.unit_id == unit_id) & (q.revoked_at == None))  # noqa: E711
        if current is not None:
            if current["uid"] == uid:
                raise StoreError(f"{user['name']}已经是这个单位的联系人。")
            raise StoreError("这个单位已有联系人，请先撤销原联系人再任命。")
        row = {
            "id": new_id(),
            "unit_id": unit_id,
            "uid": uid,
            "appointed_by": by,
            "appointed_at": stamp(at),
            "revoked_at": None,
            "revoked_by": None,
        }
        table.insert(row)
    return row


def revoke_contact(unit_id: str, by: str, at=None) -> dict:
    """End the unit's contact appointment (kept, with who and when)."""
    get_unit(unit_id)
    at = at or now()
    with docs.transaction_one(REGISTRY) as db:
        table = db.table("contacts")
        q = Query()
        current = table.get((q.unit_id == unit_id) & (q.revoked_at == None))  # noqa: E711
        if current is None:
            raise StoreError("这个单位目前没有联系人。")
        fields = {"revoked_at": stamp(at), "revoked_by": by}
        table.update(fields, doc_ids=[current.doc_id])
    return dict(current, **fields)


# ---------------------------------------------------------------- the unit's communities


def unit_communities(unit_id: str) -> list[dict]:
    """The communities the unit serves: its street's (街道级) or every street's (区级)."""
    unit = get_unit(unit_id)
    return places.list_communities(unit["street_id"] if unit["level"] == "street" else None)


def _community(unit: dict, cid: str) -> dict:
    """A community the unit serves, or NotFound (another street's community too)."""
    community = places.get_community(cid)
    if unit["level"] == "street" and community["street_id"] != unit["street_id"]:
        raise NotFound("没有找到这个社区。")
    return community


def _record(db, table: str, row: dict) -> None:
    db.table(table).insert(row)


def pledge_targets(unit_id: str) -> list[tuple[str, str, str]]:
    """Where the unit may pledge a resource, as (level, scope, name): the 资源清单 of each
    community it serves, then its street's list (街道级), and for a district-level unit
    every street's list and the district's (区级)."""
    unit = get_unit(unit_id)
    rows = [("community", c["id"], c["name"]) for c in unit_communities(unit_id)]
    if unit["level"] == "street":
        street = places.get_street(unit["street_id"])
        return rows + [("street", street["id"], street["name"])]
    rows += [("street", s["id"], s["name"]) for s in places.list_streets()]
    return rows + [("district", levels.DISTRICT, levels.DISTRICT_NAME)]


def _check_target(unit: dict, level: str, scope: str) -> None:
    """NotFound unless the unit may pledge to this list."""
    if level == "community":
        _community(unit, scope)
    elif level == "street":
        places.get_street(scope)
        if unit["level"] == "street" and scope != unit["street_id"]:
            raise NotFound("没有找到这个街道。")
    elif level != "district" or scope != levels.DISTRICT or unit["level"] != "district":
        raise NotFound("没有找到这个清单。")


def pledge_resource(
    unit_id: str,
    by: str,
    *,
    level: str,
    scope: str,
    name: str,
    kind: str,
    description: str = "",
    availability: str = "",
    at=None,
) -> dict:
    """Add a resource provided by the unit (its name, its contact phone) to a community's
    资源清单 (``level="community"``, ``scope=<cid>``), or to a street's or the district's
    list (``lists.levels``, with the unit's id on the row), and record the pledge on the
    unit. Returns the resource."""
    unit = get_unit(unit_id)
    _check_target(unit, level, scope)
    at = at or now()
    fields = {
        "name": name,
        "kind": kind,
        "provider": unit["name"],
        "provider_type": "unit",
        "contact": unit["phone"],
        "description": description,
        "availability": availability,
        "at": at,
    }
    # The list's row and the unit's record are written together: a crash never leaves a
    # resource naming the unit as provider without the unit's record of it.
    if level == "community":
        list_key = community_key(scope)
        resource = resources.new_resource(scope, by, **fields)
    else:
        list_key = levels.lists_key(level, scope)
        resource = levels.new_area_resource(level, scope, by, unit_id=unit_id, **fields)
    with docs.transaction(list_key, unit_key(unit_id)) as (list_db, unit_db):
        list_db.table("resources").insert(resource)
        _record(
            unit_db,
            "pledges",
            {
                "id": new_id(),
                "level": level,
                "scope": scope,
                "community_id": scope if level == "community" else None,
                "resource_id": resource["id"],
                "name": resource["name"],
                "kind": resource["kind"],
                "by": by,
                "at": stamp(at),
            },
        )
    return resource


def join_project(unit_id: str, cid: str, prid: str, by: str, at=None) -> dict:
    """The unit joins an ongoing project of the community (the project's ``unit_ids``),
    recorded on the unit in the same transaction. Returns the project."""
    unit = get_unit(unit_id)
    _community(unit, cid)
    at = at or now()
    with docs.transaction(community_key(cid), unit_key(unit_id)) as (db, unit_db):
        table = db.table("projects")
        found = table.get(Query().id == prid)
        if found is None:
            raise NotFound("没有找到这个项目。")
        if found["status"] != project_list.ACTIVE:
            raise StoreError("这个项目已经完成，不能再加入。")
        ids = list(found.get("unit_ids") or [])
        if unit_id in ids:
            raise StoreError("本单位已经加入了这个项目。")
        ids.append(unit_id)
        table.update({"unit_ids": ids}, doc_ids=[found.doc_id])
        _record(
            unit_db,
            "projects",
            {
                "id": new_id(),
                "community_id": cid,
                "project_id": prid,
                "name": found["name"],
                "by": by,
                "at": stamp(at),
            },
        )
    return dict(found, unit_ids=ids)


def take_need(unit_id: str, cid: str, nid: str, by: str, at=None) -> dict:
    """The unit takes on a need of the community (``taken_by_unit``: the unit, who, when),
    recorded on the unit in the same transaction; refused for a need already done or
    already taken. Returns the need."""
    unit = get_unit(unit_id)
    _community(unit, cid)
    at = at or now()
    with docs.transaction(community_key(cid), unit_key(unit_id)) as (db, unit_db):
        table = db.table("needs")
        found = table.get(Query().id == nid)
        if found is None:
            raise NotFound("没有找到这条需求。")
        if found["status"] == DONE:
            raise StoreError("这条需求已经办结，不能再认领。")
        taken = found.get("taken_by_unit")
        if taken:
            if taken["unit_id"] == unit_id:
                raise StoreError("本单位已经认领了这条需求。")
            raise StoreError("这条需求已经由其他驻区单位认领。")
        taken = {"unit_id": unit_id, "name": unit["name"], "by": by, "at": stamp(at)}
        table.update({"taken_by_unit": taken}, doc_ids=[found.doc_id])
        _record(
            unit_db,
            "needs",
            {
                "id": new_id(),
                "community_id": cid,
                "need_id": nid,
                "category": found["category"],
                "by": by,
                "at": stamp(at),
            },
        )
    return dict(found, taken_by_unit=taken)


def _unit_tables(tables) -> dict:
    def newest(name):
        rows = tables.get(name, {}).values()
        return sorted(rows, key=lambda r: (r["at"], r["id"]), reverse=True)

    members = tables.get("members", {}).values()
    return {
        "pledges": newest("pledges"),
        "projects": newest("projects"),
        "needs": newest("needs"),
        "members": sorted(m["uid"] for m in members),
    }


def _unit_doc(unit_id: str) -> dict:
    return docs.view(unit_key(unit_id), "unit", _unit_tables)


def unit_activity(unit_id: str) -> dict:
    """What the unit did: {"pledges", "projects", "needs"}, each newest first."""
    get_unit(unit_id)
    doc = _unit_doc(unit_id)
    return {k: doc[k] for k in ("pledges", "projects", "needs")}


# ---------------------------------------------------------------- members who chose the unit


def chosen_unit(uid: str) -> str | None:
    """The id of the unit the member chose on their profile, or None."""
    rows = docs.view(
        person_key(uid), "unit", lambda t: [r["unit_id"] for r in t.get("unit", {}).values()]
    )
    return rows[0] if rows else None


def choose_unit(uid: str, unit_id: str | None, at=None) -> str | None:
    """The member chooses their unit (None: no unit). The choice is their consent to be
    seen by it: their name, community and confirmed hours show on the unit's page."""
    user = accounts.get_user(uid)
    if unit_id:
        if user["role"] != "member":
            raise StoreError("只有在职党员可以选择所在的驻区单位。")
        try:
            get_unit(unit_id)
        except NotFound:
            raise StoreError("请从列表中选择驻区单位。") from None
    else:
        unit_id = None
    at = at or now()
    with docs.lock(f"unit-choice-{uid}"):
        current = chosen_unit(uid)
        if current == unit_id:
            return unit_id
        keys = [person_key(uid)] + [unit_key(u) for u in (current, unit_id) if u]
        with docs.transaction(*keys) as handles:
            person, rest = handles[0], list(handles[1:])
            person.table("unit").truncate()
            if current:
                rest.pop(0).table("members").remove(Query().uid == uid)
            if unit_id:
                person.table("unit").insert({"unit_id": unit_id, "chosen_at": stamp(at)})
                rest.pop(0).table("members").insert({"uid": uid, "chosen_at": stamp(at)})
    return unit_id


def _quarter_before(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year}-Q{q - 1}" if q > 1 else f"{year - 1}-Q4"


def _reported_members(unit_id: str) -> list[tuple[dict, dict]]:
    """(user, community) of the in-service members who chose the unit and are reported in
    to a community now; by name."""
    users = accounts.users_by_ids(_unit_doc(unit_id)["members"])
    index = places.community_index()
    rows = []
    for uid, user in users.items():
        if user["role"] != "member" or user.get("disabled") or chosen_unit(uid) != unit_id:
            continue
        cid = reports.active_community_id(uid)
        if cid in index:
            rows.append((user, index[cid]))
    return sorted(rows, key=lambda r: (r[0]["name"], r[0]["uid"]))


def unit_member_hours(unit_id: str, at=None) -> dict:
    """The confirmed service hours of the unit's reported-in members, this quarter and the
    last: {"quarters": (this, last), "rows": [{uid, name, community, hours: {q: total},
    services: {q: count}}]}."""
    get_unit(unit_id)
    this = certificates.quarter_of((at or now()).date())
    quarters = (this, _quarter_before(this))
    ranges = {q: certificates.quarter_range(q) for q in quarters}
    rows = []
    for user, community in _reported_members(unit_id):
        served = [r for r in attendance.hours_rows(user["uid"]) if r["confirmed"] and r["date"]]
        hours, services = {}, {}
        for q, (first, last) in ranges.items():
            inside = [r for r in served if first.isoformat() <= r["date"] <= last.isoformat()]
            hours[q] = attendance.summarize_hours(inside)["total"]
            services[q] = len(inside)
        rows.append(
            {
                "uid": user["uid"],
                "name": user["name"],
                "community": community,
                "hours": hours,
                "services": services,
            }
        )
    return {"quarters": quarters, "rows": rows}


def unit_quarter_letter(unit_id: str, quarter: str) -> list[dict]:
    """The quarterly summary (as the community's letter to the unit has it) of each of the
    unit's reported-in members, with the community they reported in to."""
    get_unit(unit_id)
    certificates.quarter_range(quarter)  # NotFound for a malformed quarter
    return [
        dict(certificates.member_quarter_summary(user["uid"], quarter), reported_in=community)
        for user, community in _reported_members(unit_id)
    ]
