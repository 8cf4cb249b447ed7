"""A street's or the district's list as a spreadsheet (.xlsx or CSV), the level of each row
(社区级、街道级、区级) in its first column; the rows the list page shows (``?show=below``
adds the level below, for those who see it). Residents' phone numbers are not exported.
The route is added to the ``area_lists`` blueprint.
"""

from __future__ import annotations

from flask import abort

from kb import data as kbdata

from .. import store
from ..records.exports import FORMATS, export_response
from . import access
from .views import bp

_TITLES = {"needs": "需求清单", "resources": "资源清单", "projects": "项目清单"}
_KINDS = {"needs": "need", "resources": "resource", "projects": "project"}


def _matches(item: dict) -> str:
    names = []
    for ref in item.get("matches") or []:
        entry = store.resolve_area_ref("resource", ref)
        name = entry["item"]["name"] if entry["item"] else "（已不存在）"
        names.append(f"{entry['level_name']}·{entry['scope_name']}·{name}")
    return "；".join(names)


def _need_row(item: dict) -> list:
    return [
        kbdata.need_category_name(item["category"]),
        item["description"],
        store.NEED_URGENCIES.get(item.get("urgency", ""), ""),
        item["status"],
        store.NEED_RAISERS.get(item.get("raised_by", ""), ""),
        item.get("place") or item.get("building") or "",
        item["created_at"][:16],
        _matches(item),
    ]


def _resource_row(item: dict) -> list:
    return [
        item["name"],
        store.RESOURCE_KINDS.get(item["kind"], ""),
        item["provider"],
        store.RESOURCE_PROVIDERS.get(item["provider_type"], ""),
        item["contact"],
        item.get("availability", ""),
        "可用" if item["active"] else "暂停",
        item["created_at"][:16],
    ]


def _project_row(item: dict) -> list:
    needs = item.get("need_refs", item.get("need_ids")) or []
    resources = item.get("resource_refs", item.get("resource_ids")) or []
    return [
        item["name"],
        item["status"],
        len(needs),
        len(resources),
        item.get("description", ""),
        item["created_at"][:16],
    ]


_COLUMNS = {
    "needs": (
        ["需求分类", "需求描述", "紧急程度", "状态", "提出人身份", "地点", "登记时间", "匹配资源"],
        _need_row,
    ),
    "resources": (
        [
            "资源名称",
            "资源类型",
            "提供方",
            "提供方类型",
            "联系方式",
            "可用时间",
            "状态",
            "登记时间",
        ],
        _resource_row,
    ),
    "projects": (["项目名称", "状态", "需求数", "资源数", "项目说明", "创建时间"], _project_row),
}


@bp.route("/<area>/export/<what>.<fmt>")
def export(area: str, what: str, fmt: str):
    """The list as shown on its page, with the level and whose list each row is on."""
    ctx = access.area_or_404(area)
    if what not in _TITLES or fmt not in FORMATS:
        abort(404)
    columns, row_of = _COLUMNS[what]
    entries = store.area_entries(
        _KINDS[what], ctx["level"], ctx["scope"], below=ctx["show"] == access.SHOW_BELOW
    )
    rows = [[e["level_name"], e["scope_name"], *row_of(e["item"])] for e in entries]
    title = f"{ctx['name']}-{ctx['level_name']}{_TITLES[what]}"
    access.audit(ctx, "导出清单", f"{_TITLES[what]}（{fmt}）", None, f"{len(rows)} 行")
    return export_response(title, fmt, ["层级", "所属", *columns], rows)
