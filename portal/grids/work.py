"""The grid worker's page (``/portal/grid/``): the needs of the grids they are appointed to
(网格员 or 网格长), to close in the grid or pass up to the community (小事不出网格).

Only someone holding such an appointment gets in; a need of another grid or community is
404. The community and grids come from the appointment, never from the form.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm

from .. import auth, store

bp = Blueprint("grid_work", __name__, template_folder="templates", url_prefix="/portal/grid")
GRID_ROLES = ("grid_worker", "grid_leader")


def _mine() -> dict[str, set[str]]:
    """community id -> the grid ids this person is appointed to."""
    grids: dict[str, set[str]] = {}
    for row in store.appointments_of(g.user["uid"]):
        if row["role"] in GRID_ROLES and row["scope"] == "community":
            grids.setdefault(row["scope_id"], set()).update(row["targets"])
    return grids


@bp.app_template_global("appointed_roles")
def appointed_roles() -> set[str]:
    """The roles the signed-in member or volunteer is appointed to now (for the links of
    the member home); read once per request."""
    user = g.get("user")
    if not user or user["role"] not in ("member", "volunteer"):
        return set()
    if "appointed_roles" not in g:
        roles = {row["role"] for row in store.appointments_of(user["uid"])}
        if store.units_of_contact(user["uid"]):
            roles.add("unit_contact")  # 驻区单位的联系人
        g.appointed_roles = roles
    return g.appointed_roles


@bp.before_request
@auth.login_required
def _gate():
    if not _mine():
        abort(403)


def _need_or_404(cid: str, nid: str) -> dict:
    grids = _mine().get(cid)
    if not grids:
        abort(404)
    need = store.get_need(cid, nid)
    if need.get("grid_id") not in grids:
        abort(404)
    return need


@bp.route("/")
def index():
    rows = []
    for cid, grid_ids in sorted(_mine().items()):
        community = store.get_community(cid)
        index = store.grid_structure(cid)
        needs = store.grid_needs(cid, grid_ids)
        rows.append(
            {
                "community": community,
                "grids": [index["grid"][gid] for gid in sorted(grid_ids) if gid in index["grid"]],
                "open": [n for n in needs if n["status"] != "已办结" and n.get("level") == "grid"],
                "passed": [
                    n for n in needs if n["status"] != "已办结" and n.get("level") != "grid"
                ],
                "closed": [n for n in needs if n["status"] == "已办结"][:20],
            }
        )
    return render_template("grid_work/index.html", rows=rows, action=ActionForm())


def _act(cid: str, nid: str, run, message: str):
    _need_or_404(cid, nid)
    form = ActionForm()
    text = (request.form.get("note") or "").strip()
    if form.validate_on_submit():
        try:
            run(text)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash(message, "success")
    else:
        flash("页面已过期，请刷新后重试。", "error")
    return redirect(url_for(".index"))


@bp.route("/c/<cid>/needs/<nid>/close", methods=["POST"])
def close(cid: str, nid: str):
    """Closed in the grid, with what was done."""
    return _act(
        cid,
        nid,
        lambda note: store.close_need_in_grid(cid, nid, g.user["uid"], note, appointed=True),
        "已在网格内办结，居民可以通过状态链接评价。",
    )


@bp.route("/c/<cid>/needs/<nid>/pass-up", methods=["POST"])
def pass_up(cid: str, nid: str):
    """The grid cannot solve it: to the community, with the reason."""
    return _act(
        cid,
        nid,
        lambda note: store.pass_need_up(cid, nid, g.user["uid"], note, appointed=True),
        "已转交社区处理。",
    )
