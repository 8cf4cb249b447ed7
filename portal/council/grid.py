"""The grid's own 议事会 (``/portal/council/grid/…``): a 网格员 or 网格长 schedules meetings
of the 网格议事厅 of their grid and of the 小院议事厅 of its 楼门院, shows the sign-in QR
code and keeps the minutes. Votes, merging and declining stay with the community admin.

Only a member or volunteer appointed 网格员 or 网格长 gets in (anybody else: 403); the
halls come from the appointment, never from the form: another grid's meeting is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, url_for

from .. import auth, store
from . import meetings

bp = Blueprint(
    "council_grid", __name__, template_folder="templates", url_prefix="/portal/council/grid"
)
ROLES = ("grid_worker", "grid_leader")


def grid_halls(cid: str, uid: str) -> list[dict]:
    """The halls of the community whose grid the person serves as 网格员 or 网格长."""
    grids = {
        gid
        for a in store.appointments_of(uid)
        if a["role"] in ROLES and a["scope_id"] == cid
        for gid in a["targets"]
    }
    return [h for h in store.council_halls(cid) if h["grid_id"] in grids]


@bp.before_request
@auth.roles_required("member", "volunteer")
def _gate():
    if not any(a["role"] in ROLES for a in store.appointments_of(g.user["uid"])):
        abort(403)


def _halls_or_404(cid: str) -> tuple[dict, list[dict]]:
    community = store.get_community(cid)
    halls = grid_halls(cid, g.user["uid"])
    if not halls:
        abort(404)
    return community, halls


def _home(cid: str) -> str:
    return url_for(".index", cid=cid)


@bp.route("/c/<cid>/")
def index(cid: str):
    """The grid's halls and their meetings."""
    community, halls = _halls_or_404(cid)
    ids = {h["id"] for h in halls}
    return render_template(
        "council/grid.html",
        community=community,
        halls=halls,
        meetings=[m for m in store.list_meetings(cid) if m["hall"] in ids],
    )


@bp.route("/c/<cid>/meetings/new", methods=["GET", "POST"])
def new_meeting(cid: str):
    community, halls = _halls_or_404(cid)
    return meetings.schedule(community, halls, ".meeting", _home(cid))


@bp.route("/c/<cid>/m/<mid>")
def meeting(cid: str, mid: str):
    community, halls = _halls_or_404(cid)
    item = meetings.meeting_of(cid, mid, halls)
    return meetings.show(community, item, "council_grid", _home(cid))


@bp.route("/c/<cid>/m/<mid>/qr.svg")
def meeting_qr(cid: str, mid: str):
    _community, halls = _halls_or_404(cid)
    return meetings.qr(cid, meetings.meeting_of(cid, mid, halls))


@bp.route("/c/<cid>/m/<mid>/minutes", methods=["POST"])
def minutes(cid: str, mid: str):
    community, halls = _halls_or_404(cid)
    return meetings.minutes(community, meetings.meeting_of(cid, mid, halls), ".meeting")
