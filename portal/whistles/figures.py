"""Whistle figures and department liaisons, on the ``whistles`` blueprint: 一哨一考
(the departments' scorecard, the streets' figures and 每月一题 of a period), their
.xlsx/CSV export, a street's printable monthly report, and the district admin's
creation of department liaison accounts. Street and district admins only; a
street admin sees its own street.
"""

from __future__ import annotations

import re

from flask import abort, flash, g, redirect, render_template, request, url_for

from forms.admin_accounts import NewAdminForm

from .. import auth, store
from ..svgchart import bar_chart
from ..templating import mask_phone
from .scope import _pct, _street_scope, department_choices, labels, reachable_departments
from ..records.exports import export_response
from .views import bp

AREA = ("street_admin", "district_admin")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period() -> list[str]:
    end = request.args.get("to") or store.now().strftime("%Y-%m")
    if not MONTH_RE.match(end):
        abort(404)
    start = request.args.get("from") or store.month_list(end, 6)[0]
    if not MONTH_RE.match(start):
        abort(404)
    try:
        return store.period_of(start, end)
    except store.StoreError:
        abort(404)


def _figures(months: list[str]) -> dict:
    streets = _street_scope()
    at = store.now()
    return {
        "scorecard": store.department_scorecard(months, streets, at),
        "streets": [store.street_figures(s, months, at) for s in streets],
        "top": store.top_whistle_item(streets, months[-1]),
    }


@bp.route("/figures")
@auth.roles_required(*AREA)
def figures():
    """一哨一考: the departments' scorecard, the streets' figures and 每月一题 of whistles."""
    months = _period()
    data = _figures(months)
    label = store.month_label
    charts = {
        "received": bar_chart(
            [(c["name"], c["received"]) for c in data["scorecard"] if c["received"]],
            "各部门接收吹哨数",
            "件",
        )
    }
    if data["top"]:
        charts["trend"] = bar_chart(
            [(label(m), n) for m, n in data["top"]["trend"]],
            f"“{data['top']['item']['name']}”走势",
            "件",
        )
    # 每月一题 across orders, needs and whistles, beside the whistles' own top item
    scope = g.user["scope"] if g.user["role"] == "street_admin" else "district"
    topic = store.top_monthly_topic(scope, months[-1])
    topic_name = topic and store.hotline_config()["category_by_id"][topic["category"]]["name"]
    return render_template(
        "whistles/figures.html",
        months=months,
        charts=charts,
        pct=_pct,
        topic=topic,
        topic_name=topic_name,
        topic_scope=scope,
        **data,
        **labels(),
    )


@bp.route("/export/<kind>.<fmt>")
@auth.roles_required(*AREA)
def export(kind: str, fmt: str):
    """The scorecard or the streets' figures of the period as .xlsx (or CSV)."""
    if fmt not in ("xlsx", "csv") or kind not in ("departments", "streets"):
        abort(404)
    months = _period()
    data = _figures(months)
    names = labels()
    if kind == "departments":
        header = [
            "部门",
            "接收吹哨",
            "响应率",
            "按时报到率",
            "按时到场率",
            "结案数",
            "解决率",
            "街道评分均值",
            "满意度均值",
            "退回重办次数",
        ]
        rows = [
            [
                c["name"] + ("（示例）" if c["example"] else ""),
                c["received"],
                _pct(c["response_rate"]),
                _pct(c["ack_on_time"]),
                _pct(c["arrive_on_time"]),
                c["resolved"],
                _pct(c["resolution_rate"]),
                c["mean_rating"],
                c["mean_satisfaction"],
                c["returns"],
            ]
            for c in data["scorecard"]
        ]
    else:
        header = [
            "街道",
            "吹哨数",
            "结案数",
            "一级",
            "二级",
            "三级",
            "平均结案用时（小时）",
            "当前未结案",
            "当前超时",
        ]
        rows = [
            [
                names["street_names"].get(s["street"], s["street"]),
                s["raised"],
                s["closed"],
                s["by_level"][1],
                s["by_level"][2],
                s["by_level"][3],
                s["mean_hours_to_close"],
                s["open_now"],
                s["overdue_now"],
            ]
            for s in data["streets"]
        ]
    store.record_audit(
        g.user,
        "导出吹哨考核",
        street_id=g.user["scope"] if g.user["role"] == "street_admin" else None,
        target=f"{kind} {months[0]}–{months[-1]}",
    )
    title = {"departments": "部门考核", "streets": "街道吹哨"}[kind]
    return export_response(f"{title}-{months[0]}至{months[-1]}", fmt, header, rows)


@bp.route("/report/<sid>/<month>")
@auth.roles_required(*AREA)
def report(sid: str, month: str):
    """A street's printable monthly report."""
    if sid not in _street_scope() or not MONTH_RE.match(month):
        abort(404)
    data = store.monthly_report(sid, month)
    return render_template(
        "whistles/report.html", r=data, pct=_pct, street=store.get_street(sid), **labels()
    )


@bp.route("/liaisons", methods=["GET", "POST"])
@auth.roles_required("district_admin")
def liaisons():
    """A district admin creates department liaison accounts (部门联络员) and sees the
    departments that have none (尚无联络人的部门)."""
    form = NewAdminForm()
    form.scope.label.text = "所属部门"
    form.scope.choices = department_choices()
    if form.validate_on_submit():
        try:
            user = store.create_user(
                phone=form.phone.data,
                password=form.password.data,
                name=form.name.data,
                role="dept_liaison",
                scope=form.scope.data,
            )
        except store.StoreError as exc:
            form.phone.errors.append(str(exc))
        else:
            label = f"部门联络员 {user['name']}（{mask_phone(user['phone'])}）"
            store.record_audit(
                g.user,
                "新建部门联络员",
                target=label,
                after=store.get_department(user["scope"])["name"],
            )
            flash(f"已创建{label}。请把初始密码当面告知本人，并提醒其登录后修改。", "success")
            return redirect(url_for(".liaisons"))
    rows = store.list_admins("dept_liaison")
    reachable = reachable_departments()
    # 尚无联络人的部门: a whistle to them reaches nobody in the portal.
    missing = [
        dict(d, disabled_only=any(u["scope"] == d["id"] for u in rows))
        for d in store.departments()
        if d["id"] not in reachable
    ]
    return render_template(
        "whistles/liaisons.html", form=form, rows=rows, missing=missing, **labels()
    )
