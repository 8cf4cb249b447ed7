"""Street and district dashboards (figures and server-drawn SVG charts) and the audit log."""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, render_template, request

from .. import auth, store
from ..svgchart import bar_chart
from ..templating import category_name

bp = Blueprint("dashboards", __name__, template_folder="templates", url_prefix="/portal/admin")
AREA_ADMINS = ("street_admin", "district_admin")
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


def _street_filter() -> str | None:
    """The street whose figures are shown: a street admin's own; a district admin may pick one."""
    if g.user["role"] == "street_admin":
        return g.user["scope"]
    street = request.args.get("street") or None
    if street is not None:
        try:
            store.get_street(street)
        except store.NotFound:
            abort(404)
    return street


def _needs(cids: list[str], months: list[str]) -> dict | None:
    """Figures from the needs module, or None while it is not available."""
    stats = getattr(store, "needs_stats", None)
    top = getattr(store, "top_need_category", None)
    if stats is None or top is None:
        return None
    figures = stats(cids, months)
    return {
        "stats": figures,
        "top": top(cids, months[-1]),
        "opened": sum(figures.get("opened", {}).values()),
        "closed": sum(figures.get("closed", {}).values()),
    }


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.route("/dashboard")
@auth.roles_required(*AREA_ADMINS)
def dashboard():
    """Reported members, pending report-ins, fill rate, hours, no-shows, needs, 每月一题."""
    street = _street_filter()
    communities = [
        c for c in auth.communities_in_scope(g.user) if street is None or c["street_id"] == street
    ]
    cids = [c["id"] for c in communities]
    months = store.last_months(6)
    members = store.reported_members_by_community(cids)
    pending = store.pending_report_ins_by_community(cids)
    hours_table = store.hours_by_category_and_month(cids, months)
    by_month = store.hours_by_month(hours_table)
    by_category = store.hours_by_category(hours_table)
    label = store.month_label
    needs = _needs(cids, months)
    charts = {
        "members": bar_chart(
            [(c["name"], members[c["id"]]) for c in communities], "各社区已报到党员人数", "人"
        ),
        "hours_month": bar_chart([(label(m), h) for m, h in by_month], "近 6 个月服务工时", "小时"),
        "hours_category": bar_chart(
            [(category_name(c), h) for c, h in by_category.items()], "各类服务工时", "小时"
        ),
    }
    if needs and needs["top"]:
        charts["top_trend"] = bar_chart(
            [(label(m), n) for m, n in needs["top"]["trend"]],
            f"“{category_name(needs['top']['category'])}”类需求走势",
            "件",
        )
    streets = store.list_streets()
    return render_template(
        "dashboards/dashboard.html",
        communities=communities,
        members=members,
        pending=pending,
        months=months,
        fill=store.posts_fill_rate(cids, months),
        no_show=store.no_show_rate(cids, months),
        hours_table=hours_table,
        by_category=by_category,
        needs=needs,
        charts=charts,
        rate=_rate,
        street=street,
        streets=streets,
        street_names={s["id"]: s["name"] for s in streets},
        community_names={c["id"]: c["name"] for c in communities},
        total_hours=round(sum(h for _m, h in by_month), 2),
    )


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
