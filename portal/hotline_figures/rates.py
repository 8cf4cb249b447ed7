"""接诉即办 三率 for staff (``hotline_figures``): a unit's 响应率, 解决率 and 满意率 of a
month with their definitions and six-month trend; the district's ranking of streets,
communities and departments, a street's ranking of its communities; the ranking as .xlsx
(or CSV); and the printable monthly report. Figures come from the counters only.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from flask import Blueprint, abort, g, get_template_attribute, render_template, request
from markupsafe import Markup

from .. import auth, store
from ..records.exports import export_response
from ..svgchart import bar_chart
from .scope import (
    FIGURE_ROLES,
    category_label,
    chosen_month,
    chosen_unit,
    link,
    own_unit,
    pct,
    unit_label,
)

bp = Blueprint(
    "hotline_figures", __name__, template_folder="templates", url_prefix="/portal/hotline-figures"
)
SORTS = ("response", "resolution", "satisfaction")
_RANKINGS: dict[tuple, tuple[list[dict], Markup]] = {}
_RANKINGS_LOCK = threading.Lock()
_CACHED_RANKINGS = 256


def ranking_html(rows: list[dict], what: str) -> Markup:
    """A ranking table, rendered once per list of rows. The store hands out the same row
    objects until the month's counters or the places change, and never changes one, so
    the rows' identities in order name what the table shows; the entry keeps the rows
    alive, so no other row can take one of their ids while it is kept."""
    key = (what, *map(id, rows))
    hit = _RANKINGS.get(key)
    if hit is not None:
        return hit[1]
    html = get_template_attribute("hotline_figures/_rates.html", "ranking")(
        rows, what, pct, unit_label
    )
    with _RANKINGS_LOCK:
        _RANKINGS[key] = (rows, html)
        while len(_RANKINGS) > _CACHED_RANKINGS:
            _RANKINGS.pop(next(iter(_RANKINGS)))
    return html


@lru_cache(maxsize=512)
def _chart(bars: tuple[tuple[str, float], ...], title: str) -> Markup:
    return bar_chart(list(bars), title, "%")


def _tables(unit: str, month: str) -> dict:
    """The rankings shown under a unit: the district's streets, communities and
    departments; a street's communities."""
    kind, _, ident = unit.partition(":")
    if unit == "district":
        return {
            "streets": store.hotline_street_rates(month),
            "communities": store.hotline_community_rates(month),
            "departments": store.hotline_department_rates(month),
        }
    if kind == "street":
        rows = store.hotline_community_rates(month, ident)
        return {"communities": rows}
    return {}


def _resort(tables: dict, sort: str | None) -> dict:
    """The rankings ordered by one rate (?sort=); the 名次 column keeps the ranking rule's
    places, rows with nothing to count come last."""
    if sort not in SORTS:
        return tables

    def by_rate(rows: list[dict]) -> list[dict]:
        known = [r for r in rows if r["rates"][sort] is not None]
        known.sort(key=lambda r: -r["rates"][sort])
        return known + [r for r in rows if r["rates"][sort] is None]

    return {name: by_rate(rows) for name, rows in tables.items()}


_PAGES: dict[tuple, tuple[tuple, Markup]] = {}
_PAGES_LOCK = threading.Lock()
_CACHED_PAGES = 256


@bp.route("/")
@auth.roles_required(*FIGURE_ROLES)
def index():
    """A unit's 三率 of the month, its trend, and the rankings under it. The content is
    the same for everyone who asks for the same unit, month and sorting from the same
    own unit, until the figures change: it is rendered once per version of them
    (``store.hotline_rates_basis``), kept with them alive (see ``ranking_html``)."""
    unit, month = chosen_unit(), chosen_month()
    sort = request.args.get("sort")
    sort = sort if sort in SORTS else None
    own = own_unit(g.user)
    basis = store.hotline_rates_basis(month)
    wants_all = request.args.get("all") == "1"
    key: tuple = (request.script_root, unit, own, month, sort, wants_all, *map(id, basis))
    hit = _PAGES.get(key)
    if hit is None:
        hit = (basis, Markup(_content(unit, month, sort, own, wants_all)))
        with _PAGES_LOCK:
            _PAGES[key] = hit
            while len(_PAGES) > _CACHED_PAGES:
                _PAGES.pop(next(iter(_PAGES)))
    return render_template(
        "hotline_figures/rates.html", unit=unit, unit_label=unit_label, body=hit[1]
    )


def _content(unit: str, month: str, sort: str | None, own: str, wants_all: bool) -> str:
    trend = store.hotline_rates_trend(unit, month)
    figures = trend[-1]  # the month asked for is the trend's last
    label = store.month_label
    charts = {
        field: _chart(
            tuple((label(t["month"]), round((t["rates"][field] or 0) * 100, 1)) for t in trend),
            f"近 6 个月{store.HOTLINE_RATE_DEFINITIONS[field][0]}",
        )
        for field in ("response", "satisfaction")  # the two the page draws
    }
    tables = _resort(_tables(unit, month), sort)
    # The district's 170 communities: the first 20 and the last 10 on the page, the whole
    # ranking with ?all=1 and in the export (a long table costs every visit).
    communities = tables.get("communities") or []
    shown_all = wants_all or len(communities) <= 40
    if not shown_all:
        tables["communities"] = communities[:20] + communities[-10:]
    street_rank = None
    if unit.startswith("street:"):
        rows = store.hotline_street_rates(month)
        street_rank = next((r["rank"] for r in rows if f"street:{r['id']}" == unit), None)
    return render_template(
        "hotline_figures/_rates_page.html",
        unit=unit,
        month=month,
        figures=figures,
        trend=trend,
        charts=charts,
        tables=tables,
        shown_all=shown_all,
        community_count=len(communities),
        sort=sort,
        street_rank=street_rank,
        definitions=store.HOTLINE_RATE_DEFINITIONS,
        rank_rule=store.HOTLINE_RANK_RULE,
        own=own,
        pct=pct,
        unit_label=unit_label,
        ranking=ranking_html,
        link=link,
    )


EXPORT_TITLES = {"streets": "街道", "communities": "社区", "departments": "部门"}


@bp.route("/export/<kind>.<fmt>")
@auth.roles_required("district_admin", "street_admin")
def export(kind: str, fmt: str):
    """The ranking of streets, communities or departments of the month as .xlsx or CSV:
    the district all three, a street admin its communities."""
    if fmt not in ("xlsx", "csv") or kind not in EXPORT_TITLES:
        abort(404)
    unit, month = chosen_unit(), chosen_month()
    tables = _tables(unit, month)
    if kind not in tables:
        abort(404)
    header = [
        "名次",
        EXPORT_TITLES[kind],
        "派单",
        "时限内签收",
        "响应率",
        "已结案",
        "已解决",
        "解决率",
        "已评价",
        "满意",
        "基本满意",
        "满意率",
    ]
    rows = [
        [
            r["rank"] if r["rank"] is not None else "—",
            r.get("name") or unit_label(r["unit"]),
            r["counts"]["dispatched"],
            r["counts"]["signed_in_time"],
            pct(r["rates"]["response"]),
            r["counts"]["closed"],
            r["counts"]["resolved"],
            pct(r["rates"]["resolution"]),
            r["counts"]["rated"],
            r["counts"]["satisfied"],
            r["counts"]["basic"],
            pct(r["rates"]["satisfaction"]),
        ]
        for r in tables[kind]
    ]
    rows.append([])
    for name, rule in store.HOTLINE_RATE_DEFINITIONS.values():
        rows.append([f"{name}：{rule}"])
    rows.append([store.HOTLINE_RANK_RULE])
    store.record_audit(
        g.user,
        "导出接诉即办三率",
        street_id=g.user["scope"] if g.user["role"] == "street_admin" else None,
        target=f"{EXPORT_TITLES[kind]} {month}",
    )
    return export_response(f"三率-{EXPORT_TITLES[kind]}-{month}", fmt, header, rows)


@bp.route("/report")
@auth.roles_required(*FIGURE_ROLES)
def report():
    """The unit's printable monthly report: 三率 with their definitions, the rankings under
    it, 每月一题 and the 主动治理任务 opened that month."""
    unit, month = chosen_unit(), chosen_month()
    kind, _, ident = unit.partition(":")
    scope = "district" if unit == "district" else ident if kind == "street" else None
    topic = store.top_monthly_topic(scope, month) if scope else None
    street_id = ident if kind == "street" else None
    community_id = ident if kind == "community" else None
    if kind == "community":
        street_id = store.get_community(ident)["street_id"]
    tasks = []
    if kind in ("street", "community") or unit == "district":
        tasks = [
            t
            for t in store.list_proactive_tasks(street_id, community_id)
            if t["opened_at"][:7] == month
        ]
    return render_template(
        "hotline_figures/report.html",
        unit=unit,
        month=month,
        figures=store.hotline_unit_rates(month, unit),
        tables=_tables(unit, month),
        topic=topic,
        recorded=store.get_monthly_topic(scope, month) if scope else None,
        tasks=tasks,
        definitions=store.HOTLINE_RATE_DEFINITIONS,
        rank_rule=store.HOTLINE_RANK_RULE,
        pct=pct,
        unit_label=unit_label,
        category_label=category_label,
    )
