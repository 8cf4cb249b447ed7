"""小巷管家's patrol log, on the phone: my lanes, start a patrol, record findings (with one
photo), end it, and turn a finding into a need of a community of the street.

Members and volunteers only, and of them only those appointed 小巷管家 now; a steward sees
only their own patrols of lanes still theirs: anything else (another steward's patrol,
another street's, a lane taken from them) is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.patrols import FindingForm, FindingNeedForm, StartPatrolForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import auth, store, uploads
from ..security import csrf

bp = Blueprint("patrols", __name__, template_folder="templates", url_prefix="/portal/patrols")
PARTICIPANTS = ("member", "volunteer")


@bp.before_request
@auth.roles_required(*PARTICIPANTS)
def _gate():
    """Only members and volunteers get past here; each view checks the appointment."""


@bp.app_template_global("is_lane_steward")
def is_lane_steward() -> bool:
    """Whether the logged-in member or volunteer is a 小巷管家 now (for the member home's link)."""
    user = g.get("user")
    if not user or user["role"] not in PARTICIPANTS:
        return False
    return bool(store.steward_streets(user["uid"]))


# ---------------------------------------------------------------- scope


def _my_lanes(sid: str) -> list[dict]:
    """The lanes of the street that are mine now; 404 when none (or no such street)."""
    try:
        lanes = [store.get_lane(sid, lid) for lid in store.steward_lane_ids(sid, g.user["uid"])]
    except store.NotFound:
        abort(404)
    if not lanes:
        abort(404)
    return sorted(lanes, key=lambda lane: (lane["name"], lane["id"]))


def _patrol_or_404(sid: str, pid: str) -> dict:
    """My own patrol of a lane still mine, else 404."""
    try:
        return store.own_patrol(sid, pid, g.user["uid"])
    except store.NotFound:
        abort(404)


def _finding_or_404(patrol: dict, fid: str) -> dict:
    try:
        return store.get_patrol_finding(patrol, fid)
    except store.NotFound:
        abort(404)


def _start_form(lanes: list[dict]) -> StartPatrolForm:
    form = StartPatrolForm()
    form.lane.choices = [("", "请选择")] + [(lane["id"], lane["name"]) for lane in lanes]
    return form


def _finding_form(**kwargs) -> FindingForm:
    form = FindingForm(**kwargs)
    form.category.choices = [("", "请选择")] + [
        (c["id"], c["name"] + ("（示例）" if c["example"] else ""))
        for c in store.patrol_categories()
    ]
    return form


def _photo_limits() -> dict:
    """The photo field's limits: one photo per finding."""
    return dict(uploads.limits(), max_count=1)


def _labels() -> dict:
    return {
        "category_names": {c["id"]: c["name"] for c in store.patrol_categories()},
        "communities": store.community_index(),
        "need_statuses": store.NEED_STATUSES,
    }


def _need_of(finding: dict) -> dict | None:
    """The need a finding became, as it stands now (None if none, or gone)."""
    link = finding.get("need")
    if not link:
        return None
    try:
        return store.get_need(link["community_id"], link["need_id"])
    except store.NotFound:
        return None


# ---------------------------------------------------------------- my lanes


@bp.route("/")
def index():
    """My lanes, the patrol under way or a form to start one, and my patrols of the last
    two months."""
    uid = g.user["uid"]
    streets = store.steward_streets(uid)
    if not streets:
        abort(403)
    months = store.last_months(2)
    sections = []
    for sid in streets:
        lane_ids = store.steward_lane_ids(sid, uid)
        lanes = sorted(
            (store.get_lane(sid, lid) for lid in lane_ids), key=lambda lane: lane["name"]
        )
        patrols = [
            p
            for m in reversed(months)
            for p in store.list_patrols(sid, m, uid)
            if p["lane_id"] in lane_ids
        ]
        sections.append(
            {
                "street": store.get_street(sid),
                "lanes": lanes,
                "open": store.open_patrol(sid, uid),
                "patrols": patrols,
                "form": _start_form(lanes),
            }
        )
    return render_template("patrols/index.html", sections=sections)


@bp.route("/s/<sid>/start", methods=["POST"])
def start(sid: str):
    """Start a patrol of one of my lanes."""
    lanes = _my_lanes(sid)
    form = _start_form(lanes)
    if form.validate_on_submit():
        try:
            patrol = store.start_patrol(sid, form.lane.data, g.user["uid"])
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash(
                f"已开始巡查{patrol['lane_name']}。发现问题随时记录，巡查完请点“结束巡查”。",
                "success",
            )
            return redirect(url_for(".patrol", sid=sid, pid=patrol["id"]))
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- a patrol


def _patrol_page(sid: str, patrol: dict, form: FindingForm | None = None, status: int = 200):
    lane = store.get_lane(sid, patrol["lane_id"])
    findings = [(f, _need_of(f)) for f in patrol["findings"]]
    page = render_template(
        "patrols/patrol.html",
        sid=sid,
        patrol=patrol,
        lane=lane,
        findings=findings,
        form=form or _finding_form(formdata=None),
        action=ActionForm(),
        photo_limits=_photo_limits(),
        **_labels(),
    )
    return page, status


@bp.route("/s/<sid>/<pid>")
def patrol(sid: str, pid: str):
    """One of my patrols: its findings (and the needs they became), the form for the next
    finding while it is under way, and the end button."""
    return _patrol_page(sid, _patrol_or_404(sid, pid))


@bp.route("/s/<sid>/<pid>/findings", methods=["POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
def add_finding(sid: str, pid: str):
    """Record a finding, with one optional photo; a refusal brings the form back as typed."""
    patrol = _patrol_or_404(sid, pid)
    form = uploads.photo_form(_finding_form)  # reads the body, its files capped
    if patrol["ended_at"]:  # its page no longer shows the form: say so above it
        flash("这次巡查已经结束，不能再记录发现。", "error")
        return uploads.done(url_for(".patrol", sid=sid, pid=pid))
    status = 200
    if not uploads.accepted(form):
        status = uploads.status(form)
    else:
        photos: list[str] = []
        try:
            photos = uploads.save_photos(
                form,
                lambda f, label: store.save_patrol_photo(sid, f, label=label),
                lambda name: store.delete_patrol_photo(sid, name),
            )
            store.add_patrol_finding(
                sid,
                pid,
                g.user["uid"],
                category=form.category.data,
                note=form.note.data,
                place=form.place.data or "",
                photo=photos[0] if photos else None,
            )
        except store.StoreError as exc:
            for name in photos:
                store.delete_patrol_photo(sid, name)
            (form.photos if "照片" in str(exc) else form.note).errors.append(str(exc))
        else:
            flash("已记录这条发现。", "success")
            return uploads.done(url_for(".patrol", sid=sid, pid=pid) + "#findings")
    return _patrol_page(sid, patrol, form, status)


@bp.route("/s/<sid>/<pid>/end", methods=["POST"])
def end(sid: str, pid: str):
    """End the patrol under way."""
    _patrol_or_404(sid, pid)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            patrol = store.end_patrol(sid, pid, g.user["uid"])
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            count = len(patrol["findings"])
            flash(
                f"巡查已结束，共记录 {count} 条发现。"
                if count
                else "巡查已结束，本次没有发现问题。",
                "success",
            )
            return redirect(url_for(".index"))
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".patrol", sid=sid, pid=pid))


@bp.route("/s/<sid>/<pid>/findings/<fid>/photo")
def photo(sid: str, pid: str, fid: str):
    """The photo of one of my findings."""
    patrol = _patrol_or_404(sid, pid)
    try:
        data = store.patrol_photo(patrol, fid)
    except store.NotFound:
        abort(404)
    return uploads.photo_response(data)


# ---------------------------------------------------------------- a finding becomes a need


def _need_form(sid: str) -> FindingNeedForm:
    form = FindingNeedForm()
    # A community, or one of its grids: a need whose grid is known goes there first
    # (小事不出网格); the value is "<cid>" or "<cid>/<grid id>".
    choices = [("", "请选择")]
    for c in store.list_communities(sid):
        choices.append((c["id"], c["name"]))
        choices += [
            (f"{c['id']}/{grid['id']}", f"{c['name']} · {grid['name']}（先交网格处理）")
            for grid in store.grid_structure(c["id"])["grids"]
        ]
    form.community.choices = choices
    form.urgency.choices = list(store.NEED_URGENCIES.items())
    return form


@bp.route("/s/<sid>/<pid>/findings/<fid>/need", methods=["GET", "POST"])
def to_need(sid: str, pid: str, fid: str):
    """Turn a finding into a need of a community of the street, in one step."""
    patrol = _patrol_or_404(sid, pid)
    finding = _finding_or_404(patrol, fid)
    back = url_for(".patrol", sid=sid, pid=pid)
    if finding.get("need"):
        flash("这条发现已经转为需求了。", "info")
        return redirect(back)
    form = _need_form(sid)
    if request.method == "GET":
        place = f"（{finding['place']}）" if finding.get("place") else ""
        form.description.data = f"{finding['note']}{place}"
    if form.validate_on_submit():
        try:
            _finding, need = store.patrol_finding_to_need(
                sid,
                pid,
                fid,
                g.user["uid"],
                community_id=form.community.data.partition("/")[0],
                grid_id=form.community.data.partition("/")[2] or None,
                description=form.description.data,
                urgency=form.urgency.data,
            )
        except store.StoreError as exc:
            field = form.community if "社区" in str(exc) else form.description
            field.errors = [*field.errors, str(exc)]
        else:
            community = store.get_community(need["community_id"])
            flash(f"已转为{community['name']}的需求，社区会跟进处理。", "success")
            return redirect(back + "#findings")
    return render_template(
        "patrols/to_need.html",
        sid=sid,
        patrol=patrol,
        finding=finding,
        lane=store.get_lane(sid, patrol["lane_id"]),
        form=form,
        **_labels(),
    )
