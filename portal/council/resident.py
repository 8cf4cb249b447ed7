"""What a resident does in the 议事厅 (members and volunteers, logged in): record where
they live, propose, support, comment, vote (and change the vote), rate a finished
project, sign in at a meeting; a 楼门院长 confirms their building's residents and
proposes for a neighbour.

Scope is the store's (``council_in_scope``) and is checked here first: acting on a
matter of a hall one does not live in is a 404, as if the matter were not there.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from forms.council import (
    BallotForm,
    CommentForm,
    HomeForm,
    ProposalForm,
    RatingForm,
    SignInForm,
)

from forms.posts import ActionForm

from .. import auth, store, uploads
from .grid import grid_halls
from ..admin import flash_form_errors

bp = Blueprint("council_me", __name__, template_folder="templates", url_prefix="/portal/council")


@bp.before_request
@auth.roles_required("member", "volunteer")
def _gate():
    """Residents take part as members or volunteers; admins act on the staff pages."""


def _communities() -> list[dict]:
    """The person's home community and those where they are 楼门院长."""
    ids = [g.user.get("home_cid")] + [
        a["scope_id"] for a in store.appointments_of(g.user["uid"]) if a["scope"] == "community"
    ]
    rows = []
    for cid in dict.fromkeys(i for i in ids if i):
        try:
            rows.append(store.get_community(cid))
        except store.NotFound:
            continue
    return rows


@bp.route("/")
def home():
    """我的议事厅: where I live, my halls, residents waiting for me (a 楼门院长)."""
    rows = []
    for community in _communities():
        cid, uid = community["id"], g.user["uid"]
        mine = store.council_resident(cid, uid)
        heads = store.heads_buildings(cid, uid)
        halls = [
            h
            for h in store.council_halls(cid)
            if (
                mine
                and mine["status"] == store.RESIDENT_CONFIRMED
                and store.council_in_scope(cid, h, uid)
            )
            or store.head_covers(cid, h, uid)
        ]
        waiting = [
            r
            for r in store.council_residents(cid, store.RESIDENT_PENDING)
            if r["building_id"] in heads
        ]
        grid_staff = bool(grid_halls(cid, uid))
        rows.append(
            {
                "community": community,
                "mine": mine,
                "halls": halls,
                "waiting": waiting,
                "grid_staff": grid_staff,
            }
        )
    return render_template("council/home.html", rows=rows)


def _home_form(cid: str) -> HomeForm:
    form = HomeForm()
    form.building.choices = [
        (b["id"], store.building_label(cid, b["id"]))
        for b in store.grid_structure(cid)["buildings"]
    ]
    return form


@bp.route("/c/<cid>/home", methods=["GET", "POST"])
def register_home(cid: str):
    community = store.get_community(cid)
    form = _home_form(cid)
    mine = store.council_resident(cid, g.user["uid"])
    if request.method == "GET" and mine:
        form.building.data, form.room.data = mine["building_id"], mine["room"]
    if form.validate_on_submit():
        try:
            store.register_home(cid, g.user["uid"], form.building.data, form.room.data)
        except store.StoreError as exc:
            form.room.errors.append(str(exc))
        else:
            flash("已登记住址，等待社区或楼门院长确认后即可参与议事。", "success")
            return redirect(url_for(".home"))
    status = 400 if form.errors else 200
    return render_template(
        "council/home_form.html", community=community, form=form, mine=mine
    ), status


@bp.route("/c/<cid>/residents/<uid>/confirm", methods=["POST"])
def confirm(cid: str, uid: str):
    """The 楼门院长 confirms a neighbour's home in their building."""
    if not store.may_confirm_resident(cid, uid, g.user["uid"], False):
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        store.confirm_resident(cid, uid, g.user["uid"])
        flash("已确认这位居民的住址。", "success")
    else:
        flash_form_errors(form)
    return redirect(url_for(".home"))


def _hall_or_404(cid: str, hall: str) -> dict:
    info = store.council_hall(cid, hall)
    uid = g.user["uid"]
    if not (store.council_in_scope(cid, info, uid) or store.head_covers(cid, info, uid)):
        abort(404)
    return info


@bp.route("/c/<cid>/h/<hall>/propose", methods=["GET", "POST"])
def propose(cid: str, hall: str):
    community = store.get_community(cid)
    info = _hall_or_404(cid, hall)
    head = store.head_covers(cid, info, g.user["uid"])
    form = uploads.photo_form(ProposalForm)
    if request.method == "POST" and uploads.accepted(form):
        names: list[str] = []
        try:
            names = uploads.save_photos(
                form,
                lambda f, label: store.save_need_photo(cid, f, label=label),
                lambda name: store.delete_need_photo(cid, name),
            )
            item = store.propose(
                cid,
                hall,
                g.user["uid"],
                title=form.title.data,
                description=form.description.data,
                photo=names[0] if names else None,
                on_behalf=form.on_behalf.data if head else "",
            )
        except store.StoreError as exc:
            for name in names:
                store.delete_need_photo(cid, name)
            form.title.errors.append(str(exc))
        else:
            flash("提议已提交，邻居附议达到人数后列入议程。", "success")
            return uploads.done(url_for("council.proposal", cid=cid, pid=item["id"]))
    status = uploads.status(form) if form.errors else 200
    return render_template(
        "council/propose.html",
        community=community,
        hall=info,
        form=form,
        head=head,
        photo_limits=uploads.limits(),
    ), status


def _proposal_in_scope(cid: str, pid: str) -> dict:
    item = store.get_proposal(cid, pid)
    info = store.council_hall(cid, item["hall"])
    if not store.council_in_scope(cid, info, g.user["uid"]):
        abort(404)
    return item


def _back(cid: str, pid: str):
    return redirect(url_for("council.proposal", cid=cid, pid=pid))


def _act(form, run, done: str) -> None:
    if not form.validate_on_submit():
        flash_form_errors(form)
        return
    try:
        run(form)
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")


@bp.route("/c/<cid>/p/<pid>/support", methods=["POST"])
def support(cid: str, pid: str):
    _proposal_in_scope(cid, pid)
    _act(
        ActionForm(),
        lambda f: store.support_proposal(cid, pid, g.user["uid"]),
        "已附议。",
    )
    return _back(cid, pid)


@bp.route("/c/<cid>/p/<pid>/comment", methods=["POST"])
def comment(cid: str, pid: str):
    _proposal_in_scope(cid, pid)
    _act(
        CommentForm(),
        lambda f: store.comment_proposal(cid, pid, g.user["uid"], f.text.data),
        "留言已发布。",
    )
    return _back(cid, pid)


@bp.route("/c/<cid>/p/<pid>/vote", methods=["POST"])
def vote(cid: str, pid: str):
    """Cast or change the ballot: one small transaction on the vote's ballots. The
    scope is read from the hall's id (``council_scope_of``): the vote's hall exists, and
    the hot path reads no grid structure or community."""
    item = store.get_proposal(cid, pid)
    if not item["vote_id"] or not store.council_in_scope(
        cid, store.council_scope_of(item["hall"]), g.user["uid"]
    ):
        abort(404)
    form = BallotForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            changed = store.cast_vote(cid, item["vote_id"], g.user["uid"], form.choice.data)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("已改票，以最后一次投票为准。" if changed else "投票成功。", "success")
    return _back(cid, pid)


@bp.route("/c/<cid>/p/<pid>/rate", methods=["POST"])
def rate(cid: str, pid: str):
    _proposal_in_scope(cid, pid)
    _act(
        RatingForm(),
        lambda f: store.rate_project(cid, pid, g.user["uid"], f.score.data, f.comment.data),
        "感谢评价。",
    )
    return _back(cid, pid)


@bp.route("/c/<cid>/m/<mid>/sign-in", methods=["GET", "POST"])
def sign_in(cid: str, mid: str):
    """Sign in at a meeting: the QR code's URL carries the token (``t``); the six-digit
    code on the screen works too."""
    community = store.get_community(cid)
    meeting = store.get_meeting(cid, mid)
    form = SignInForm()
    if request.method == "GET" and request.args.get("t"):
        form.code.data = request.args["t"][:40]
    if form.validate_on_submit():
        try:
            _m, first = store.meeting_sign_in(cid, mid, g.user["uid"], form.code.data)
        except store.StoreError as exc:
            form.code.errors.append(str(exc))
        else:
            flash("签到成功。" if first else "你已经签到过了。", "success")
            return redirect(url_for("council.meeting", cid=cid, mid=mid))
    status = 400 if form.errors else 200
    return render_template(
        "council/sign_in.html",
        community=community,
        meeting=meeting,
        hall=store.council_hall(cid, meeting["hall"]),
        form=form,
    ), status
