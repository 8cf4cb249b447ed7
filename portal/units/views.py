"""The unit's page (``/portal/unit/``), for its contact only: pledge a resource, join a
project, take on a need, see the members' confirmed hours and open the quarterly letter.

Only a member or volunteer who is the active contact of a unit gets in (anybody else:
403); another unit, or a community the unit does not serve, is a 404. The unit's actions
go to the community's (or street's) audit log. Residents' names and phones of needs are
never shown here; members appear only when they chose the unit on their profile.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm
from forms.units import PledgeForm

from .. import admin as _admin
from .. import auth, store

bp = Blueprint("unit", __name__, template_folder="templates", url_prefix="/portal/unit")

NEEDS_SHOWN = 50
DONE = store.NEED_STATUSES[-1]  # 已办结
ACTIVE_PROJECT = "进行中"


@bp.before_request
@auth.roles_required("member", "volunteer")
def _gate():
    """Only the contact of a unit gets past here; their units are kept for the views."""
    g.units = store.units_of_contact(g.user["uid"])
    if not g.units:
        abort(403)


def _unit_or_404(unit_id: str) -> dict:
    for unit in g.units:
        if unit["id"] == unit_id:
            return unit
    abort(404)


def _community_or_404(unit_id: str, cid: str) -> dict:
    for community in store.unit_communities(unit_id):
        if community["id"] == cid:
            return community
    abort(404)


def _target_label(level: str, name: str) -> str:
    if level == "community":
        return f"{name}（社区资源清单）"
    if level == "street":
        return f"{name}（街道级资源清单）"
    return f"{name}（区级资源清单）"


def _pledge_form(unit_id: str, submitted: bool = True) -> PledgeForm:
    form = PledgeForm() if submitted else PledgeForm(formdata=None)
    form.target.choices = [
        (f"{level}:{scope}", _target_label(level, name))
        for level, scope, name in store.unit_pledge_targets(unit_id)
    ]
    form.kind.choices = [("", "请选择资源类型")] + list(store.RESOURCE_KINDS.items())
    return form


def _back(unit_id: str, cid: str | None = None):
    return redirect(
        url_for(".page", unit_id=unit_id, c=cid) if cid else url_for(".page", unit_id=unit_id)
    )


def _audit(action: str, target: str, community: dict | None, street_id=None, after=None):
    store.record_audit(
        g.user,
        action,
        community_id=community["id"] if community else None,
        street_id=community["street_id"] if community else street_id,
        target=target,
        after=after,
    )


def _quarters(current: str, count: int = 6) -> list[str]:
    year, q = int(current[:4]), int(current[-1])
    out = []
    for _ in range(count):
        out.append(f"{year}-Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


@bp.route("/")
def index():
    """The contact's unit (straight to its page), or the units they are contact of."""
    if len(g.units) == 1:
        return redirect(url_for(".page", unit_id=g.units[0]["id"]))
    return render_template("unit/index.html", units=g.units, levels=store.UNIT_LEVELS)


@bp.route("/<unit_id>/")
def page(unit_id: str):
    """The unit's page: what it did, a community's projects and open needs, the pledge
    form, and the confirmed hours of its members."""
    unit = _unit_or_404(unit_id)
    communities = store.unit_communities(unit_id)
    cid = request.args.get("c") or (communities[0]["id"] if communities else None)
    community = _community_or_404(unit_id, cid) if cid else None
    projects, needs = [], []
    if community:
        projects = store.list_projects(community["id"], status=ACTIVE_PROJECT)
        needs = [n for n in store.list_needs(community["id"]) if n["status"] != DONE]
    hours = store.unit_member_hours(unit_id)
    form = _pledge_form(unit_id, submitted=False)
    if community:
        form.target.data = f"community:{community['id']}"
    return render_template(
        "unit/page.html",
        unit=unit,
        communities=communities,
        community=community,
        projects=projects,
        needs=needs[:NEEDS_SHOWN],
        more_needs=max(0, len(needs) - NEEDS_SHOWN),
        activity=store.unit_activity(unit_id),
        community_names={c["id"]: c["name"] for c in store.list_communities()},
        street_names={s["id"]: s["name"] for s in store.list_streets()},
        hours=hours,
        form=form,
        kinds=store.RESOURCE_KINDS,
        urgencies=store.NEED_URGENCIES,
        levels=store.UNIT_LEVELS,
        action=ActionForm(),
    )


@bp.route("/<unit_id>/pledge", methods=["POST"])
def pledge(unit_id: str):
    """Offer a resource of the unit to a community's (or the street's, the district's) list."""
    unit = _unit_or_404(unit_id)
    form = _pledge_form(unit_id)
    level, _colon, scope = (form.target.data or "").partition(":")
    names = {f"{lv}:{sc}": name for lv, sc, name in store.unit_pledge_targets(unit_id)}

    def run(f):
        return store.unit_pledge_resource(
            unit_id,
            g.user["uid"],
            level=level,
            scope=scope,
            name=f.name.data,
            kind=f.kind.data,
            description=f.description.data or "",
            availability=f.availability.data or "",
        )

    def done(resource):
        where = names.get(form.target.data, "")
        community = store.get_community(scope) if level == "community" else None
        street = scope if level == "street" else None
        _audit("驻区单位提供资源", f"资源 {resource['name']}", community, street, unit["name"])
        flash(f"已把“{resource['name']}”提供给{where}的资源清单。", "success")

    _admin.form_action(form, run, done)
    return _back(unit_id, scope if level == "community" else None)


@bp.route("/<unit_id>/projects/<cid>/<prid>/join", methods=["POST"])
def join(unit_id: str, cid: str, prid: str):
    """The unit joins an ongoing project of a community it serves."""
    unit = _unit_or_404(unit_id)
    community = _community_or_404(unit_id, cid)
    project = store.get_project(cid, prid)  # NotFound: 404

    def done(_project):
        _audit("驻区单位加入项目", f"项目 {project['name']}", community, after=unit["name"])
        flash(f"已加入{community['name']}的项目“{project['name']}”。", "success")

    _admin.form_action(
        ActionForm(),
        lambda _f: store.unit_join_project(unit_id, cid, prid, g.user["uid"]),
        done,
    )
    return _back(unit_id, cid)


@bp.route("/<unit_id>/needs/<cid>/<nid>/take", methods=["POST"])
def take(unit_id: str, cid: str, nid: str):
    """The unit takes on an open need of a community it serves."""
    unit = _unit_or_404(unit_id)
    community = _community_or_404(unit_id, cid)
    store.get_need(cid, nid)  # NotFound: 404

    def done(need):
        _audit("驻区单位认领需求", f"需求 {need['id']}", community, after=unit["name"])
        flash(f"已认领{community['name']}的这条需求，请与社区联系落实。", "success")

    _admin.form_action(
        ActionForm(),
        lambda _f: store.unit_take_need(unit_id, cid, nid, g.user["uid"]),
        done,
    )
    return _back(unit_id, cid)


@bp.route("/<unit_id>/letter")
def letter(unit_id: str):
    """The quarterly letter to the unit: each reported-in member's confirmed service of
    the quarter, as the community's letter has it, ready to print."""
    unit = _unit_or_404(unit_id)
    current = store.quarter_of(store.now().date())
    quarter = request.args.get("q") or current
    first, last = store.quarter_range(quarter)  # NotFound (404) for a malformed quarter
    return render_template(
        "unit/letter.html",
        unit=unit,
        quarter=quarter,
        quarters=_quarters(current),
        first=first,
        last=last,
        rows=store.unit_quarter_letter(unit_id, quarter),
        today=store.now().date(),
    )
