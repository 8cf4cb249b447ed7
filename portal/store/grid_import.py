"""Importing a community's grids and buildings from the template (xlsx or CSV).

The template has one row per 楼门院 (or a grid without buildings)::

    网格编号 | 网格名称 | 网格党支部书记 | 楼门院名称 | 类型 | 户数 | 党小组长

A grid is known by its number, a building by its grid and name: importing the same
file twice changes nothing, and a later file updates names, counts and leaders (a
renamed grid keeps its old name in its history). Nothing is written unless every row
is right: ``plan`` lists the changes and every row's problem (by row number, in
Chinese) for the preview; ``apply`` plans again under the lock and writes all or none.
"""

from __future__ import annotations

from tinydb import Query

from . import backend as docs
from . import grids
from .base import StoreError, new_id, now, stamp

COLUMNS = ("网格编号", "网格名称", "网格党支部书记", "楼门院名称", "类型", "户数", "党小组长")
MAX_ROWS = 5000


def _plan(tables: dict, rows: list[dict]) -> dict:
    index = grids._index(tables)
    by_number = {g["number"]: g for g in index["grids"]}
    plan: dict = {"grids": {}, "buildings": {}, "errors": []}
    if len(rows) > MAX_ROWS:
        plan["errors"].append((0, f"一次最多导入 {MAX_ROWS} 行，请分批导入。"))
        return plan
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            name, secretary = (row.get("网格名称") or "").strip(), row.get("网格党支部书记") or ""
            fields = grids.clean_grid(row.get("网格编号"), name, secretary)
            seen = plan["grids"].get(fields["number"])
            if seen:  # a later row of the same grid may leave its name and secretary empty
                if (name and name != seen["name"]) or (
                    secretary.strip() and secretary.strip() != seen["secretary"]
                ):
                    raise StoreError(f"网格 {fields['number']} 在前面的行里名称或书记不同。")
                fields = seen
            plan["grids"][fields["number"]] = fields
            if (row.get("楼门院名称") or "").strip():
                building = grids.clean_building(
                    row.get("类型") or "楼",
                    row["楼门院名称"],
                    row.get("户数"),
                    row.get("党小组长") or "",
                )
                key = (fields["number"], building["name"])
                if key in plan["buildings"]:
                    raise StoreError(f"“{building['name']}”在网格 {fields['number']} 中重复。")
                plan["buildings"][key] = building
        except StoreError as exc:
            plan["errors"].append((number, str(exc)))
    names: dict[str, int] = {}
    for number, fields in plan["grids"].items():
        names.setdefault(fields["name"], number)
        if names[fields["name"]] != number:
            plan["errors"].append((0, f"网格名称“{fields['name']}”用在了两个编号上。"))
    for g in index["grids"]:  # an existing grid of another number with that name
        if (
            g["name"] in names
            and names[g["name"]] != g["number"]
            and g["number"] not in plan["grids"]
        ):
            plan["errors"].append((0, f"已有名为“{g['name']}”的网格（编号 {g['number']}）。"))
    plan["new_grids"] = sorted(n for n in plan["grids"] if n not in by_number)
    plan["changed_grids"] = sorted(
        n
        for n, f in plan["grids"].items()
        if n in by_number
        and (by_number[n]["name"], by_number[n]["secretary"]) != (f["name"], f["secretary"])
    )
    existing = {(index["grid"][b["grid_id"]]["number"], b["name"]): b for b in index["buildings"]}
    plan["new_buildings"] = sorted(k for k in plan["buildings"] if k not in existing)
    plan["changed_buildings"] = sorted(
        k
        for k, f in plan["buildings"].items()
        if k in existing
        and any(existing[k][field] != f[field] for field in ("kind", "households", "leader"))
    )
    plan["errors"].sort()
    return plan


def plan_import(cid: str, rows: list[dict]) -> dict:
    """What importing ``rows`` would do: {"new_grids", "changed_grids", "new_buildings",
    "changed_buildings", "errors": [(row number, message)], …}. Writes nothing."""
    return _plan(docs.read(grids.structure_key(cid)), rows)


def apply_import(cid: str, rows: list[dict], by: str, at=None) -> dict:
    """Import every row or none (StoreError naming the first problem); returns the plan."""
    at = at or now()
    with docs.transaction_one(grids.structure_key(cid)) as db:
        plan = _plan(db.storage.read() or {}, rows)
        if plan["errors"]:
            row, message = plan["errors"][0]
            raise StoreError(f"第 {row} 行：{message}" if row else message)
        table, btable = db.table("grids"), db.table("buildings")
        ids = {}
        for number, fields in sorted(plan["grids"].items()):
            found = table.get(Query().number == number)
            if found is None:
                row = {"id": new_id(), **fields, "created_at": stamp(at), "created_by": by}
                table.insert(dict(row, renames=[]))
                ids[number] = row["id"]
            else:
                ids[number] = found["id"]
                if number in plan["changed_grids"]:
                    table.update(
                        grids._renamed(dict(found), fields, by, at), doc_ids=[found.doc_id]
                    )
        for (number, name), fields in sorted(plan["buildings"].items()):
            q = Query()
            found = btable.get((q.grid_id == ids[number]) & (q.name == name))
            if found is None:
                btable.insert(
                    {
                        "id": new_id(),
                        "grid_id": ids[number],
                        **fields,
                        "created_at": stamp(at),
                        "renames": [],
                    }
                )
            elif (number, name) in plan["changed_buildings"]:
                btable.update(fields, doc_ids=[found.doc_id])
    return plan
