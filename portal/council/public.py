"""The 议事厅's public pages: a community's halls, a hall's matters through the five stages,
one proposal (its comments, meetings, vote, progress and ratings), a meeting, a recount.

Anyone may read them: names are masked (王*国), hidden comments are left out and nobody's
ballot is shown. A logged-in resident in scope sees the buttons to support, comment,
vote and rate (``resident.py`` takes them); the community's admins see staff actions
(``admin.py``).
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from markupsafe import Markup

from forms.council import (
    BallotForm,
    CommentForm,
    MergeForm,
    OpenVoteForm,
    ProgressForm,
    RatingForm,
    ReasonForm,
)

from .. import auth, store, uploads
from .grid import grid_halls

bp = Blueprint("council", __name__, template_folder="templates", url_prefix="/portal/council")


def _names(rows, field: str = "uid") -> dict[str, str]:
    """uid -> masked name of the accounts named in ``rows``."""
    users = store.users_by_ids({r[field] for r in rows})
    return {uid: store.mask_name(u["name"]) for uid, u in users.items()}


def is_staff(community: dict) -> bool:
    return auth.can_admin_community(g.user, community)


@bp.route("/c/<cid>/")
def halls(cid: str):
    """The community's 议事厅: its own, each grid's and each 楼门院's, with open matters."""
    community = store.get_community(cid)
    base = url_for("council.halls", cid=cid)
    halls_html = store.council_halls_fragment(
        cid,
        lambda: render_template(
            "council/_halls.html",
            halls=store.council_halls(cid),
            counts=store.council_hall_counts(cid),
            figures=store.council_figures(cid),
            base=base,
        ),
    )
    # Rendered by the template engine with autoescape on: safe to insert as it is.
    return render_template("council/halls.html", community=community, halls_html=Markup(halls_html))


@bp.route("/c/<cid>/h/<hall>/")
def hall(cid: str, hall: str):
    """One hall's page: matters through the five stages, counts, turnout and ratings."""
    community = store.get_community(cid)
    info = store.council_hall(cid, hall)
    uid = g.user["uid"] if g.user else None
    base = url_for("council.halls", cid=cid)
    board_html = store.council_board_fragment(
        cid,
        hall,
        lambda board, meetings: render_template(
            "council/_board.html", board=board, meetings=meetings, base=base
        ),
    )
    return render_template(
        "council/hall.html",
        community=community,
        hall=info,
        base=base,
        board=store.hall_board(cid, hall),
        # Rendered by the template engine with autoescape on: safe to insert as it is.
        board_html=Markup(board_html),
        mode=store.vote_mode_name(store.council_vote_mode(cid, hall)),
        may_propose=bool(
            uid and (store.council_in_scope(cid, info, uid) or store.head_covers(cid, info, uid))
        ),
        rules=store.council_rules(),
    )


@bp.route("/c/<cid>/p/<pid>")
def proposal(cid: str, pid: str):
    community = store.get_community(cid)
    item = store.get_proposal(cid, pid)
    info = store.council_hall(cid, item["hall"])
    uid = g.user["uid"] if g.user else None
    resident = store.council_in_scope(cid, info, uid) if uid else None
    staff = is_staff(community)
    comments = store.comments_of(cid, pid, hidden=staff)
    vote = store.get_vote(cid, item["vote_id"]) if item["vote_id"] else None
    merge = MergeForm()
    merge.into.choices = [
        (p["id"], p["title"])
        for p in store.list_proposals(cid, item["hall"])
        if p["id"] != pid and p["status"] in ("征集中", "议事中")
    ]
    return render_template(
        "council/proposal.html",
        community=community,
        hall=info,
        p=item,
        stage=store.proposal_stage(item),
        threshold=store.support_threshold(item["level"]),
        resident=resident,
        staff=staff,
        comments=comments,
        names=_names(comments),
        proposer=store.mask_name(item["proposer_name"]),
        on_behalf=store.mask_name(item["on_behalf"]) if item["on_behalf"] else "",
        meetings=store.meetings_of_proposal(cid, pid),
        vote=vote,
        vote_open=bool(vote and vote["status"] == "投票中" and not store.vote_window_over(vote)),
        my_choice=store.my_vote_choice(cid, vote["id"], uid) if vote and uid and resident else None,
        choices=store.VOTE_CHOICES,
        progress=store.progress_of(cid, pid),
        posts=store.council_project_posts(cid, item),
        ratings=store.rating_summary(cid, pid),
        rating_open=store.rating_open(item),
        has_rated=bool(uid and store.has_rated(cid, pid, uid)),
        forms={
            "comment": CommentForm(),
            "ballot": BallotForm(),
            "rating": RatingForm(),
            "reason": ReasonForm(),
            "merge": merge,
            "open_vote": OpenVoteForm(days=store.council_rules()["vote"]["default_days"]),
            "progress": ProgressForm(),
        },
    )


@bp.route("/c/<cid>/p/<pid>/photo")
def photo(cid: str, pid: str):
    return uploads.photo_response(store.proposal_photo(cid, pid))


@bp.route("/c/<cid>/p/<pid>/recount")
def recount(cid: str, pid: str):
    """Anyone may have the stored ballots counted again and compared with the tally."""
    community = store.get_community(cid)
    item = store.get_proposal(cid, pid)
    vote = store.get_vote(cid, item["vote_id"] or "")
    if vote["tally"] is None:
        store_result = None
    else:
        store_result = store.recount_vote(cid, vote["id"])
    return render_template(
        "council/recount.html",
        community=community,
        p=item,
        vote=vote,
        result=store_result,
        choices=store.VOTE_CHOICES,
    )


@bp.route("/c/<cid>/m/<mid>")
def meeting(cid: str, mid: str):
    """A meeting: when, where, the agenda, who was invited, how many signed in, minutes."""
    community = store.get_community(cid)
    item = store.get_meeting(cid, mid)
    return render_template(
        "council/meeting.html",
        community=community,
        meeting=item,
        hall=store.council_hall(cid, item["hall"]),
        agenda=[store.get_proposal(cid, pid) for pid in item["proposal_ids"]],
        roles=store.council_rules()["role_by_id"],
        staff=is_staff(community),
        grid_staff=bool(
            g.user and item["hall"] in {h["id"] for h in grid_halls(cid, g.user["uid"])}
        ),
    )
