"""The hotline batch import: rows of the city hotline's export become orders 待派单 with
the district.

The template's columns (``COLUMNS``; 所属社区 and 办理时限 may be left empty)::

    工单编号 | 受理时间 | 诉求人 | 联系电话 | 诉求内容 | 诉求类别 | 地址 | 所属街道 | 所属社区 | 办理时限

办理时限 is a date (and time) or a number of days from 受理时间; empty means the
category's 办结 limit (hotline.yml). An order is known by its 工单编号: a row whose
number is already stored is skipped, so importing the same file twice adds nothing.
Nothing is written unless every row is right: ``plan_import`` lists what would be added
and every row's problem (by row number, in Chinese) for the preview; ``apply_import``
plans again and writes all new orders in ONE transaction (their month buckets, the
number index, the district's open list), or none.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta


from .. import backend as docs
from .. import places
from ..base import StoreError, now
from . import intake, model, orders

COLUMNS = (
    "工单编号",
    "受理时间",
    "诉求人",
    "联系电话",
    "诉求内容",
    "诉求类别",
    "地址",
    "所属街道",
    "所属社区",
    "办理时限",
)
REQUIRED = ("工单编号", "受理时间", "诉求内容", "诉求类别")
MAX_ROWS = 5000
_NUMBER_RE = re.compile(r"^[0-9A-Za-z-]{1,40}$")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_DATES = ("%Y-%m-%d", "%Y/%m/%d")


def parse_time(value: str, what: str) -> datetime:
    value = (value or "").strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    for fmt in _DATES:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise StoreError(f"{what}“{value}”不是有效的时间（例如 2026-12-01 09:30）。")


def _limit(value: str, received: datetime) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        days = int(value)
        if not 1 <= days <= 90:
            raise StoreError("办理时限的天数应在 1 到 90 之间。")
        return received + timedelta(days=days)
    moment = parse_time(value, "办理时限")
    if len(value) <= 10:  # a date alone: the end of that day
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment <= received:
        raise StoreError("办理时限必须晚于受理时间。")
    return moment


def _places() -> tuple[dict, dict]:
    streets = {}
    for street in places.list_streets():
        streets[street["id"]] = street["id"]
        streets[street["name"]] = street["id"]
    communities: dict[tuple[str, str], str] = {}
    for community in places.list_communities():
        communities[(community["street_id"], community["name"])] = community["id"]
        communities[(community["street_id"], community["id"])] = community["id"]
    return streets, communities


def _row(row: dict, at: datetime, streets: dict, communities: dict, actor: dict) -> dict:
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            raise StoreError(f"{column}不能为空。")
    number = row["工单编号"].strip()
    if not _NUMBER_RE.match(number):
        raise StoreError("工单编号只能由字母、数字和连字符组成，最多 40 个字符。")
    received = parse_time(row["受理时间"], "受理时间")
    if received > at + timedelta(days=1):
        raise StoreError("受理时间不能晚于今天。")
    cat = model.category_by_name(row["诉求类别"].strip())
    if cat is None:
        raise StoreError(f"诉求类别“{row['诉求类别'].strip()}”不在接诉即办诉求类别中。")
    suggest = {}
    street_name = (row.get("所属街道") or "").strip()
    community_name = (row.get("所属社区") or "").strip()
    if street_name:
        if street_name not in streets:
            raise StoreError(f"所属街道“{street_name}”不是东城区的街道。")
        suggest["street"] = streets[street_name]
    if community_name:
        if not street_name:
            raise StoreError("填写了所属社区，也请填写所属街道。")
        found = communities.get((suggest["street"], community_name))
        if found is None:
            raise StoreError(f"所属社区“{community_name}”不在{street_name}。")
        suggest["community"] = found
    caller, phone, content, address = intake.clean(
        row.get("诉求人") or "", row.get("联系电话") or "", row["诉求内容"], row.get("地址") or ""
    )
    order, _token = intake.new_order(
        number=number,
        channel="hotline",
        category=cat["id"],
        received=received,
        caller=caller,
        phone=phone,
        content=content,
        address=address,
        origin="district",
        actor=actor,
        suggest=suggest,
        close_at=_limit(row.get("办理时限") or "", received),
        at=at,
    )
    return order


def _plan(rows: list[dict], actor: dict, at: datetime) -> dict:
    plan: dict = {"orders": [], "skipped": [], "errors": [], "rows": len(rows)}
    if len(rows) > MAX_ROWS:
        plan["errors"].append((0, f"一次最多导入 {MAX_ROWS} 行，请分批导入。"))
        return plan
    streets, communities = _places()
    seen: dict[str, int] = {}
    built: list[tuple[int, dict]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            order = _row(row, at, streets, communities, actor)
        except StoreError as exc:
            plan["errors"].append((number, str(exc)))
            continue
        if order["number"] in seen:
            plan["errors"].append(
                (number, f"工单编号 {order['number']} 与第 {seen[order['number']]} 行重复。")
            )
            continue
        seen[order["number"]] = number
        built.append((number, order))
    taken = orders.numbers_taken(o["number"] for _n, o in built)
    for number, order in built:
        if order["number"] in taken:
            plan["skipped"].append((number, order["number"]))
        else:
            plan["orders"].append(order)
    return plan


def plan_import(rows: list[dict], actor: dict, at=None) -> dict:
    """What importing ``rows`` would do: ``{"orders": [new orders], "skipped": [(row,
    工单编号) already stored], "errors": [(row, message)], "rows"}``. Writes nothing."""
    return _plan(rows, actor, at or now())


def apply_import(rows: list[dict], unit: str, actor: dict, at=None) -> dict:
    """Import every new row or none (StoreError naming the first problem) as orders of
    the district; returns ``{"added", "skipped", "rows"}``."""
    if unit != "district":
        raise StoreError("只有区级工作人员可以导入热线工单。")
    plan = _plan(rows, actor, at or now())
    if plan["errors"]:
        row, message = plan["errors"][0]
        raise StoreError(f"第 {row} 行：{message}" if row else message)
    added = orders.insert_orders(plan["orders"])
    skipped = len(plan["skipped"]) + len(plan["orders"]) - len(added)
    return {"added": len(added), "skipped": skipped, "rows": plan["rows"]}


# ---------------------------------------------------------------- the preview's rows

_BATCH_RE = re.compile(r"^[0-9a-f]{20}$")
STAGE_HOURS = 24


def _stage_prefix(uid: str) -> str:
    return f"hotline-import/{uid}/"


def stage_rows(uid: str, rows: list[dict], at=None) -> str:
    """Keep the rows a preview showed (as a blob of the person's) until they confirm; the
    confirmation names the batch, so a large file is not sent back through the form.
    Batches older than a day are dropped on the way."""
    at = at or now()
    backend = docs.current()
    cutoff = (at - timedelta(hours=STAGE_HOURS)).strftime("%Y%m%d%H%M%S")
    for key in backend.blob_keys(_stage_prefix(uid)):
        if key.rpartition("/")[2][:14] < cutoff:
            backend.delete_blob(key)
    batch = secrets.token_hex(10)
    name = f"{at.strftime('%Y%m%d%H%M%S')}-{batch}"
    backend.put_blob(_stage_prefix(uid) + name, json.dumps(rows, ensure_ascii=False).encode())
    return batch


def _staged_key(uid: str, batch: str) -> str | None:
    if not _BATCH_RE.match(batch or ""):
        return None
    for key in docs.current().blob_keys(_stage_prefix(uid)):
        if key.endswith("-" + batch):
            return key
    return None


def staged_rows(uid: str, batch: str) -> list[dict]:
    """The rows of the person's batch; StoreError when it is gone (imported or expired)."""
    key = _staged_key(uid, batch)
    data = docs.current().get_blob(key) if key else None
    if data is None:
        raise StoreError("导入内容已过期或已经导入，请重新上传表格。")
    return json.loads(data)


def drop_staged(uid: str, batch: str) -> None:
    key = _staged_key(uid, batch)
    if key:
        docs.current().delete_blob(key)
