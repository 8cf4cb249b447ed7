"""The 社区专员's own pages: the home over their communities and read-only detail (one
community, one of its needs, one of its whistles and the whistle's photos).

Only a member or volunteer holding an active ``community_liaison`` appointment gets in
(anybody else: 403); a community, need or whistle outside their communities is a 404.
Names of members are masked (王*国) and residents' names and phones are not shown: a
社区专员 is not the community's admin.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from markupsafe import Markup

from .. import auth, store
from ..whistles.scope import labels, send_photo

bp = Blueprint("liaison", __name__, template_folder="templates", url_prefix="/portal/liaison")

ROLE = "community_liaison"
# The capacity a 社区专员 acts in, as the whistle timelines and the audit log name it.
CAPACITY = store.APPOINTMENT_ROLE_NAMES[ROLE]


@bp.before_request
@auth.roles_required("member", "volunteer")
def _gate():
    """Only a 社区专员 (an active appointment) gets past here; their communities are kept."""
    g.liaison_communities = store.liaison_communities(g.user["uid"])
    if not g.liaison_communities:
        abort(403)


def communities() -> list[dict]:
    """The communities the current 社区专员 guides (set by the gate)."""
    return g.liaison_communities


def community_or_404(cid: str) -> dict:
    for community in communities():
        if community["id"] == cid:
            return community
    abort(404)


def acting_user() -> dict:
    """The current user in their capacity of 社区专员, for the store and the audit log."""
    return dict(g.user, role=ROLE)


def _names(uids) -> dict[str, str]:
    """uid -> masked name (王*国); unknown accounts are left out."""
    return {uid: store.mask_name(u["name"]) for uid, u in store.users_by_ids(uids).items()}


def _page_names() -> dict:
    """What every page of the blueprint shows: the street names and the overdue rule."""
    return {
        "street_names": {s["id"]: s["name"] for s in store.list_streets()},
        "overdue_days": store.overdue_need_days(),
        "urgencies": store.NEED_URGENCIES,
        "capacity": CAPACITY,
    }


def _figures(row: dict) -> dict:
    """What a community's card shows of its overview: counts only."""
    coverage, routing = row["coverage"], row["routing"]
    return {
        "pending": len(row["pending_report_ins"]),
        "overdue_needs": len(row["overdue_needs"]),
        "overdue_whistles": len(row["overdue_whistles"]),
        "open_whistles": len(row["open_whistles"]),
        "requests": len(row["pending_requests"]),
        "unplaced": len(coverage["unplaced"]),
        "placed": coverage["placed"],
        "members": coverage["members"],
        "grid": routing["grid"],
        "community": routing["community"],
        "street": routing["street"],
    }


# The home below its head, rendered, by everything it shows (the communities' names,
# streets and figures, the overdue rule, the script root): a 社区专员's figures change
# seldom, and the cards are ~200 attribute lookups and escapes to render anew each visit.
_BODIES: dict[tuple, Markup] = {}
_BODIES_KEPT = 2000


def _body(rows: list[dict], names: dict) -> Markup:
    cards = [
        {
            "c": row["community"],
            "street_name": names["street_names"].get(row["community"]["street_id"], ""),
            "f": _figures(row),
        }
        for row in rows
    ]
    pending = sum(card["f"]["requests"] for card in cards)
    key = (
        request.script_root,
        pending,
        tuple(names["overdue_days"].items()),
        tuple(
            (card["c"]["id"], card["c"]["name"], card["street_name"], *card["f"].values())
            for card in cards
        ),
    )
    body = _BODIES.get(key)
    if body is None:
        for card in cards:
            card["url"] = url_for(".community", cid=card["c"]["id"])
        body = Markup(
            render_template(
                "liaison/_home_body.html",
                cards=cards,
                pending_requests=pending,
                requests_url=url_for(".requests"),
                overdue_days=names["overdue_days"],
                urgencies=names["urgencies"],
            )
        )
        if len(_BODIES) >= _BODIES_KEPT:
            _BODIES.clear()
        _BODIES[key] = body
    return body


@bp.route("/")
def home():
    """One page over the communities: report-ins, overdue needs and whistles, grid coverage."""
    names = _page_names()
    return render_template(
        "liaison/home.html",
        body=_body(store.liaison_overviews(communities()), names),
        capacity=names["capacity"],
    )


@bp.route("/c/<cid>")
def community(cid: str):
    """One community in detail, read-only: the lists behind the home's figures."""
    community = community_or_404(cid)
    overview = store.liaison_community_overview(cid)
    uids = [r["uid"] for r in overview["pending_report_ins"]]
    uids += [r["uid"] for r in overview["coverage"]["unplaced"]]
    return render_template(
        "liaison/community.html",
        community=community,
        o=overview,
        names=_names(uids),
        tree=store.grid_tree(cid),
        items=store.whistle_data()["item_by_id"],
        **_page_names(),
    )


@bp.route("/c/<cid>/needs/<nid>")
def need(cid: str, nid: str):
    """A need of one of the communities, read-only, without the resident's name and phone."""
    community = community_or_404(cid)
    need = store.get_need(cid, nid)
    overdue = {n["id"]: n["due_at"] for n in store.overdue_needs(cid)}
    return render_template(
        "liaison/need.html",
        community=community,
        need=need,
        overdue_since=overdue.get(nid),
        requests=store.need_requests(cid, nid),
        raisers=store.NEED_RAISERS,
        **_page_names(),
    )


def whistle_or_404(sid: str, wid: str) -> dict:
    try:
        return store.liaison_whistle(g.user["uid"], sid, wid)
    except store.NotFound:
        abort(404)


@bp.route("/w/<sid>/<wid>")
def whistle(sid: str, wid: str):
    """A whistle that came from one of the communities, read-only: progress and timeline."""
    w = whistle_or_404(sid, wid)
    return render_template(
        "liaison/whistle.html",
        w=w,
        overdue=store.overdue_steps(w),
        guided_ids=[c["id"] for c in communities()],
        # The timeline names each actor's capacity; a 社区专员's is not an account role.
        whistle_role_names=dict(auth.ROLE_NAMES, **{ROLE: CAPACITY}),
        **labels(),
    )


@bp.route("/w/<sid>/<wid>/photo/<name>")
def whistle_photo(sid: str, wid: str, name: str):
    """A photo of a whistle the 社区专员 may see."""
    return send_photo(whistle_or_404(sid, wid), name)
