"""The street admin's 小巷管家 pages: the street's lanes (add, rename), its 小巷管家
(appoint a registered member or volunteer by phone, change their lanes, revoke), and the
month's patrol figures per steward and per lane.

Street admins only, each for their own street; every change is audited (the street's
audit log). An appointment of another role or street is a 404 here.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.patrols import LaneForm, StewardForm, StewardLanesForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import store

bp = Blueprint(
    "patrols_admin", __name__, template_folder="templates", url_prefix="/portal/admin/lanes"
)
_admin.admins_only(bp, roles=("street_admin",))

ROLE = "lane_steward"
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _sid() -> str:
    return g.user["scope"]


def _audit(action: str, target: str, before=None, after=None) -> None:
    store.record_audit(g.user, action, street_id=_sid(), target=target, before=before, after=after)


def _lane_or_404(lid: str) -> dict:
    try:
        return store.get_lane(_sid(), lid)
    except store.NotFound:
        abort(404)


def _steward_or_404(aid: str) -> dict:
    """An active 小巷管家 appointment of my street."""
    for row in store.list_appointments("street", _sid()):
        if row["id"] == aid and row["role"] == ROLE:
            return row
    abort(404)


def _lane_choices() -> list[tuple[str, str]]:
    return [(lane["id"], lane["name"]) for lane in store.list_lanes(_sid())]


def _lane_names(ids) -> str:
    names = {lane["id"]: lane["name"] for lane in store.list_lanes(_sid())}
    return "、".join(names.get(i, i) for i in ids)


def _person(uid: str) -> str:
    try:
        return store.get_user(uid)["name"]
    except store.NotFound:
        return store.DELETED_NAME


# ---------------------------------------------------------------- the page


@bp.route("/")
def index():
    """The street's lanes and who looks after each, its 小巷管家, and the forms."""
    sid = _sid()
    lanes = store.list_lanes(sid)
    stewards = [a for a in store.list_appointments("street", sid) if a["role"] == ROLE]
    people = store.users_by_ids(a["uid"] for a in stewards)
    by_lane: dict[str, list[str]] = {lane["id"]: [] for lane in lanes}
    for row in stewards:
        for lid in row["targets"]:
            by_lane.setdefault(lid, []).append(row["uid"])
    steward_form = StewardForm(formdata=None)
    steward_form.lanes.choices = _lane_choices()
    steward_form.lanes.id = "steward-lanes"  # the checkboxes' ids: one set per form on the page
    lanes_forms = {}
    for row in stewards:
        form = StewardLanesForm(formdata=None)
        form.lanes.choices = _lane_choices()
        form.lanes.data = list(row["targets"])
        form.lanes.id = f"lanes-{row['id']}"
        lanes_forms[row["id"]] = form
    return render_template(
        "patrols_admin/index.html",
        street=store.get_street(sid),
        lanes=lanes,
        by_lane=by_lane,
        stewards=stewards,
        people=people,
        lane_form=LaneForm(formdata=None),
        steward_form=steward_form,
        lanes_forms=lanes_forms,
        lane_names={lane["id"]: lane["name"] for lane in lanes},
        action=ActionForm(),
    )


# ---------------------------------------------------------------- lanes


@bp.route("/add", methods=["POST"])
def add_lane():
    """Add a lane of the street."""

    def done(lane):
        _audit("新增街巷", f"街巷 {lane['name']}", None, lane["name"])
        flash(f"已新增街巷“{lane['name']}”。", "success")

    form = LaneForm()
    _admin.form_action(form, lambda f: store.add_lane(_sid(), f.name.data, by=g.user["uid"]), done)
    return redirect(url_for(".index"))


@bp.route("/<lid>/rename", methods=["POST"])
def rename_lane(lid: str):
    """Rename a lane (the old names are kept with it)."""
    lane = _lane_or_404(lid)

    def done(renamed):
        _audit("街巷改名", f"街巷 {renamed['name']}", lane["name"], renamed["name"])
        flash(f"已将“{lane['name']}”改名为“{renamed['name']}”。", "success")

    form = LaneForm()
    _admin.form_action(
        form, lambda f: store.rename_lane(_sid(), lid, f.name.data, g.user["uid"]), done
    )
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- stewards


@bp.route("/stewards", methods=["POST"])
def appoint():
    """Appoint a registered member or volunteer (found by phone) 小巷管家 of some lanes."""
    form = StewardForm()
    form.lanes.choices = _lane_choices()

    def run(f):
        user = store.find_user_by_phone(f.phone.data)
        if user is None:
            raise store.StoreError("没有找到使用这个手机号注册的账号，请先请本人在平台注册。")
        return store.appoint("street", _sid(), user["uid"], ROLE, f.lanes.data, g.user["uid"])

    def done(row):
        name = _person(row["uid"])
        _audit("任命小巷管家", f"小巷管家 {name}", None, _lane_names(row["targets"]))
        flash(f"已任命{name}为小巷管家，负责：{_lane_names(row['targets'])}。", "success")

    _admin.form_action(form, run, done)
    return redirect(url_for(".index"))


@bp.route("/stewards/<aid>/lanes", methods=["POST"])
def change_steward(aid: str):
    """Change the lanes a 小巷管家 looks after."""
    row = _steward_or_404(aid)
    form = StewardLanesForm()
    form.lanes.choices = _lane_choices()

    def done(changed):
        name = _person(row["uid"])
        before, after = _lane_names(row["targets"]), _lane_names(changed["targets"])
        _audit("调整小巷管家负责街巷", f"小巷管家 {name}", before, after)
        flash(f"已调整{name}负责的街巷：{after}。", "success")

    _admin.form_action(
        form,
        lambda f: store.change_appointment("street", _sid(), aid, f.lanes.data, g.user["uid"]),
        done,
    )
    return redirect(url_for(".index"))


@bp.route("/stewards/<aid>/revoke", methods=["POST"])
def revoke_steward(aid: str):
    """Revoke a 小巷管家 (the appointment is kept, marked revoked)."""
    row = _steward_or_404(aid)

    def done(_revoked):
        name = _person(row["uid"])
        _audit("撤销小巷管家", f"小巷管家 {name}", _lane_names(row["targets"]), None)
        flash(f"已撤销{name}的小巷管家任命。", "success")

    _admin.form_action(
        ActionForm(),
        lambda _f: store.revoke_appointment("street", _sid(), aid, g.user["uid"]),
        done,
    )
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- figures


@bp.route("/figures")
def figures():
    """A month's patrols, findings and findings turned into needs, per steward and lane."""
    sid = _sid()
    current = store.now().strftime("%Y-%m")
    month = request.args.get("month", "") or current
    if not _MONTH_RE.match(month):
        flash("月份格式不对，已显示本月。", "error")
        month = current
    stats = store.patrol_stats(sid, month)
    months = sorted(set(store.patrol_months(sid)) | {current}, reverse=True)
    return render_template(
        "patrols_admin/figures.html",
        street=store.get_street(sid),
        month=month,
        months=months,
        stats=stats,
        people=store.users_by_ids(r["uid"] for r in stats["stewards"]),
    )
