"""Street and district dashboards (figures and server-drawn SVG charts) and the audit log."""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, render_template, request, url_for

from .. import auth, store
from ..svgchart import bar_chart
from ..templating import category_name

bp = Blueprint("dashboards", __name__, template_folder="templates", url_prefix="/portal/admin")
AREA_ADMINS = ("street_admin", "district_admin")
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


# The figures a street or community row shows, in the order of the table's columns; each
# column sorts the rows through ?sort=<figure>&dir=asc|desc (links, no script).
FIGURES = {
    "members": "已报到党员",
    "pending": "待审核报到",
    "fill": "岗位满员率",
    "hours": "确认服务工时",
    "no_show": "缺席率",
}


def _street_filter() -> str | None:
    """The street whose communities are shown: a street admin's own (another street is a 404);
    a district admin sees the streets first and may open one (?street=<id>)."""
    street = request.args.get("street") or None
    if g.user["role"] == "street_admin":
        if street is not None and street != g.user["scope"]:
            abort(404)
        return g.user["scope"]
    if street is not None:
        try:
            store.get_street(street)
        except store.NotFound:
            abort(404)
    return street


def _sorting() -> tuple[str | None, str]:
    """(figure, "asc" | "desc") from the query; no figure keeps the stored order."""
    sort = request.args.get("sort")
    direction = "asc" if request.args.get("dir") == "asc" else "desc"
    return (sort if sort in FIGURES else None), direction


def _sorted(rows: list[dict], sort: str | None, direction: str) -> list[dict]:
    """Rows by one figure; rows without it (a rate with nothing to count) come last."""
    if sort is None:
        return rows
    known = [r for r in rows if r["figures"][sort] is not None]
    known.sort(key=lambda r: r["figures"][sort], reverse=direction == "desc")
    return known + [r for r in rows if r["figures"][sort] is None]


def _needs(cids: list[str], months: list[str], street: str | None) -> dict | None:
    """Figures from the needs module, or None while it is not available; ``top`` is
    每月一题 across orders, needs and whistles of the street (or the district)."""
    stats = getattr(store, "needs_stats", None)
    if stats is None:
        return None
    figures = stats(cids, months)
    return {
        "stats": figures,
        "top": store.top_monthly_topic(street or "district", months[-1]),
        "opened": sum(figures.get("opened", {}).values()),
        "closed": sum(figures.get("closed", {}).values()),
    }


def _topic_name(category: str) -> str:
    """A hotline category's name (每月一题 counts under hotline.yml's categories)."""
    found = store.hotline_config()["category_by_id"].get(category)
    return found["name"] if found else category


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.route("/dashboard")
@auth.roles_required(*AREA_ADMINS)
def dashboard():
    """Reported members, pending report-ins, fill rate, hours, no-shows, needs, 每月一题:
    the district's streets first, a street's communities once it is opened."""
    street = _street_filter()
    sort, direction = _sorting()
    communities = [
        c for c in auth.communities_in_scope(g.user) if street is None or c["street_id"] == street
    ]
    cids = [c["id"] for c in communities]
    months = store.last_months(6)
    by_community = store.figures_by_community(cids, months)
    totals = store.add_up_figures(list(by_community.values()))
    hours_table = store.hours_by_category_and_month(cids, months)
    by_month = store.hours_by_month(hours_table)
    by_category = store.hours_by_category(hours_table)
    label = store.month_label
    needs = _needs(cids, months, street)
    streets = store.list_streets()
    routing = _routing(communities, months, street)
    if street is None:
        by_street = store.figures_by_street(communities, by_community)
        empty = store.add_up_figures([])
        rows = [
            {
                "name": s["name"],
                "href": url_for("dashboards.dashboard", street=s["id"]),
                "figures": by_street.get(s["id"], empty),
                "count": sum(1 for c in communities if c["street_id"] == s["id"]),
            }
            for s in streets
        ]
    else:
        rows = [
            {
                "name": c["name"],
                "href": url_for("community_dashboard.dashboard", cid=c["id"]),
                "figures": by_community[c["id"]],
            }
            for c in communities
        ]
    charts = {
        "members": bar_chart(
            [(r["name"], r["figures"]["members"]) for r in rows],
            "各社区已报到党员人数" if street else "各街道已报到党员人数",
            "人",
        ),
        "hours_month": bar_chart([(label(m), h) for m, h in by_month], "近 6 个月服务工时", "小时"),
        "hours_category": bar_chart(
            [(category_name(c), h) for c, h in by_category.items()], "各类服务工时", "小时"
        ),
    }
    if needs and needs["top"]:
        charts["top_trend"] = bar_chart(
            [(label(m), n) for m, n in needs["top"]["trend"]],
            f"“{_topic_name(needs['top']['category'])}”类工单、需求和吹哨走势",
            "件",
        )
    return render_template(
        "dashboards/dashboard.html",
        rows=_sorted(rows, sort, direction),
        sort=sort,
        direction=direction,
        figures=FIGURES,
        totals=totals,
        months=months,
        hours_table=hours_table,
        by_category=by_category,
        needs=needs,
        charts=charts,
        rate=_rate,
        topic_name=_topic_name,
        street=street,
        streets=streets,
        street_names={s["id"]: s["name"] for s in streets},
        community_names={c["id"]: c["name"] for c in communities},
        routing=routing,
    )


def _routing(communities: list[dict], months: list[str], street: str | None) -> dict:
    """大事不出社区、小事不出网格 as figures: for each month, the needs closed in the grid,
    in the community, or passed to the street (whistle), per community of an opened street
    (per street for the district), with the totals of each month."""
    figures = store.grid_routing_by_month(communities, months)
    if street is not None:
        rows = [(c["name"], figures[c["id"]]) for c in communities]
    else:
        rows = []
        for s in store.list_streets():
            mine = [figures[c["id"]] for c in communities if c["street_id"] == s["id"]]
            if mine:
                add = store.add_up_grid_routing
                rows.append((s["name"], {m: add([f[m] for f in mine]) for m in months}))
    totals = {m: store.add_up_grid_routing([r[m] for _name, r in rows]) for m in months}
    return {"rows": rows, "totals": totals}


@bp.route("/audit")
@auth.roles_required(*AREA_ADMINS)
def audit():
    """The audit log of one month: a street admin sees their street's entries, the district all."""
    months = store.audit_months()
    month = request.args.get("month") or (months[0] if months else store.now().strftime("%Y-%m"))
    if not MONTH_RE.match(month):
        abort(404)
    street = g.user["scope"] if g.user["role"] == "street_admin" else None
    return render_template(
        "dashboards/audit.html",
        months=months,
        month=month,
        entries=store.list_audit(month, street),
        street_names={s["id"]: s["name"] for s in store.list_streets()},
        communities=store.community_index(),
        show=audit_value,
    )


def audit_value(value) -> str:
    """A before/after value of an audit entry as short text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{audit_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(audit_value(v) for v in value) or "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
