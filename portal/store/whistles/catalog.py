"""The whistle list and what every part of the whistle loop shares: the states, the
whistle list (items, departments, levels and their due times), where a street's
whistle files live, and the timeline entry.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from kb import data as kbdata

from ..base import NotFound, StoreError, now, stamp, valid_id

# Whistle states, in the order of the loop; 退回重办 comes back from 街道核验.
RAISED, REPORTED, HANDLING = "已吹哨", "部门已报到", "处置中"
DEPTS_DONE, VERIFYING, CLOSED, REWORK = "部门已办结", "街道核验", "已结案", "退回重办"
STATUSES = (RAISED, REPORTED, HANDLING, DEPTS_DONE, VERIFYING, REWORK, CLOSED)
OPEN_STATUSES = tuple(s for s in STATUSES if s != CLOSED)
# A summoned department's own progress.
D_SUMMONED, D_ACK, D_ARRIVED, D_DONE = "待报到", "已报到", "处置中", "已办结"
STEPS = {"acknowledge": "响应报到", "arrive": "到场处置", "resolve": "部门办结", "close": "结案"}
# Requests from a community to its street.
R_PENDING, R_WHISTLED, R_DECLINED = "待街道处理", "已吹哨", "未予吹哨"

MAX_PHOTOS = 3
_WID_RE = re.compile(r"^(\d{4})(\d{2})-[0-9a-f]{10}$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# ---------------------------------------------------------------- the whistle list


def whistle_data() -> dict:
    """The checked whistle list with its lookup maps (see ``kb.data.whistle_list``)."""
    return kbdata.whistle_list()


def get_item(item_id: str) -> dict:
    item = whistle_data()["item_by_id"].get(item_id)
    if item is None:
        raise NotFound("没有找到这个吹哨事项。")
    return item


def departments() -> list[dict]:
    return whistle_data()["departments"]


def get_department(dept_id: str) -> dict:
    dept = whistle_data()["department_by_id"].get(dept_id)
    if dept is None:
        raise NotFound("没有找到这个部门。")
    return dept


def level_info(level: int) -> dict:
    """The level's name, coordination path and hour targets (from whistles.yml)."""
    return whistle_data()["level_by_number"][level]


def due_times(raised_at: datetime, level: int) -> dict[str, str]:
    """When each step is due for a whistle of this level raised at raised_at."""
    info = level_info(level)
    return {
        step: stamp(raised_at + timedelta(hours=info[f"{step}_hours"]))
        for step in ("acknowledge", "arrive", "resolve")
    }


# ---------------------------------------------------------------- document keys


def _street_dir(street_id: str) -> str:
    if not valid_id(street_id):
        raise NotFound("没有找到这个街道。")
    return f"whistles/{street_id}/"


def _month_path(street_id: str, month: str) -> str:
    if not _MONTH_RE.match(month or ""):
        raise NotFound("没有找到这次吹哨。")
    return f"{_street_dir(street_id)}{month}"


def _open_path(street_id: str) -> str:
    return f"{_street_dir(street_id)}open"


# ---------------------------------------------------------------- timeline


def entry(
    actor: dict,
    action: str,
    status: str,
    text: str = "",
    at=None,
    dept: str | None = None,
    photos=(),
) -> dict:
    """One timeline entry: who (uid, name, role), when, what, the status after it."""
    return {
        "at": stamp(at or now()),
        "by": actor["uid"],
        "by_name": actor["name"],
        "role": actor["role"],
        "dept": dept,
        "action": action,
        "text": text,
        "status": status,
        "photos": list(photos),
    }


def clean_text(text: str, required: bool, what: str, limit: int = 500) -> str:
    text = (text or "").strip()
    if required and not text:
        raise StoreError(f"请填写{what}。")
    if len(text) > limit:
        raise StoreError(f"{what}不能超过 {limit} 个字。")
    return text
