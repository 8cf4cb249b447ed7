"""每月一题 across channels for street and district admins (``hotline_topics``): the
month's categories ranked over hotline orders, needs and whistles, the topic chosen with
its plan, owner and linked orders, its result, and the trend of that category before and
after. A street admin works on its street; the district admin on the district (and may
look at any street)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.hotline_figures import ResultForm, TopicForm

from .. import auth, store
from ..admin import flash_form_errors
from ..svgchart import bar_chart
from .scope import AREA_ROLES, actor, category_label, chosen_month

bp = Blueprint(
    "hotline_topics",
    __name__,
    template_folder="templates",
    url_prefix="/portal/hotline-figures/topics",
)


def _scope() -> str:
    """``district`` or a street id: the user's own, or (the district admin) any street."""
    wanted = request.args.get("scope")
    if g.user["role"] == "street_admin":
        if wanted not in (None, g.user["scope"]):
            abort(404)
        return g.user["scope"]
    if wanted in (None, "district"):
        return "district"
    try:
        store.get_street(wanted)
    except store.NotFound:
        abort(404)
    return wanted


def _scope_name(scope: str) -> str:
    return "东城区（全区）" if scope == "district" else store.get_street(scope)["name"]


def _topic_form(top: dict | None, recorded: dict | None) -> TopicForm:
    form = TopicForm()
    form.category.choices = [(c["id"], c["name"]) for c in store.hotline_config()["categories"]]
    if request.method == "GET":
        chosen = recorded or {}
        form.category.data = chosen.get("category") or (top or {}).get("category")
        form.plan.data = chosen.get("plan", "")
        form.owner.data = chosen.get("owner", "")
        form.orders.data = "\n".join(chosen.get("order_ids", []))
    return form


@bp.route("/")
@auth.roles_required(*AREA_ROLES)
def index():
    scope, month = _scope(), chosen_month()
    top = store.top_monthly_topic(scope, month)
    recorded = store.get_monthly_topic(scope, month)
    trend = None
    charts = {}
    label = store.month_label
    if top:
        charts["month"] = bar_chart(
            [(label(m), n) for m, n in top["trend"]],
            f"“{category_label(top['category'])}”近 6 个月（工单 + 需求 + 吹哨）",
            "件",
        )
    if recorded:
        trend = store.monthly_topic_trend(scope, month, recorded["category"])
        charts["before_after"] = bar_chart(
            [(label(m), n) for m, n in trend["rows"]],
            f"“{category_label(recorded['category'])}”题目前后走势",
            "件",
        )
    return render_template(
        "hotline_figures/topics.html",
        scope=scope,
        scope_name=_scope_name(scope),
        month=month,
        top=top,
        recorded=recorded,
        trend=trend,
        charts=charts,
        form=_topic_form(top, recorded),
        result_form=ResultForm(),
        streets=store.list_streets() if g.user["role"] == "district_admin" else [],
        category_label=category_label,
    )


@bp.route("/save", methods=["POST"])
@auth.roles_required(*AREA_ROLES)
def save():
    """Record (or change) the month's topic."""
    scope, month = _scope(), chosen_month()
    form = _topic_form(None, None)
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            store.set_monthly_topic(
                scope,
                month,
                form.category.data,
                form.plan.data,
                form.owner.data,
                form.order_ids(),
                actor(),
            )
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("已记录本月的“每月一题”。", "success")
    return redirect(url_for(".index", scope=scope, month=month))


@bp.route("/result", methods=["POST"])
@auth.roles_required(*AREA_ROLES)
def result():
    """Record what came of the month's topic."""
    scope, month = _scope(), chosen_month()
    form = ResultForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            store.record_monthly_topic_result(scope, month, form.result.data, actor())
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("已记录治理结果。", "success")
    return redirect(url_for(".index", scope=scope, month=month))
