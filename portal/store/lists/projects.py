"""The projects list (项目清单) of a community: a project links needs to resources and
to the posts created for it.

Projects live in the community's file (table ``projects``) next to the needs,
resources and posts they link, so a link is checked and written in one
transaction. A need belongs to at most one project (``need.project_id``).
"""

from __future__ import annotations

from tinydb import Query

from .. import backend as docs
from .. import places
from ..base import NotFound, StoreError, community_key, new_id, now, stamp

ACTIVE, FINISHED = "进行中", "已完成"
_TABLES = {
    "need": ("needs", "need_ids", "没有找到这条需求。"),
    "resource": ("resources", "resource_ids", "没有找到这项资源。"),
    "post": ("posts", "post_ids", "没有找到这个岗位。"),
}


def _projects(cid: str) -> dict:
    return docs.view(
        community_key(cid),
        "projects",
        lambda t: {p["id"]: p for p in t.get("projects", {}).values()},
    )


def get_project(cid: str, prid: str) -> dict:
    """A project of the community, or NotFound."""
    project = _projects(cid).get(prid)
    if project is None:
        raise NotFound("没有找到这个项目。")
    return project


def list_projects(cid: str, status: str | None = None) -> list[dict]:
    """A community's projects, newest first."""
    rows = sorted(_projects(cid).values(), key=lambda p: (p["created_at"], p["id"]), reverse=True)
    return [p for p in rows if status is None or p["status"] == status]


def _clean(name: str, description: str) -> tuple[str, str]:
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise StoreError("请填写项目名称。")
    if len(name) > 40:
        raise StoreError("项目名称不能超过 40 个字。")
    if len(description) > 1000:
        raise StoreError("项目说明不能超过 1000 个字。")
    return name, description


def new_project(cid: str, by: str, *, name: str, description: str = "", at=None) -> dict:
    """The row of a new project (进行中, no links yet), checked, not stored: the caller
    inserts it in its own transaction (``create_project``, or a passed 议事厅 proposal
    that becomes a project together with the proposal's change)."""
    places.get_community(cid)
    name, description = _clean(name, description)
    at = at or now()
    return {
        "id": new_id(),
        "community_id": cid,
        "name": name,
        "description": description,
        "status": ACTIVE,
        "need_ids": [],
        "resource_ids": [],
        "post_ids": [],
        "created_at": stamp(at),
        "created_by": by,
        "updated_at": stamp(at),
    }


def create_project(cid: str, by: str, *, name: str, description: str = "", at=None) -> dict:
    """Start a project (进行中) with no links yet."""
    project = new_project(cid, by, name=name, description=description, at=at)
    with docs.transaction_one(community_key(cid)) as db:
        db.table("projects").insert(project)
    return project


def set_project_status(cid: str, prid: str, status: str, at=None) -> dict:
    """进行中 ↔ 已完成."""
    with docs.transaction_one(community_key(cid)) as db:
        return mark_status(db, prid, status, at)


def mark_status(db, prid: str, status: str, at=None) -> dict:
    """Set a project's status through the caller's transaction on the community's file."""
    if status not in (ACTIVE, FINISHED):
        raise StoreError("无效的项目状态。")
    at = at or now()
    table = db.table("projects")
    found = table.get(Query().id == prid)
    if found is None:
        raise NotFound("没有找到这个项目。")
    table.update({"status": status, "updated_at": stamp(at)}, doc_ids=[found.doc_id])
    return dict(found, status=status)


def _link(cid: str, prid: str, what: str, oid: str, add: bool) -> dict:
    table_name, field, missing = _TABLES[what]
    with docs.transaction_one(community_key(cid)) as db:
        projects = db.table("projects")
        project = projects.get(Query().id == prid)
        if project is None:
            raise NotFound("没有找到这个项目。")
        doc_id = project.doc_id
        changed: dict = {}
        other = db.table(table_name)
        target = other.get(Query().id == oid)
        if target is None:
            raise NotFound(missing)
        ids = list(project[field])
        if add:
            if oid in ids:
                raise StoreError("已经关联过了。")
            ids.append(oid)
        else:
            if oid not in ids:
                raise StoreError("没有关联这一项。")
            ids.remove(oid)
        if what == "need":
            old = target.get("project_id")
            if add and old and old != prid:
                # A need is in one project at a time: take it out of the old one.
                previous = projects.get(Query().id == old)
                if previous is not None:
                    projects.update(
                        {"need_ids": [n for n in previous["need_ids"] if n != oid]},
                        doc_ids=[previous.doc_id],
                    )
            other.update({"project_id": prid if add else None}, doc_ids=[target.doc_id])
            if add:
                # The need's posts belong to the project too.
                posts = project["post_ids"] + [
                    p for p in target.get("post_ids", []) if p not in project["post_ids"]
                ]
                projects.update({"post_ids": posts}, doc_ids=[doc_id])
                changed = {"post_ids": posts}
        projects.update({field: ids}, doc_ids=[doc_id])
    return dict(project, **changed, **{field: ids})


def link_need(cid: str, prid: str, nid: str) -> dict:
    """Put a need of the community into the project (moving it out of another one)."""
    return _link(cid, prid, "need", nid, True)


def unlink_need(cid: str, prid: str, nid: str) -> dict:
    return _link(cid, prid, "need", nid, False)


def link_resource(cid: str, prid: str, rid: str) -> dict:
    """Use a resource of the community in the project."""
    return _link(cid, prid, "resource", rid, True)


def unlink_resource(cid: str, prid: str, rid: str) -> dict:
    return _link(cid, prid, "resource", rid, False)


def link_post(cid: str, prid: str, pid: str) -> dict:
    """Attach a post of the community to the project."""
    return _link(cid, prid, "post", pid, True)


def unlink_post(cid: str, prid: str, pid: str) -> dict:
    return _link(cid, prid, "post", pid, False)
