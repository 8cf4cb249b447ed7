"""A 议事厅's public page and the community's figures: matters through the five stages,
with support, turnout and ratings, and no personal data beyond masked names.

Both are derived from the council document alone and cached per version of it
(``backend.view``): a page view costs a version check while nothing changed. The
community's list of halls also depends on the grid structure (its grids and 楼门院) and
the places (the community's name): its rendering is kept per version of all three.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import backend as docs
from .. import grids
from ..base import places_key
from ..records.certificates import mask_name
from .discussion import list_meetings
from .doing import timeline_order
from .halls import council_key, rules
from .proposals import STAGE_OF, STAGES


def _summary(proposal: dict, votes: dict, progress: dict, ratings: dict) -> dict:
    vote = votes.get(proposal.get("vote_id") or "")
    tally = vote["tally"] if vote else None
    steps = progress.get(proposal["id"], [])
    scores = [r["score"] for r in ratings.get(proposal["id"], [])]
    return {
        "id": proposal["id"],
        "title": proposal["title"],
        "status": proposal["status"],
        "stage": STAGE_OF.get(proposal["status"]),
        "proposer": mask_name(proposal["proposer_name"]),
        "on_behalf": mask_name(proposal["on_behalf"]) if proposal["on_behalf"] else "",
        "created_at": proposal["created_at"],
        "supporters": len(proposal["supporters"]),
        "threshold": rules()["levels"][proposal["level"]]["support"],
        "vote_closes_at": vote["closes_at"] if vote else None,
        "turnout": tally["turnout_percent"] if tally else None,
        "tally": {k: tally[k] for k in ("yes", "no", "abstain", "cast")} if tally else None,
        "percent": steps[-1]["percent"] if steps else None,
        "rating_average": round(sum(scores) / len(scores), 1) if scores else None,
        "rating_count": len(scores),
    }


def _grouped(tables: dict, hall: str | None) -> dict:
    votes = {v["id"]: v for v in tables.get("votes", {}).values()}
    progress: dict[str, list] = {}
    for row in sorted(tables.get("progress", {}).values(), key=timeline_order):
        progress.setdefault(row["proposal_id"], []).append(row)
    ratings: dict[str, list] = {}
    for row in tables.get("ratings", {}).values():
        ratings.setdefault(row["proposal_id"], []).append(row)
    rows = [p for p in tables.get("proposals", {}).values() if hall is None or p["hall"] == hall]
    rows.sort(key=lambda p: (p["created_at"], p["id"]), reverse=True)
    items = [_summary(p, votes, progress, ratings) for p in rows]
    stages = [
        {"id": stage, "name": name, "matters": [i for i in items if i["stage"] == stage]}
        for stage, name, _statuses in STAGES
    ]
    closed_votes = [
        v["tally"] for v in votes.values() if v["tally"] and (hall is None or v["hall"] == hall)
    ]
    scores = [r["score"] for p in rows for r in ratings.get(p["id"], [])]
    meetings = [m for m in tables.get("meetings", {}).values() if hall is None or m["hall"] == hall]
    return {
        "stages": stages,
        "closed": [i for i in items if i["stage"] is None],
        "counts": {s["id"]: len(s["matters"]) for s in stages},
        "proposals": len(items),
        "votes": len(closed_votes),
        "turnout": (
            round(sum(t["turnout_percent"] for t in closed_votes) / len(closed_votes), 1)
            if closed_votes
            else None
        ),
        "passed": sum(1 for t in closed_votes if t["passed"]),
        "meetings": len(meetings),
        "rating_count": len(scores),
        "rating_average": round(sum(scores) / len(scores), 1) if scores else None,
    }


def hall_board(cid: str, hall: str) -> dict:
    """The hall's matters by stage (``stages``), the closed ones, counts and figures."""
    return docs.view(council_key(cid), f"board:{hall}", lambda t: _grouped(t, hall))


def board_fragment(cid: str, hall: str, render: Callable[[dict, list[dict]], str]) -> str:
    """``render(board, meetings)`` (the hall's board and its last five meetings: what
    every visitor sees alike) done once per version of the council document, per
    process: the page then renders only what depends on the viewer around it."""
    return docs.view(
        council_key(cid),
        f"board-fragment:{hall}",
        lambda _tables: render(hall_board(cid, hall), list_meetings(cid, hall)[:5]),
    )


def halls_fragment(cid: str, render: Callable[[], str]) -> str:
    """``render()`` (the community's halls with their open matters, and the figures: what
    every visitor sees alike) done once per version of the council document, the grid
    structure and the places, per process. One slot per council version keeps only the
    latest rendering, however often the other two change meanwhile."""
    stamp = (docs.version(grids.structure_key(cid)), docs.version(places_key()))
    slot = docs.view(council_key(cid), "halls-fragment", lambda _tables: {})
    found = slot.get("html")
    if found is None or found[0] != stamp:
        # A whole tuple replaced at once: a thread reading meanwhile sees one or the other.
        found = slot["html"] = (stamp, render())
    return found[1]


def council_figures(cid: str) -> dict:
    """The same figures over every hall of the community (the dashboard's)."""
    return docs.view(council_key(cid), "board:*", lambda t: _grouped(t, None))


def hall_counts(cid: str) -> dict[str, int]:
    """Open matters (in one of the five stages) per hall id."""

    def build(tables):
        counts: dict[str, int] = {}
        for p in tables.get("proposals", {}).values():
            if STAGE_OF.get(p["status"]):
                counts[p["hall"]] = counts.get(p["hall"], 0) + 1
        return counts

    return docs.view(council_key(cid), "board:halls", build)
