"""街道吹哨: street admins raise, verify, return, close and escalate whistles; district
admins see every street, the figures and create department liaisons; community
admins ask their street to whistle for a need and follow what came of it.

A street admin sees only its street's whistles, a community admin only those that
came from its community; anything else is a 404. Every change is audited.
"""
from __future__ import annotations

import re

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, url_for)

from forms.admin_accounts import NewAdminForm
from forms.whistles import (RATING_LABELS, NoteForm, ReasonForm, RequestForm, ReturnForm,
                            WhistleForm, close_form)

from . import _admin
from .. import auth, mail, store
from ..store import whistle_stats, whistles as wstore
from ..svgchart import bar_chart
from ..templating import mask_phone
from .attendance_admin import export_response

bp = Blueprint("whistles", __name__, url_prefix="/portal/whistles")
AREA = ("street_admin", "district_admin")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


_admin.admins_only(bp)


# ---------------------------------------------------------------- helpers

def _street_scope() -> list[str]:
    if g.user["role"] == "street_admin":
        return [g.user["scope"]]
    if g.user["role"] == "district_admin":
        return [s["id"] for s in store.list_streets()]
    abort(403)


def _whistle_or_404(sid: str, wid: str) -> dict:
    """The whistle if the current admin may see it (own street, own community, district)."""
    user = g.user
    if user["role"] == "street_admin" and user["scope"] != sid:
        abort(404)
    try:
        whistle = store.get_whistle(sid, wid)
    except store.NotFound:
        abort(404)
    if user["role"] == "community_admin" and whistle.get("community_id") != user["scope"]:
        abort(404)
    return whistle


def _street_admin_of(whistle: dict) -> None:
    if g.user["role"] != "street_admin" or g.user["scope"] != whistle["street_id"]:
        abort(403)


def _audit(whistle: dict, action: str, before=None, after=None) -> None:
    store.record_audit(g.user, action, community_id=whistle.get("community_id"),
                       street_id=whistle["street_id"], target=f"吹哨 {whistle['id']}",
                       before=before, after=after)


def _link(whistle: dict) -> str:
    return url_for("whistles.whistle", sid=whistle["street_id"], wid=whistle["id"])


def _liaisons(dept_ids) -> list[str]:
    return [u["uid"] for u in store.list_admins("dept_liaison", dept_ids) if not u.get("disabled")]


def _notify(uids, text: str, link: str | None) -> None:
    mail.notify_many([(uid, "whistle", text, link) for uid in dict.fromkeys(uids)])


def _item_label(item_id: str) -> str:
    item = wstore.get_item(item_id)
    return f"{item['id']} {item['name']}"


def save_photo(form, sid: str) -> list[str]:
    """The form's photo saved as a whistle photo (empty when none was sent)."""
    if not form.has_photo():
        return []
    limit = int(current_app.config.get("NEED_PHOTO_MAX_BYTES", store.needs.PHOTO_MAX_BYTES))
    data = form.photo.data.stream.read(limit + 1)
    if len(data) > limit:
        raise store.StoreError(f"照片不能超过 {limit // (1024 * 1024)} MB，请压缩后重试。")
    return [store.save_whistle_photo(sid, data)]


def labels() -> dict:
    """Names the whistle templates use."""
    data = wstore.whistle_data()
    return {"items": data["item_by_id"], "depts": data["department_by_id"],
            "levels": data["level_by_number"], "step_names": wstore.STEPS,
            "street_names": {s["id"]: s["name"] for s in store.list_streets()},
            "communities": store.community_index(), "rating_labels": RATING_LABELS,
            "category_names": {c["id"]: c["name"] for c in data["categories"]}}


# ---------------------------------------------------------------- lists

@bp.route("/")
def index():
    """Whistles of my street (or of the district), open first, overdue flagged."""
    if g.user["role"] == "community_admin":
        return redirect(url_for(".requests"))
    streets = _street_scope()
    status = request.args.get("status", "")
    status = status if status in wstore.STATUSES else ""
    rows = store.list_whistles(streets, months=whistle_stats.month_list(
        store.now().strftime("%Y-%m"), 3), status=status or None)
    at = store.now()
    overdue = {w["id"]: store.overdue_steps(w, at) for w in rows}
    pending = sum(len(store.list_requests(s, wstore.R_PENDING)) for s in streets)
    return render_template("whistles/index.html", rows=rows, overdue=overdue, status=status,
                           statuses=wstore.STATUSES, pending=pending, **labels())


def _item_choices() -> list[tuple[str, str]]:
    return [("", "请选择")] + [(i["id"], f"{i['category_name']} · {i['id']} {i['name']}（{i['level']} 级）")
                              for i in wstore.whistle_data()["item_by_id"].values()]


@bp.route("/new", methods=["GET", "POST"])
@auth.roles_required("street_admin")
def new():
    """Raise a whistle; the departments are pre-filled from the item, a request fills the rest."""
    sid = g.user["scope"]
    req = None
    rid = request.values.get("request_id") or request.args.get("request")
    if rid:
        try:
            req = store.get_request(sid, rid)
        except store.NotFound:
            abort(404)
    form = WhistleForm()
    form.item.choices = _item_choices()
    form.departments.choices = [(d["id"], d["name"] + ("（示例）" if d["example"] else ""))
                                for d in wstore.departments()]
    if request.method == "GET":
        item_id = request.args.get("item") or (req or {}).get("item_id") or ""
        if item_id in wstore.whistle_data()["item_by_id"]:
            form.item.data = item_id
            form.departments.data = wstore.get_item(item_id)["department_ids"]
        if req:
            need = store.get_need(req["community_id"], req["need_id"])
            form.description.data = need["description"]
            form.place.data = store.get_community(req["community_id"])["name"] + (
                f" {need['building']}" if need.get("building") else "")
            form.request_id.data = req["id"]
    if form.validate_on_submit():
        photos = []
        try:
            photos = save_photo(form, sid)
            refs = [(req["community_id"], req["need_id"])] if req else []
            whistle = store.create_whistle(
                sid, g.user, item_id=form.item.data, description=form.description.data,
                place=form.place.data, departments=form.departments.data, photos=photos,
                need_refs=refs, request_id=req["id"] if req else None)
        except store.StoreError as exc:
            for name in photos:
                store.delete_whistle_photo(sid, name)
            (form.photo if "照片" in str(exc) else form.description).errors.append(str(exc))
        else:
            _audit(whistle, "街道吹哨", None, f"{_item_label(whistle['item_id'])}；召集 "
                   + "、".join(wstore.get_department(d)["name"] for d in whistle["departments"]))
            text = f"街道吹哨：{_item_label(whistle['item_id'])}，地点：{whistle['place']}。请在时限内报到。"
            _notify(_liaisons(list(whistle["departments"])), text,
                    url_for("departments.whistle", sid=sid, wid=whistle["id"]))
            if req:
                _notify([req["created_by"]], f"街道已就您提请的需求吹哨（{whistle['id']}）。",
                        _link(whistle))
            flash("已吹哨，被召集的部门会收到通知。", "success")
            return redirect(_link(whistle))
    selected = wstore.whistle_data()["item_by_id"].get(form.item.data or "")
    return render_template("whistles/new.html", form=form, req=req, selected=selected,
                           **labels())


@bp.route("/s/<sid>/<wid>")
def whistle(sid: str, wid: str):
    """One whistle: departments' progress, time targets, overdue steps, timeline, actions."""
    whistle = _whistle_or_404(sid, wid)
    depts = [(d, wstore.get_department(d)["name"]) for d in whistle["departments"]]
    return_form = ReturnForm()
    return_form.departments.choices = depts
    return render_template("whistles/whistle.html", w=whistle,
                           overdue=store.overdue_steps(whistle), verify_form=NoteForm(),
                           return_form=return_form, close_form=close_form(depts),
                           escalate_form=ReasonForm(), dept_list=depts,
                           can_act=g.user["role"] == "street_admin"
                           and g.user["scope"] == whistle["street_id"], **labels())


@bp.route("/s/<sid>/<wid>/photo/<name>")
def photo(sid: str, wid: str, name: str):
    """A photo of the whistle, for those who may see the whistle."""
    whistle = _whistle_or_404(sid, wid)
    try:
        path = store.whistle_photo_path(whistle, name)
    except store.NotFound:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=0)


def _street_action(sid: str, wid: str, form, action: str, message: str, call, notify=None):
    """Shared shape of the street's POST actions: check, call the store, audit, notify, flash."""
    whistle = _whistle_or_404(sid, wid)
    _street_admin_of(whistle)
    if form.validate_on_submit():
        try:
            after = call(form)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _audit(whistle, action, whistle["status"], after["status"])
            if notify:
                notify(after)
            flash(message, "success")
    else:
        flash(_admin.form_errors(form) or "提交的内容有误。", "error")
    return redirect(_link(whistle))


@bp.route("/s/<sid>/<wid>/verify", methods=["POST"])
def verify(sid: str, wid: str):
    return _street_action(sid, wid, NoteForm(), "街道核验", "已开始核验。",
                          lambda f: store.start_verify(sid, wid, g.user, f.note.data or ""))


@bp.route("/s/<sid>/<wid>/return", methods=["POST"])
def send_back(sid: str, wid: str):
    whistle = _whistle_or_404(sid, wid)
    form = ReturnForm()
    form.departments.choices = [(d, d) for d in whistle["departments"]]

    def notify(after):
        _notify(_liaisons(form.departments.data), f"吹哨 {wid} 被街道退回重办：{form.reason.data}",
                url_for("departments.whistle", sid=sid, wid=wid))
    return _street_action(sid, wid, form, "退回重办", "已退回重办，相关部门会收到通知。",
                          lambda f: store.return_for_rework(sid, wid, g.user, f.reason.data,
                                                            f.departments.data), notify)


@bp.route("/s/<sid>/<wid>/close", methods=["POST"])
def close(sid: str, wid: str):
    whistle = _whistle_or_404(sid, wid)
    depts = [(d, wstore.get_department(d)["name"]) for d in whistle["departments"]]
    form = close_form(depts)

    def call(f):
        return store.close_whistle(sid, wid, g.user, f.ratings(whistle["departments"]),
                                   f.community_satisfaction.data or None,
                                   f.resident_satisfaction.data or None, f.comment.data or "")

    def notify(after):
        uids = _liaisons(list(after["departments"]))
        req = store.get_request(sid, after["request_id"]) if after.get("request_id") else None
        _notify(uids + ([req["created_by"]] if req else []),
                f"吹哨 {wid}（{_item_label(after['item_id'])}）已结案。", None)
    return _street_action(sid, wid, form, "结案评价", "已结案，考核结果已记录。", call, notify)


@bp.route("/s/<sid>/<wid>/escalate", methods=["POST"])
def escalate(sid: str, wid: str):
    def notify(after):
        uids = [u["uid"] for u in store.list_admins("district_admin") if not u.get("disabled")]
        _notify(uids + _liaisons(list(after["departments"])),
                f"吹哨 {wid} 超时，已升级为 {after['level']} 级：{_item_label(after['item_id'])}。",
                _link(after))
    return _street_action(sid, wid, ReasonForm(), "超时升级", "已升级，区级管理员会收到通知。",
                          lambda f: store.escalate(sid, wid, g.user, f.reason.data), notify)


# ---------------------------------------------------------------- community requests

@bp.route("/requests")
def requests():
    """Requests to whistle: the street's (to decide), or my community's (to follow)."""
    if g.user["role"] == "community_admin":
        community = store.get_community(g.user["scope"])
        rows = store.list_requests(community["street_id"], community_id=community["id"])
    else:
        rows = [r for s in _street_scope() for r in store.list_requests(s)]
    return render_template("whistles/requests.html", rows=rows, decline_form=ReasonForm(),
                           **labels())


@bp.route("/requests/<sid>/<rid>/decline", methods=["POST"])
@auth.roles_required("street_admin")
def decline(sid: str, rid: str):
    """Decline a community's request, with the reason it will read."""
    if g.user["scope"] != sid:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            row = store.decline_request(sid, rid, g.user, form.reason.data)
        except store.NotFound:
            abort(404)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            store.record_audit(g.user, "不予吹哨", community_id=row["community_id"], street_id=sid,
                               target=f"吹哨申请 {rid}", before=wstore.R_PENDING, after=row["reason"])
            _notify([row["created_by"]], f"街道未予吹哨：{row['reason']}",
                    url_for("community_lists.need", cid=row["community_id"], nid=row["need_id"]))
            flash("已答复社区。", "success")
    else:
        flash(_admin.form_errors(form), "error")
    return redirect(url_for(".requests"))


@bp.route("/c/<cid>/needs/<nid>/request", methods=["GET", "POST"])
@auth.roles_required("community_admin")
def request_for_need(cid: str, nid: str):
    """提请街道吹哨: a community asks its street to whistle for one of its needs."""
    community = auth.admin_community_or_404(cid)
    try:
        need = store.get_need(cid, nid)
    except store.NotFound:
        abort(404)
    form = RequestForm()
    form.item.choices = _item_choices()
    if form.validate_on_submit():
        try:
            row = store.request_whistle(cid, nid, g.user, form.note.data, form.item.data or None)
        except store.StoreError as exc:
            form.note.errors.append(str(exc))
        else:
            store.record_audit(g.user, "提请街道吹哨", community_id=cid,
                               street_id=community["street_id"], target=f"需求 {nid}",
                               after=row["note"][:60])
            street_admins = [u["uid"] for u in store.list_admins("street_admin",
                                                                 [community["street_id"]])]
            _notify(street_admins, f"{community['name']}提请街道吹哨：{row['note'][:60]}",
                    url_for(".requests"))
            flash("已提请街道吹哨，街道处理后会通知您。", "success")
            return redirect(url_for("community_lists.need", cid=cid, nid=nid))
    return render_template("whistles/request.html", community=community, need=need, form=form,
                           **labels())


# ---------------------------------------------------------------- figures

def _period() -> list[str]:
    end = request.args.get("to") or store.now().strftime("%Y-%m")
    if not MONTH_RE.match(end):
        abort(404)
    start = request.args.get("from") or whistle_stats.month_list(end, 6)[0]
    if not MONTH_RE.match(start):
        abort(404)
    try:
        return whistle_stats.period_of(start, end)
    except store.StoreError:
        abort(404)


def _figures(months: list[str]) -> dict:
    streets = _street_scope()
    at = store.now()
    return {"scorecard": whistle_stats.department_scorecard(months, streets, at),
            "streets": [whistle_stats.street_figures(s, months, at) for s in streets],
            "top": whistle_stats.top_whistle_item(streets, months[-1])}


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.route("/figures")
@auth.roles_required(*AREA)
def figures():
    """一哨一考: the departments' scorecard, the streets' figures and 每月一题 of whistles."""
    months = _period()
    data = _figures(months)
    label = store.stats.month_label
    charts = {"received": bar_chart([(c["name"], c["received"]) for c in data["scorecard"]
                                     if c["received"]], "各部门接收吹哨数", "件")}
    if data["top"]:
        charts["trend"] = bar_chart([(label(m), n) for m, n in data["top"]["trend"]],
                                    f"“{data['top']['item']['name']}”走势", "件")
    return render_template("whistles/figures.html", months=months, charts=charts, pct=_pct,
                           **data, **labels())


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
        header = ["部门", "接收吹哨", "响应率", "按时报到率", "按时到场率", "结案数", "解决率",
                  "街道评分均值", "满意度均值", "退回重办次数"]
        rows = [[c["name"] + ("（示例）" if c["example"] else ""), c["received"],
                 _pct(c["response_rate"]), _pct(c["ack_on_time"]), _pct(c["arrive_on_time"]),
                 c["resolved"], _pct(c["resolution_rate"]), c["mean_rating"],
                 c["mean_satisfaction"], c["returns"]] for c in data["scorecard"]]
    else:
        header = ["街道", "吹哨数", "结案数", "一级", "二级", "三级", "平均结案用时（小时）",
                  "当前未结案", "当前超时"]
        rows = [[names["street_names"].get(s["street"], s["street"]), s["raised"], s["closed"],
                 s["by_level"][1], s["by_level"][2], s["by_level"][3], s["mean_hours_to_close"],
                 s["open_now"], s["overdue_now"]] for s in data["streets"]]
    store.record_audit(g.user, "导出吹哨考核", street_id=g.user["scope"]
                       if g.user["role"] == "street_admin" else None,
                       target=f"{kind} {months[0]}–{months[-1]}")
    title = {"departments": "部门考核", "streets": "街道吹哨"}[kind]
    return export_response(f"{title}-{months[0]}至{months[-1]}", fmt, header, rows)


@bp.route("/report/<sid>/<month>")
@auth.roles_required(*AREA)
def report(sid: str, month: str):
    """A street's printable monthly report."""
    if sid not in _street_scope() or not MONTH_RE.match(month):
        abort(404)
    data = whistle_stats.monthly_report(sid, month)
    return render_template("whistles/report.html", r=data, pct=_pct,
                           street=store.get_street(sid), **labels())


# ---------------------------------------------------------------- department liaisons

@bp.route("/liaisons", methods=["GET", "POST"])
@auth.roles_required("district_admin")
def liaisons():
    """A district admin creates department liaison accounts (部门联络员)."""
    form = NewAdminForm()
    form.scope.label.text = "所属部门"
    form.scope.choices = [(d["id"], d["name"] + ("（示例）" if d["example"] else ""))
                          for d in wstore.departments()]
    if form.validate_on_submit():
        try:
            user = store.create_user(phone=form.phone.data, password=form.password.data,
                                     name=form.name.data, role="dept_liaison",
                                     scope=form.scope.data)
        except store.StoreError as exc:
            form.phone.errors.append(str(exc))
        else:
            label = f"部门联络员 {user['name']}（{mask_phone(user['phone'])}）"
            store.record_audit(g.user, "新建部门联络员", target=label,
                               after=wstore.get_department(user["scope"])["name"])
            flash(f"已创建{label}。请把初始密码当面告知本人，并提醒其登录后修改。", "success")
            return redirect(url_for(".liaisons"))
    return render_template("whistles/liaisons.html", form=form,
                           rows=store.list_admins("dept_liaison"), **labels())
