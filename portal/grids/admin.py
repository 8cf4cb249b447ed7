"""The community admin's pages of 网格 and 楼门院 (``/portal/admin/c/<cid>/grids``).

The tree (grids → buildings, with the members placed at each node and the members not yet
in a grid), adding, editing and deleting grids and buildings, placing a member, and the
appointed roles of the community. The community comes from the URL; another community's
ids are 404; every change is audited.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from forms.grids import AppointForm, BuildingForm, GridForm, PlaceForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import auth, store

bp = _admin.community_blueprint("grids_admin", __name__, under="/grids")


def _place_choices(cid: str) -> list[tuple[str, str]]:
    index = store.grid_structure(cid)
    choices = [("", "未分配网格")]
    for grid in index["grids"]:
        choices.append((f"g:{grid['id']}", f"{grid['name']}（整个网格）"))
        for building in index["buildings"]:
            if building["grid_id"] == grid["id"]:
                choices.append((f"b:{building['id']}", f"{grid['name']} · {building['name']}"))
    return choices


def place_form(cid: str, report: dict | None = None) -> PlaceForm:
    """The form that places a member (also used on the report-in queue)."""
    current = ""
    if report and report.get("building_id"):
        current = f"b:{report['building_id']}"
    elif report and report.get("grid_id"):
        current = f"g:{report['grid_id']}"
    form = PlaceForm(data={"place": current})
    form.place.choices = _place_choices(cid)
    return form


def parse_place(value: str) -> tuple[str | None, str | None]:
    """``g:<id>`` / ``b:<id>`` / "" → (grid_id, building_id)."""
    kind, _colon, oid = (value or "").partition(":")
    return (
        (oid or None, None) if kind == "g" else (None, oid or None) if kind == "b" else (None, None)
    )


def _building_form(data=None, submitted: bool = True) -> BuildingForm:
    form = BuildingForm(data=data) if submitted else BuildingForm(formdata=None)
    form.kind.choices = list(store.BUILDING_KINDS.items())
    return form


def _appoint_form(cid: str) -> AppointForm:
    form = AppointForm()
    form.role.choices = list(store.APPOINTED_COMMUNITY_ROLES.items())
    index = store.grid_structure(cid)
    form.targets.choices = [(g_["id"], g_["name"]) for g_ in index["grids"]] + [
        (b["id"], store.building_label(cid, b["id"])) for b in index["buildings"]
    ]
    return form


# Rendered trees by (backend, community, versions, script root), kept as UTF-8: a
# community has hundreds of buildings (~55 000 characters of Chinese, whose encoding alone
# costs more than the rest of the page), and the tree only changes when its structure or
# its members' places do.
_TREES: dict[tuple, bytes] = {}
_TREES_KEPT = 400
# Where the page template leaves the tree; a comment no escaped text can contain.
_TREE_MARK = "<!-- grid-tree -->"


def _tree_bytes(community: dict) -> bytes:
    cid = community["id"]
    key = (id(store.current_backend()), cid, store.grid_tree_version(cid), request.script_root)
    encoded = _TREES.get(key)
    if encoded is None:
        tree = store.grid_tree(cid)
        encoded = render_template(
            "grids_admin/_tree.html", community=community, tree=tree, kinds=store.BUILDING_KINDS
        ).encode()
        if len(_TREES) >= _TREES_KEPT:
            _TREES.clear()
        _TREES[key] = encoded
    return encoded


# The page's head, navigation and form links by (script root, community, its name, whether
# the reader is its own admin): the same for every request of one such reader, and ~17
# url_for calls and three macro imports a request otherwise.
_FRAMES: dict[tuple, dict] = {}
_FRAMES_KEPT = 400


def _frame(community: dict) -> dict:
    """{"head": the rendered head and navigation, "add_grid": URL, "place": URL pattern
    with ``__rid__`` for the report-in id}."""
    own = g.user["role"] == "community_admin"  # admin_head links 管理 for the others
    key = (request.script_root, community["id"], community["name"], own)
    frame = _FRAMES.get(key)
    if frame is None:
        cid = community["id"]
        frame = {
            "head": Markup(render_template("grids_admin/_head.html", community=community)),
            "add_grid": url_for(".add_grid", cid=cid),
            "place": url_for(".place", cid=cid, rid="__rid__"),
        }
        if len(_FRAMES) >= _FRAMES_KEPT:
            _FRAMES.clear()
        _FRAMES[key] = frame
    return frame


@bp.route("/")
def index(cid: str):
    """The party tree: 社区党组织 → 网格党支部 → 楼门院党小组, with members at each node."""
    community = auth.admin_community_or_404(cid)
    coverage = store.grid_coverage(cid)
    names = store.users_by_ids([r["uid"] for r in coverage["unplaced"]])
    unplaced = [
        {"report": r, "user": names.get(r["uid"]), "form": place_form(cid, r)}
        for r in coverage["unplaced"]
    ]
    month = store.now().strftime("%Y-%m")
    page = render_template(
        "grids_admin/index.html",
        community=community,
        coverage=coverage,
        frame=_frame(community),
        tree_html=Markup(_TREE_MARK),
        unplaced=unplaced,
        month=month,
        routing=store.grid_routing_figures(community, month),
    )
    # The page around the tree is encoded here; the tree was encoded when it was kept.
    before, _mark, after = page.partition(_TREE_MARK)
    return b"".join((before.encode(), _tree_bytes(community), after.encode()))


@bp.route("/new", methods=["POST"])
def add_grid(cid: str):
    community = auth.admin_community_or_404(cid)
    form = GridForm()

    def run(f):
        return store.add_grid(cid, f.number.data, f.name.data, f.secretary.data, g.user["uid"])

    def done(grid):
        _admin.audit(community, "新增网格", f"网格 {grid['id']}", None, grid["name"])
        flash(f"已新增{grid['name']}。", "success")

    _admin.form_action(form, run, done)
    return redirect(url_for(".index", cid=cid))


@bp.route("/<gid>/edit", methods=["GET", "POST"])
def edit_grid(cid: str, gid: str):
    community = auth.admin_community_or_404(cid)
    grid = store.get_grid(cid, gid)
    # The stored values on the first view; what was typed when the form comes back.
    form = GridForm(data=grid if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            after = store.update_grid(
                cid, gid, form.number.data, form.name.data, form.secretary.data, g.user["uid"]
            )
        except store.StoreError as exc:
            form.number.errors.append(str(exc))
        else:
            _admin.audit(community, "修改网格", f"网格 {gid}", grid["name"], after["name"])
            flash("网格已保存。", "success")
            return redirect(url_for(".index", cid=cid))
    return render_template(
        "grids_admin/grid_form.html",
        community=community,
        grid=grid,
        form=form,
        building_form=_building_form(submitted=False),
        action=ActionForm(),
    )


@bp.route("/<gid>/delete", methods=["POST"])
def delete_grid(cid: str, gid: str):
    community = auth.admin_community_or_404(cid)
    store.get_grid(cid, gid)

    def done(grid):
        _admin.audit(community, "删除网格", f"网格 {gid}", grid["name"], None)
        flash(f"已删除{grid['name']}。", "success")

    _admin.form_action(ActionForm(), lambda _f: store.delete_grid(cid, gid), done)
    return redirect(url_for(".index", cid=cid))


@bp.route("/<gid>/buildings/new", methods=["POST"])
def add_building(cid: str, gid: str):
    community = auth.admin_community_or_404(cid)
    store.get_grid(cid, gid)
    form = _building_form()

    def run(f):
        return store.add_building(
            cid, gid, f.kind.data, f.name.data, f.households.data, f.leader.data, g.user["uid"]
        )

    def done(building):
        _admin.audit(community, "新增楼门院", f"楼门院 {building['id']}", None, building["name"])
        flash(f"已新增{building['name']}。", "success")

    _admin.form_action(form, run, done)
    return redirect(url_for(".index", cid=cid))


@bp.route("/buildings/<bid>/edit", methods=["GET", "POST"])
def edit_building(cid: str, bid: str):
    community = auth.admin_community_or_404(cid)
    building = store.get_building(cid, bid)
    data = (
        None
        if request.method != "GET"
        else dict(
            building,
            households="" if building["households"] is None else str(building["households"]),
        )
    )
    form = _building_form(data)
    if form.validate_on_submit():
        try:
            after = store.update_building(
                cid,
                bid,
                form.kind.data,
                form.name.data,
                form.households.data,
                form.leader.data,
                g.user["uid"],
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            _admin.audit(community, "修改楼门院", f"楼门院 {bid}", building["name"], after["name"])
            flash("楼门院已保存。", "success")
            return redirect(url_for(".index", cid=cid))
    return render_template(
        "grids_admin/building_form.html", community=community, building=building, form=form
    )


@bp.route("/buildings/<bid>/delete", methods=["POST"])
def delete_building(cid: str, bid: str):
    community = auth.admin_community_or_404(cid)
    store.get_building(cid, bid)

    def done(building):
        _admin.audit(community, "删除楼门院", f"楼门院 {bid}", building["name"], None)
        flash(f"已删除{building['name']}。", "success")

    _admin.form_action(ActionForm(), lambda _f: store.delete_building(cid, bid), done)
    return redirect(url_for(".index", cid=cid))


@bp.route("/place/<rid>", methods=["POST"])
def place(cid: str, rid: str):
    """Put a reported-in member into a grid or building (or take them out)."""
    community = auth.admin_community_or_404(cid)
    report = store.get_report_in(cid, rid)
    form = place_form(cid, report)

    def run(f):
        grid_id, building_id = parse_place(f.place.data)
        return store.place_member(cid, rid, grid_id, building_id, g.user["uid"])

    def done(after):
        label = store.building_label(cid, after["building_id"]) or (
            store.get_grid(cid, after["grid_id"])["name"] if after["grid_id"] else "未分配"
        )
        _admin.audit(community, "调整党员所在网格", f"报到 {rid}", None, label)
        flash(f"已调整到：{label}。", "success")

    _admin.form_action(form, run, done)
    return redirect(url_for(".index", cid=cid))


@bp.route("/roles", methods=["GET", "POST"])
def roles(cid: str):
    """The community's appointed roles: 网格员, 网格长, 楼门院长."""
    community = auth.admin_community_or_404(cid)
    form = _appoint_form(cid)
    if form.validate_on_submit():
        person = store.find_user_by_phone(form.phone.data)
        try:
            if person is None:
                raise store.StoreError("这个手机号还没有注册，请本人先注册为在职党员或志愿者。")
            row = store.appoint(
                "community", cid, person["uid"], form.role.data, form.targets.data, g.user["uid"]
            )
        except store.StoreError as exc:
            form.phone.errors.append(str(exc))
        else:
            role = store.APPOINTMENT_ROLE_NAMES[row["role"]]
            _admin.audit(
                community, "任命", f"{role} {person['name']}", None, ", ".join(row["targets"])
            )
            flash(f"已任命{person['name']}为{role}。", "success")
            return redirect(url_for(".roles", cid=cid))
    rows = store.list_appointments("community", cid)
    people = store.users_by_ids([r["uid"] for r in rows])
    index = store.grid_structure(cid)
    labels = {gid: grid["name"] for gid, grid in index["grid"].items()}
    labels |= {bid: store.building_label(cid, bid) for bid in index["building"]}
    return render_template(
        "grids_admin/roles.html",
        community=community,
        form=form,
        rows=rows,
        people=people,
        labels=labels,
        role_names=store.APPOINTMENT_ROLE_NAMES,
        action=ActionForm(),
    )


@bp.route("/roles/<aid>/revoke", methods=["POST"])
def revoke(cid: str, aid: str):
    community = auth.admin_community_or_404(cid)

    def done(row):
        role = store.APPOINTMENT_ROLE_NAMES[row["role"]]
        _admin.audit(community, "撤销任命", f"{role} {row['uid']}", "在任", "已撤销")
        flash(f"已撤销这项{role}任命。", "success")

    _admin.form_action(
        ActionForm(),
        lambda _f: store.revoke_appointment("community", cid, aid, g.user["uid"]),
        done,
    )
    return redirect(url_for(".roles", cid=cid))
