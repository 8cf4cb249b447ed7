"""The street and district admins' 驻区单位 pages (``/portal/admin/units``): the units in
scope, registering one, and each unit's contact (appoint by phone, revoke).

A street admin sees and manages the street-level units of their own street; the district
admin every unit. Any other unit is a 404. Every change is audited (the unit's street,
or the district's log for a district-level unit).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm
from forms.units import ContactForm, UnitForm

from .. import admin as _admin
from .. import store

bp = Blueprint(
    "units_admin", __name__, template_folder="templates", url_prefix="/portal/admin/units"
)
_admin.admins_only(bp, roles=("street_admin", "district_admin"))

PER_PAGE = 50


def _district() -> bool:
    return g.user["role"] == "district_admin"


def _unit_or_404(unit_id: str) -> dict:
    """A unit the admin manages: any for the district, their street's for a street admin."""
    try:
        unit = store.get_unit(unit_id)
    except store.NotFound:
        abort(404)
    if not _district() and (unit["level"] != "street" or unit["street_id"] != g.user["scope"]):
        abort(404)
    return unit


def _audit(unit: dict, action: str, before=None, after=None) -> None:
    store.record_audit(
        g.user,
        action,
        street_id=unit["street_id"],
        target=f"驻区单位 {unit['name']}",
        before=before,
        after=after,
    )


def _name(uid: str) -> str:
    return store.users_by_ids([uid]).get(uid, {}).get("name") or store.DELETED_NAME


def _street_names() -> dict[str, str]:
    return {s["id"]: s["name"] for s in store.list_streets()}


def _page_number(pages: int) -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), pages)


@bp.route("/")
def index():
    """The units in scope with their contact; the district admin may narrow by street."""
    shown = ""
    if _district():
        shown = request.args.get("scope", "")
        if shown == "district":
            units = store.list_units(level="district")
        elif shown in _street_names():
            units = store.list_units(street_id=shown, level="street")
        else:
            shown, units = "", store.list_units()
    else:
        units = store.list_units(street_id=g.user["scope"], level="street")
    pages = max(1, -(-len(units) // PER_PAGE))
    page = _page_number(pages)
    rows = units[(page - 1) * PER_PAGE : page * PER_PAGE]
    contacts = {u["id"]: store.unit_contact(u["id"]) for u in rows}
    people = store.users_by_ids(c["uid"] for c in contacts.values() if c)
    return render_template(
        "units_admin/index.html",
        rows=rows,
        total=len(units),
        page=page,
        pages=pages,
        contacts=contacts,
        people=people,
        streets=_street_names(),
        shown=shown,
        levels=store.UNIT_LEVELS,
        street=None if _district() else store.get_street(g.user["scope"]),
    )


def _unit_form() -> UnitForm:
    form = UnitForm()
    if _district():
        form.level.choices = list(store.UNIT_LEVELS.items())
        form.street_id.choices = [("", "请选择街道")] + list(_street_names().items())
    else:
        form.level.choices = [("street", store.UNIT_LEVELS["street"])]
        street = store.get_street(g.user["scope"])
        form.street_id.choices = [(street["id"], street["name"])]
    if request.method == "GET":
        form.level.data = "street"
        if not _district():
            form.street_id.data = g.user["scope"]
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register a unit: a street admin at street level for their street, the district
    admin at either level."""
    form = _unit_form()
    if form.validate_on_submit():
        try:
            unit = store.register_unit(
                name=form.name.data,
                level=form.level.data,
                street_id=form.street_id.data if form.level.data == "street" else None,
                description=form.description.data or "",
                phone=form.phone.data,
                by=g.user["uid"],
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            _audit(unit, "登记驻区单位", None, store.UNIT_LEVELS[unit["level"]])
            flash(f"已登记驻区单位“{unit['name']}”。下一步：任命单位联系人。", "success")
            return redirect(url_for(".unit", unit_id=unit["id"]))
    return render_template("units_admin/new.html", form=form)


@bp.route("/<unit_id>")
def unit(unit_id: str):
    """One unit: its contact (and earlier ones), what it did, how many members chose it."""
    found = _unit_or_404(unit_id)
    history = store.unit_contact_history(unit_id)
    people = store.users_by_ids(c["uid"] for c in history)
    return render_template(
        "units_admin/unit.html",
        unit=found,
        contact=store.unit_contact(unit_id),
        history=history,
        people=people,
        activity=store.unit_activity(unit_id),
        communities=store.community_index(),
        streets=_street_names(),
        levels=store.UNIT_LEVELS,
        form=ContactForm(formdata=None),
        action=ActionForm(),
    )


@bp.route("/<unit_id>/contact", methods=["POST"])
def appoint(unit_id: str):
    """Appoint the unit's contact: a registered member or volunteer, found by phone."""
    found = _unit_or_404(unit_id)

    def run(f):
        person = store.find_user_by_phone(f.phone.data)
        if person is None:
            raise store.StoreError("没有找到使用这个手机号注册的账号，请先请本人在平台注册。")
        return store.appoint_unit_contact(unit_id, person["uid"], g.user["uid"])

    def done(row):
        name = _name(row["uid"])
        _audit(found, "任命驻区单位联系人", None, name)
        flash(f"已任命{name}为“{found['name']}”的联系人。", "success")

    _admin.form_action(ContactForm(), run, done)
    return redirect(url_for(".unit", unit_id=unit_id))


@bp.route("/<unit_id>/contact/revoke", methods=["POST"])
def revoke(unit_id: str):
    """Revoke the unit's contact (kept, marked revoked); their access ends at once."""
    found = _unit_or_404(unit_id)

    def done(row):
        name = _name(row["uid"])
        _audit(found, "撤销驻区单位联系人", name, None)
        flash(f"已撤销{name}的单位联系人任命。", "success")

    _admin.form_action(
        ActionForm(), lambda _f: store.revoke_unit_contact(unit_id, g.user["uid"]), done
    )
    return redirect(url_for(".unit", unit_id=unit_id))
