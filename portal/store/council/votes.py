"""民事民决: a vote on a proposal, one household (a room of a 楼门院) or one resident one vote.

The community admin opens a vote for a window; the rules give the quorum and the pass
share (``council.yml``). Each vote keeps its ballots in 16 documents of its own,
``communities/<cid>/ballots-<vid>-<0…f>``: one row per voter — the household or the
person, named only by a digest of the vote and the voter, whose first hex digit picks
the document — and in each a ``meta`` row with the window. Casting or changing a ballot
is one transaction on one such small document (a sixteenth of the ballots, however large
the hall), which checks the window inside the lock and upserts the voter's row: the same
household or person is never counted twice, whichever process takes the vote, and a
ballot cannot land after the close. Closing freezes every part (``meta.closed``) and
publishes the tally with the turnout and a digest of the ballots, in one transaction with
the council document.
No function changes a ballot after the close, and none shows who voted what:
``recount`` counts the stored ballots again and compares them with the published tally.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tinydb import Query

from .. import backend as docs
from .. import places
from ..base import NotFound, StoreError, community_key, new_id, now, stamp, valid_id
from .halls import (
    MODES,
    council_key,
    electorate,
    hall_of,
    household,
    in_scope,
    rules,
    scope_of,
    vote_mode,
)
from .proposals import AGENDA, FAILED, PASSED, VOTING, get_proposal

CHOICES = {"yes": "赞成", "no": "反对", "abstain": "弃权"}
OPEN, CLOSED = "投票中", "已结束"


SHARDS = "0123456789abcdef"


def ballots_key(cid: str, vid: str, shard: str) -> str:
    """The part of a vote's ballots whose voters' digests start with ``shard``."""
    if not valid_id(vid) or shard not in SHARDS or len(shard) != 1:
        raise NotFound("没有找到这次表决。")
    return community_key(cid).rpartition("/")[0] + f"/ballots-{vid}-{shard}"


def _parts(cid: str, vid: str) -> list[str]:
    return [ballots_key(cid, vid, shard) for shard in SHARDS]


def stored_ballots(cid: str, vid: str) -> list[dict]:
    """Every stored ballot of the vote: {voter (a digest), choice, at, changes}."""
    rows: list[dict] = []
    for key in _parts(cid, vid):
        rows += docs.read(key).get("ballots", {}).values()
    return rows


def _votes(cid: str) -> dict:
    return docs.view(
        council_key(cid), "votes", lambda t: {v["id"]: v for v in t.get("votes", {}).values()}
    )


def get_vote(cid: str, vid: str) -> dict:
    found = _votes(cid).get(vid or "")
    if found is None:
        raise NotFound("没有找到这次表决。")
    return found


def open_vote(cid: str, pid: str, by: str, days=None, at=None) -> dict:
    """Open the vote on a proposal of the agenda for ``days`` (the rules' default)."""
    at = at or now()
    vote_rules = rules()["vote"]
    try:
        days = int(days if days not in (None, "") else vote_rules["default_days"])
    except (TypeError, ValueError):
        raise StoreError("投票天数应为整数。") from None
    if not 1 <= days <= vote_rules["max_days"]:
        raise StoreError(f"投票天数应在 1 到 {vote_rules['max_days']} 天之间。")
    proposal = get_proposal(cid, pid)
    hall = hall_of(cid, proposal["hall"])
    mode = vote_mode(cid, hall["id"])
    closes_at = stamp(at + timedelta(days=days))
    vote = {
        "id": new_id(),
        "proposal_id": pid,
        "hall": hall["id"],
        "mode": mode,
        "opened_by": by,
        "opened_at": stamp(at),
        "closes_at": closes_at,
        "quorum_percent": vote_rules["quorum_percent"],
        "pass_percent": vote_rules["pass_percent"],
        "electorate": electorate(cid, hall, mode),
        "status": OPEN,
        "tally": None,
    }
    meta = {"vote_id": vote["id"], "closes_at": closes_at, "mode": mode, "closed": False}
    with docs.transaction(council_key(cid), *_parts(cid, vote["id"])) as (db, *parts):
        table = db.table("proposals")
        found = table.get(Query().id == pid)
        if found is None:
            raise NotFound("没有找到这条提议。")
        if found["status"] != AGENDA:
            raise StoreError("只有列入议程（议事中）的提议可以开启表决。")
        table.update({"status": VOTING, "vote_id": vote["id"]}, doc_ids=[found.doc_id])
        db.table("votes").insert(vote)
        for part in parts:
            part.table("meta").insert(meta)
    return vote


def voter_of(cid: str, vote: dict, uid: str) -> str:
    """The voter a person casts for: their household or themselves; StoreError if none."""
    # The vote's hall exists (the vote was opened in it): its scope comes from its id,
    # without reading the grid structure on the vote's hot path.
    row = in_scope(cid, scope_of(vote["hall"]), uid)
    if row is None:
        raise StoreError("只有登记在本议事厅范围内并经确认的居民可以投票。")
    voter = f"h:{household(row)}" if vote["mode"] == "household" else f"p:{uid}"
    # The ballots name a digest, not the room or the person.
    return hashlib.sha256(f"{vote['id']}:{voter}".encode()).hexdigest()[:32]


def cast_vote(cid: str, vid: str, uid: str, choice: str, at=None) -> bool:
    """Cast or change the ballot of the person's household (or of the person). True when a
    ballot was changed, False when it is the voter's first."""
    if choice not in CHOICES:
        raise StoreError("请选择赞成、反对或弃权。")
    at = at or now()
    voter = voter_of(cid, get_vote(cid, vid), uid)
    with docs.transaction_one(ballots_key(cid, vid, voter[0])) as db:
        meta = db.table("meta").all()
        if not meta:
            raise NotFound("没有找到这次表决。")
        if meta[0]["closed"] or stamp(at) >= meta[0]["closes_at"]:
            raise StoreError("表决已经结束，不能再投票或改票。")
        table = db.table("ballots")
        found = table.get(Query().voter == voter)
        if found is None:
            table.insert({"voter": voter, "choice": choice, "at": stamp(at), "changes": 0})
            return False
        fields = {"choice": choice, "at": stamp(at), "changes": found["changes"] + 1}
        table.update(fields, doc_ids=[found.doc_id])
    return True


def my_choice(cid: str, vid: str, uid: str) -> str | None:
    """The ballot of the person's household (or their own), for their eyes only."""
    try:
        voter = voter_of(cid, get_vote(cid, vid), uid)
    except StoreError:
        return None
    for row in docs.read(ballots_key(cid, vid, voter[0])).get("ballots", {}).values():
        if row["voter"] == voter:
            return row["choice"]
    return None


def count_ballots(ballot_rows) -> dict:
    """{yes, no, abstain, cast, digest} of ballot rows; the digest covers every ballot."""
    rows = sorted((r["voter"], r["choice"]) for r in ballot_rows)
    counts = {c: sum(1 for _v, choice in rows if choice == c) for c in CHOICES}
    digest = hashlib.sha256("\n".join(f"{v}:{c}" for v, c in rows).encode()).hexdigest()
    return dict(counts, cast=len(rows), digest=digest)


def _result(vote: dict, counts: dict) -> dict:
    cast, electorate_size = counts["cast"], vote["electorate"]
    quorum_met = electorate_size > 0 and cast * 100 >= vote["quorum_percent"] * electorate_size
    passed = quorum_met and counts["yes"] * 100 > vote["pass_percent"] * cast
    turnout = round(cast * 100 / electorate_size, 1) if electorate_size else 0.0
    return dict(counts, turnout_percent=turnout, quorum_met=quorum_met, passed=passed)


def close_vote(cid: str, vid: str, by: str, at=None) -> dict:
    """After the window: freeze the ballots, publish the tally; the proposal passes or not.

    Never before the window ends, not even when every household has voted: a ballot may
    be changed until the announced close, and an electorate counted at the opening can
    grow (a resident confirmed meanwhile may vote), so "everybody voted" is not a safe
    moment to cut the window short. The rule is printed on the proposal's page."""
    at = at or now()
    vote = get_vote(cid, vid)
    if stamp(at) < vote["closes_at"]:
        raise StoreError(
            f"表决不能提前结束：投票要到 {vote['closes_at'][:16]} 才结束，结束后再计票。"
        )
    with docs.transaction(council_key(cid), *_parts(cid, vid)) as (db, *parts):
        votes = db.table("votes")
        found = votes.get(Query().id == vid)
        if found is None:
            raise NotFound("没有找到这次表决。")
        if found["status"] == CLOSED:
            raise StoreError("这次表决已经计票公布。")
        ballots = []
        for part in parts:
            part.table("meta").update({"closed": True, "closed_at": stamp(at)})
            ballots += part.table("ballots").all()
        tally = _result(dict(found), count_ballots(ballots))
        tally.update(closed_at=stamp(at), closed_by=by)
        votes.update({"status": CLOSED, "tally": tally}, doc_ids=[found.doc_id])
        proposals = db.table("proposals")
        proposal = proposals.get(Query().id == found["proposal_id"])
        if proposal is not None:
            status = PASSED if tally["passed"] else FAILED
            proposals.update({"status": status}, doc_ids=[proposal.doc_id])
    return dict(found, status=CLOSED, tally=tally)


def close_due_votes(by: str, at=None) -> list[tuple[str, dict]]:
    """Close every vote of the district whose window has ended (the scheduled job, so a
    tally is published even when nobody presses the button): [(community id, vote)]."""
    at = at or now()
    closed = []
    for community in places.list_communities():
        cid = community["id"]
        for vote in _votes(cid).values():
            if vote["status"] != OPEN or stamp(at) < vote["closes_at"]:
                continue
            try:
                closed.append((cid, close_vote(cid, vote["id"], by, at)))
            except StoreError:
                continue  # closed meanwhile by the admin: nothing left to do
    return closed


def recount(cid: str, vid: str) -> dict:
    """Count the stored ballots again: {counts…, published, matches}."""
    vote = get_vote(cid, vid)
    counts = _result(vote, count_ballots(stored_ballots(cid, vid)))
    published = vote["tally"]
    keys = ("yes", "no", "abstain", "cast", "digest")
    matches = published is not None and all(published[k] == counts[k] for k in keys)
    return dict(counts, published=published, matches=matches)


def window_over(vote: dict, at: datetime | None = None) -> bool:
    return stamp(at or now()) >= vote["closes_at"]


def mode_name(mode: str) -> str:
    return MODES.get(mode, mode)
