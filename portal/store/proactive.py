"""未诉先办: hot spots and 主动治理任务.

A *hot spot* is a class of orders — one category at one grid or one address — that
reached the threshold of ``hotline.yml`` (``hotspot``: ``count`` orders in ``days`` days).
Street and community staff open a *task* on a hot spot: it links the orders, records the
action taken and later the result; its effect is the number of orders of the same class
in the ``days`` days after it was opened, beside the number in the ``days`` days before.

Documents: ``proactive/<street_id>`` (table ``tasks``): the street's tasks, its
communities' included. Each write is one transaction on that document.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kb import data as kbdata

from . import backend as docs
from .base import NotFound, StoreError, new_id, now, stamp, valid_id
from .order_classes import classes_between, in_area, months_between, place_keys

OPEN, DONE = "进行中", "已完成"
KINDS = {"grid": "网格", "address": "地址"}


def threshold() -> dict:
    """``{days, count, example}`` from hotline.yml."""
    return kbdata.hotline()["hotspot"]


def _key(street_id: str) -> str:
    if not valid_id(street_id):
        raise NotFound("没有找到这个街道。")
    return f"proactive/{street_id}"


def _window(at: datetime, days: int) -> tuple[datetime, datetime]:
    return at - timedelta(days=days), at + timedelta(seconds=1)


def hotspots(
    street_id: str | None = None, community_id: str | None = None, at: datetime | None = None
) -> list[dict]:
    """The hot spots of the last ``days`` days in the area (None = the district), most
    orders first: ``{category, kind, place, label, street, community, count, order_ids,
    first, last, task}`` where ``task`` is the open task on it, if any."""
    rule, at = threshold(), at or now()
    groups = _groups(street_id, community_id, at, rule)
    open_tasks = {
        (t["category"], t["kind"], t["place"]): t
        for t in list_tasks(street_id, community_id)
        if t["status"] == OPEN
    }
    spots = []
    for (category, kind, place), rows in groups.items():
        if len(rows) < rule["count"]:
            continue
        rows.sort(key=lambda r: (r["received_at"], r["id"]))
        spots.append(
            {
                "category": category,
                "kind": kind,
                "place": place,
                "label": rows[-1]["address"] if kind == "address" else place,
                "street": rows[-1]["street"],
                "community": rows[-1]["community"],
                "count": len(rows),
                "order_ids": [r["id"] for r in rows],
                "first": rows[0]["received_at"],
                "last": rows[-1]["received_at"],
                "task": open_tasks.get((category, kind, place)),
            }
        )
    spots.sort(key=lambda s: (-s["count"], s["category"], s["kind"], s["place"]))
    return spots


# The grouping of the window's orders, per area and minute, kept while none of the
# window's month buckets changed (their versions are part of the key): a page asked again
# checks those versions instead of going through a month or two of orders.
_GROUPS: dict[tuple, dict] = {}
_GROUPS_KEPT = 64


def _groups(street_id, community_id, at: datetime, rule: dict) -> dict[tuple, list[dict]]:
    start, end = _window(at, rule["days"])
    keys = [k for m in months_between(start, end) for k in docs.keys(f"hotline/orders/{m}/")]
    docs.prefetch(keys)
    memo = (
        street_id,
        community_id,
        at.strftime("%Y-%m-%d %H:%M"),
        rule["days"],
        rule["count"],
        tuple((k, docs.version(k)) for k in keys),
    )
    if memo in _GROUPS:
        return _GROUPS[memo]
    groups: dict[tuple, list[dict]] = {}
    for row in classes_between(start, end):
        if in_area(row, street_id, community_id):
            for kind, place in place_keys(row):
                groups.setdefault((row["category"], kind, place), []).append(row)
    # only the classes that reach the threshold are kept (and looked at by each page)
    groups = {k: rows for k, rows in groups.items() if len(rows) >= rule["count"]}
    if len(_GROUPS) >= _GROUPS_KEPT:
        _GROUPS.pop(next(iter(_GROUPS)))
    _GROUPS[memo] = groups
    return groups


def list_tasks(street_id: str | None = None, community_id: str | None = None) -> list[dict]:
    """Tasks of a street (or every street), those of one community when it is given;
    newest first."""
    if street_id is None:
        keys = docs.keys("proactive/")
    else:
        keys = [_key(street_id)]
    rows = [t for key in keys for t in docs.read(key).get("tasks", {}).values()]
    if community_id is not None:
        rows = [t for t in rows if t.get("community_id") == community_id]
    return sorted(rows, key=lambda t: (t["opened_at"], t["id"]), reverse=True)


def get_task(street_id: str, task_id: str) -> dict:
    for task in docs.read(_key(street_id)).get("tasks", {}).values():
        if task["id"] == task_id:
            return task
    raise NotFound("没有找到这项主动治理任务。")


def _text(value: str, what: str, limit: int = 500) -> str:
    text = (value or "").strip()
    if not text:
        raise StoreError(f"请填写{what}。")
    if len(text) > limit:
        raise StoreError(f"{what}不能超过 {limit} 个字。")
    return text


def open_task(
    street_id: str,
    community_id: str | None,
    category: str,
    kind: str,
    place: str,
    action: str,
    actor: dict,
    at: datetime | None = None,
) -> dict:
    """Open a 主动治理任务 on a hot spot of the area (it must be one now), linking its
    orders; one open task per hot spot."""
    at = at or now()
    action = _text(action, "采取的措施")
    if kind not in KINDS:
        raise StoreError("请选择热点的类型（网格或地址）。")
    spot = next(
        (
            s
            for s in hotspots(street_id, community_id, at)
            if (s["category"], s["kind"], s["place"]) == (category, kind, place)
        ),
        None,
    )
    if spot is None:
        raise StoreError("这里现在不是热点（近期同类工单没有达到阈值），不能开启任务。")
    task = {
        "id": new_id(),
        "street_id": street_id,
        "community_id": community_id or spot["community"],
        "category": category,
        "kind": kind,
        "place": place,
        "label": spot["label"],
        "order_ids": spot["order_ids"],
        "count_before": spot["count"],
        "action": action,
        "status": OPEN,
        "opened_at": stamp(at),
        "opened_by": {"uid": actor["uid"], "name": actor["name"]},
        "result": None,
        "closed_at": None,
        "closed_by": None,
    }
    with docs.transaction(_key(street_id)) as (db,):
        table = db.table("tasks")
        for row in table.all():
            same = (row["category"], row["kind"], row["place"]) == (category, kind, place)
            if same and row["status"] == OPEN:
                raise StoreError("这个热点已有进行中的主动治理任务。")
        table.insert(task)
    return task


def record_result(
    street_id: str,
    task_id: str,
    result: str,
    actor: dict,
    community_id: str | None = None,
    at: datetime | None = None,
) -> dict:
    """Record the task's result and finish it (a community's staff: its own tasks only)."""
    at = at or now()
    result = _text(result, "治理结果")
    with docs.transaction(_key(street_id)) as (db,):
        table = db.table("tasks")
        for row in table.all():
            if row["id"] != task_id:
                continue
            if community_id is not None and row.get("community_id") != community_id:
                break
            if row["status"] != OPEN:
                raise StoreError("这项任务已经记录过结果。")
            change = {
                "result": result,
                "status": DONE,
                "closed_at": stamp(at),
                "closed_by": {"uid": actor["uid"], "name": actor["name"]},
            }
            table.update(change, doc_ids=[row.doc_id])
            return dict(row, **change)
    raise NotFound("没有找到这项主动治理任务。")


def task_effect(task: dict, at: datetime | None = None) -> dict:
    """Orders of the task's class in the ``days`` days before it was opened and in the
    ``days`` days after (so far, when they have not all passed): whether it worked."""
    at, days = at or now(), threshold()["days"]
    opened = datetime.fromisoformat(task["opened_at"])
    end = min(opened + timedelta(days=days), at)

    def count(start: datetime, stop: datetime) -> int:
        wanted = (task["category"], task["kind"], task["place"])
        n = 0
        for row in classes_between(start, stop):
            if in_area(row, task["street_id"], None):
                n += any((row["category"], k, p) == wanted for k, p in place_keys(row))
        return n

    return {
        "days": days,
        "before": count(opened - timedelta(days=days), opened),
        "after": count(opened, end) if end > opened else 0,
        "elapsed": max(0, min(days, (at - opened).days)),
        "complete": at >= opened + timedelta(days=days),
    }
