"""Pages for everyone, logged in or not: portal home, open posts, communities, join links."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, g, render_template, request, url_for

from kb import data as kbdata

from ..grids.admin import place_form
from .. import store
from .cards import post_card_html

bp = Blueprint("public", __name__, template_folder="templates", url_prefix="/portal")
bp.add_app_template_global(post_card_html, "post_card_html")
PAGE_SIZE = 15


@bp.route("/")
def index():
    """Portal home: what one can do here, 我要反映问题 and the three entry points."""
    return render_template(
        "public/index.html",
        open_posts=store.open_post_count(),
        communities=len(store.list_communities()),
        streets=store.list_streets(),
    )


@bp.route("/posts")
def posts():
    """Open posts of the district with their free places; filter by street and category."""
    street = request.args.get("street", "")
    category = request.args.get("category", "")
    grouped = store.open_posts(street=street, category=category)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max((len(grouped) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "public/posts.html",
        posts=grouped[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(grouped),
        page=min(page, pages),
        pages=pages,
        streets=store.list_streets(),
        street=street,
        category=category,
        categories=kbdata.taxonomy()["categories"],
    )


@bp.route("/c/<cid>/posts/<pid>")
def post_detail(cid: str, pid: str):
    """One post: description, shifts and free places (never who signed up)."""
    community = store.get_community(cid)
    post = store.get_post(cid, pid)
    shifts = [dict(shift=s, **store.shift_counts(cid, s)) for s in store.post_shifts(cid, pid)]
    user = g.get("user")
    mine = (
        {s["shift_id"]: s for s in store.user_signups(user["uid"])}
        if user and user["role"] in ("member", "volunteer")
        else {}
    )
    required = store.required_skills(post)
    lacking = (
        [s for s in required if s not in user.get("skills_confirmed", [])]
        if user and user["role"] in ("member", "volunteer")
        else []
    )
    return render_template(
        "public/post.html",
        community=community,
        post=post,
        shifts=shifts,
        now=store.now(),
        mine=mine,
        required=required,
        lacking=lacking,
        skill_requests=store.member_skill_requests(cid, user["uid"]) if lacking else {},
    )


def _home_community(user) -> dict | None:
    """A member's or volunteer's own community: where they reported in (or asked to),
    else the home community of their profile."""
    if not user or user["role"] not in ("member", "volunteer"):
        return None
    state = store.current_report_state(user["uid"])
    report = state["active"] or state["pending"]
    cid = report["community_id"] if report else user.get("home_cid")
    return store.community_index().get(cid) if cid else None


@bp.route("/communities")
def communities():
    """Every community by street, each with its page and join link. A member or volunteer
    with a home community starts on their own street (its communities, theirs first)."""
    home = _home_community(g.get("user"))
    asked = request.args.get("street")  # "" (全部街道) shows every street
    street = home["street_id"] if asked is None and home else (asked or "")
    rows = store.list_communities(street or None)
    if home and street == home["street_id"]:
        rows = sorted(rows, key=lambda c: c["id"] != home["id"])
    return render_template(
        "public/communities.html",
        communities=rows,
        streets=store.list_streets(),
        street=street,
        home=home,
        home_street=store.get_street(home["street_id"]) if home else None,
    )


@bp.route("/c/<cid>")
def community(cid: str):
    """A community's page: its open posts and how to report in."""
    community = store.get_community(cid)
    return render_template(
        "public/community.html",
        community=community,
        street=store.get_street(community["street_id"]),
        posts=store.open_posts(community=cid),
    )


@bp.route("/join/<cid>")
def join(cid: str):
    """The join link (and QR code target): report in to this community."""
    community = store.get_community(cid)
    return render_template(
        "public/join.html",
        community=community,
        street=store.get_street(community["street_id"]),
        # Where the member lives in the community (网格 / 楼门院), if it has grids.
        place=place_form(cid) if store.grid_structure(cid)["grids"] else None,
    )


@bp.route("/c/<cid>/qr.svg")
def join_qr(cid: str):
    """The join link as a QR code (SVG), for posters at the community office."""
    store.get_community(cid)
    buffer = io.BytesIO()
    segno.make(url_for("public.join", cid=cid, _external=True), error="m").save(
        buffer, kind="svg", scale=6, border=2, title="社区报到二维码"
    )
    return Response(
        buffer.getvalue(),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
