"""The 议事厅 at district scale: ``python -m bench --council`` or ``python -m bench.council``
(``--small`` for the quick preset, ``--backend files|postgres|both``).

Generates the district store (``bench.generate``), then adds onto it, through the store
API only, what the 议事厅 reads and writes: ~8 grids of ~30 buildings in every community
(``apply_grid_import``, as the template import does) and, in every community's 社区议事厅
(set to 一户一票):

* in the first ``MEASURED`` communities (the ones measured): 250 confirmed residents, each
  a household of its own; 6 proposals collecting support, 4 on the agenda, 10 meetings
  with sign-ins and minutes, 3 open votes with 200 households' ballots each, 4 closed votes
  (3 passed, 1 failed) of 200 ballots, a passed proposal turned into a project with
  progress, and a finished one rated by 30 residents;
* in every other community: 12 residents, a proposal collecting support, one on the
  agenda with its meeting, and an open vote with 10 ballots.

A gunicorn server (2 workers, 127.0.0.1; ``bench.server``) then serves the store, and wrk
measures, beside the bare ``/bench/hello`` of the same server in the same run:

* ``vote``: ``POST /portal/council/c/<cid>/p/<pid>/vote`` by 32 logged-in residents, each
  cycling over the 3 open votes of their community with 赞成 and 反对 (a first ballot,
  then changes); checked afterwards in the store: every open vote holds exactly its
  200 ballots plus one per resident who had not voted, one row per household;
* ``hall``: the 社区议事厅's public page ``GET /portal/council/c/<cid>/h/community/``;
* ``halls``: the community's list of its ~250 halls ``GET /portal/council/c/<cid>/``;
* ``proposal`` (for information): a resident's view of a proposal being voted on.

Share = req/s of the path ÷ req/s of the bare endpoint (targets: vote ≥ 10%, pages ≥
30%). Results go to ``bench/RESULTS-council.md`` (``--small``: ``bench/out/RESULTS-council-
small.md``); raw wrk output to ``bench/out/council/``.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEASURED = 8
RESIDENTS, OTHER_RESIDENTS = 250, 12
BALLOTS = 200
SESSIONS_PER_COMMUNITY = (2, 2)  # residents who voted already, residents who did not
TARGETS = {"vote": 0.10, "hall": 0.30, "halls": 0.30}
NAMES = {
    "bare": "bare endpoint `GET /bench/hello`",
    "vote": "vote `POST /portal/council/c/<cid>/p/<pid>/vote` (cast or change)",
    "hall": "社区议事厅 page `GET /portal/council/c/<cid>/h/community/`",
    "halls": "the community's halls `GET /portal/council/c/<cid>/` (~250 halls)",
    "proposal": "proposal being voted on, as a resident `GET …/p/<pid>` (information)",
}
BACKENDS = {"files": ("files",), "postgres": ("postgres",), "both": ("files", "postgres")}


def log(msg: str) -> None:
    print(f"[bench council {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the data, through the store ------------------------------------------------------------


class Builder:
    """One community's 社区议事厅 filled through the store functions, dated in the past in
    the order the real steps take."""

    def __init__(self, store, cid: str, admin: str, residents: list[dict], now, rng):
        self.store, self.cid, self.admin, self.now, self.rng = store, cid, admin, now, rng
        self.uids = [u["uid"] for u in residents]
        self.counts = dict.fromkeys(("proposals", "meetings", "votes", "ballots"), 0)
        self.open_votes: list[dict] = []

    def matter(self, title: str, supporters: int, at) -> dict:
        proposer, *others = self.rng.sample(self.uids, supporters + 1)
        item = self.store.propose(
            self.cid, "community", proposer, title=title, description=f"{title}（测试）", at=at
        )
        for uid in others:
            self.store.support_proposal(self.cid, item["id"], uid, at=at + timedelta(hours=1))
        self.counts["proposals"] += 1
        return item

    def meeting(self, proposal: dict, signins: int, at) -> None:
        store = self.store
        meeting = store.schedule_meeting(
            self.cid,
            "community",
            starts_at=at,
            place="社区活动室（测试）",
            proposal_ids=[proposal["id"]],
            roles=["building_head", "property"],
            by=self.admin,
            at=at - timedelta(days=2),
        )
        for uid in self.uids[:signins]:
            store.meeting_sign_in(self.cid, meeting["id"], uid, meeting["code"], at=at)
        store.record_minutes(
            self.cid,
            meeting["id"],
            proposal["id"],
            "居民充分讨论（测试）。",
            "提交表决",
            self.admin,
            at=at,
        )
        self.counts["meetings"] += 1

    def vote(self, proposal: dict, ballots: int, opened, days: int, close: bool) -> dict:
        store = self.store
        vote = store.open_vote(self.cid, proposal["id"], self.admin, days, at=opened)
        for n, uid in enumerate(self.uids[:ballots]):
            choice = "yes" if n % 10 < 6 else ("no" if n % 10 < 9 else "abstain")
            store.cast_vote(self.cid, vote["id"], uid, choice, at=opened + timedelta(hours=1))
        self.counts["votes"] += 1
        self.counts["ballots"] += ballots
        if close:
            vote = store.close_vote(
                self.cid, vote["id"], self.admin, at=opened + timedelta(days=days)
            )
        return vote


def fill_measured(b: Builder) -> None:
    day, now = timedelta(days=1), b.now
    for k in range(6):
        b.matter(f"征集中的提议{k + 1}", 3, now - (k + 1) * day)
    for k in range(4):
        talk = b.matter(f"议事中的提议{k + 1}", 10, now - (10 + k) * day)
        for m in range(2 if k < 2 else 3):  # 10 meetings in all
            b.meeting(talk, 20, now - (8 - m) * day)
    for k in range(3):
        item = b.matter(f"表决中的提议{k + 1}", 10, now - (5 + k) * day)
        b.open_votes.append(b.vote(item, BALLOTS, now - 1 * day, 7, close=False))
    passed = []
    for k in range(4):
        item = b.matter(f"已表决的提议{k + 1}", 10, now - (60 + k) * day)
        ballots = BALLOTS if k < 3 else BALLOTS // 2  # the last misses the quorum: fails
        b.vote(item, ballots, now - (55 + k) * day, 3, close=True)
        passed.append(item)
    store, cid, admin = b.store, b.cid, b.admin
    store.start_council_project(cid, passed[1]["id"], admin, at=now - 45 * day)
    store.add_project_progress(cid, passed[1]["id"], 40, "进行中（测试）", admin, at=now - 9 * day)
    store.start_council_project(cid, passed[2]["id"], admin, at=now - 40 * day)
    store.add_project_progress(
        cid, passed[2]["id"], 100, "已完成（测试）", admin, done=True, at=now - 3 * day
    )
    for n, uid in enumerate(b.uids[:30]):
        store.rate_project(cid, passed[2]["id"], uid, 3 + n % 3, "不错（测试）", at=now - day)


def fill_other(b: Builder) -> None:
    day, now = timedelta(days=1), b.now
    b.matter("征集中的提议", 2, now - 2 * day)
    talk = b.matter("议事中的提议", 10, now - 9 * day)
    b.meeting(talk, 6, now - 6 * day)
    voting = b.matter("表决中的提议", 10, now - 5 * day)
    b.open_votes.append(b.vote(voting, 10, now - day, 7, close=False))


def add_council(store, district, seed: int = 18) -> dict:
    """Grids and the 议事厅 of every community onto the open store; returns counts and,
    per measured community, its residents and open votes."""
    from bench import grids

    rng = random.Random(seed)
    people = [u for u in district.users if u["role"] in ("member", "volunteer")]
    counts = dict.fromkeys(
        ("grids", "buildings", "residents", "proposals", "meetings", "votes", "ballots"), 0
    )
    measured = []
    for n, community in enumerate(district.communities):
        cid, admin = community["id"], district.admin_of[community["id"]]
        store.apply_grid_import(cid, grids._rows(rng), admin)
        index = store.grid_structure(cid)
        counts["grids"] += len(index["grids"])
        counts["buildings"] += len(index["buildings"])
        buildings = index["buildings"]
        big = n < MEASURED
        residents = rng.sample(people, RESIDENTS if big else OTHER_RESIDENTS)
        long_ago = district.now - timedelta(days=90)
        for i, person in enumerate(residents):  # each a household of its own
            building = buildings[i % len(buildings)]
            room = f"{i // len(buildings) + 1}-{101 + i % 4}"
            store.register_home(cid, person["uid"], building["id"], room, at=long_ago)
            store.confirm_resident(cid, person["uid"], admin, at=long_ago)
        counts["residents"] += len(residents)
        store.set_council_vote_mode(cid, "community", "household", admin, at=long_ago)
        b = Builder(store, cid, admin, residents, district.now, rng)
        (fill_measured if big else fill_other)(b)
        for key, value in b.counts.items():
            counts[key] += value
        if big:
            measured.append({"cid": cid, "residents": residents, "votes": b.open_votes})
        if n % 20 == 19:
            log(f"  {n + 1} communities: {counts}")
    return {"counts": counts, "measured": measured}


# --- the load run -----------------------------------------------------------------------------


def vote_lines(sessions: dict, measured: list[dict]) -> list[tuple[str, str, str, str]]:
    """Each session's POSTs: every open vote of its community, 赞成 then 反对 (cast, change)."""
    from urllib.parse import quote

    lines = []
    for m in measured:
        for person in _voters(m):
            s = sessions[person["uid"]]
            token = quote(s.token, safe="")
            for choice in ("yes", "no"):
                for vote in m["votes"]:
                    path = f"/portal/council/c/{m['cid']}/p/{vote['proposal_id']}/vote"
                    lines.append(("POST", path, s.cookie, f"csrf_token={token}&choice={choice}"))
    return lines


def _voters(m: dict) -> list[dict]:
    """Residents who voted already (the first) and residents who did not (the last)."""
    voted, fresh = SESSIONS_PER_COMMUNITY
    return m["residents"][:voted] + m["residents"][len(m["residents"]) - fresh :]


def precheck(port: int, lines, expect: int, name: str) -> None:
    """One request through Python: the right status, not the login form; a vote is
    followed to its page, which must show the success message."""
    from urllib.parse import unquote, urlsplit

    from bench import load

    method, path, cookie, body = lines[0]
    form = (
        {k: unquote(v) for k, v in (kv.split("=", 1) for kv in body.split("&"))} if body else None
    )
    status, headers, text, cookie = load.fetch(port, method, path, cookie, form)
    location = headers.get("Location") or ""
    if status != expect or "/portal/login" in location or 'name="password"' in text:
        raise RuntimeError(f"{name}: {method} {path} answered {status} {location}")
    if method == "POST":
        after = urlsplit(location)
        _s, _h, page, _c = load.fetch(port, "GET", after.path, cookie)
        if "投票成功" not in page and "已改票" not in page:
            raise RuntimeError(f"{name}: the vote was not taken ({path})")


def measure(args, port: int, out: Path, pages: dict) -> dict:
    """Every path in turn, ``args.rounds`` times (bare first in each round); the best round
    of each counts (other work on the machine only makes a round slower)."""
    from bench import load

    best: dict[str, dict] = {}
    for round_ in range(args.rounds):
        for name, (lines, expect) in pages.items():
            if round_ == 0:
                load.run_wrk(
                    port,
                    lines,
                    out,
                    f"{name}-warm",
                    duration=2,
                    connections=args.connections,
                    expect=expect,
                )
            r = load.run_wrk(
                port,
                lines,
                out,
                f"{name}-{round_ + 1}",
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                expect=expect,
            )
            log(
                f"  {name} round {round_ + 1}: {r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, "
                f"p99 {r['p99']:.1f} ms, errors {r['errors']}, unexpected {r['unexpected']}"
            )
            rounds = best.get(name, {}).get("rounds", []) + [round(r["rps"])]
            bad = best.get(name, {}).get("bad", 0) + r["errors"] + r["unexpected"]
            if name not in best or r["rps"] > best[name]["rps"]:
                best[name] = r
            best[name]["rounds"], best[name]["bad"] = rounds, bad
    return best


def check_votes(store, measured: list[dict]) -> str:
    """After the vote runs: each open vote holds its ballots plus one per resident who
    had not voted, one row per household, and the recount agrees with the rows."""
    voted, fresh = SESSIONS_PER_COMMUNITY
    store.current_backend().forget_caches()
    problems, checked = [], 0
    for m in measured:
        for vote in m["votes"]:
            counted = store.recount_vote(m["cid"], vote["id"])
            if counted["cast"] != BALLOTS + fresh:
                problems.append(f"{m['cid']}/{vote['id']}: {counted['cast']} ballots")
            checked += 1
    if problems:
        return "INVALID: " + "; ".join(problems[:5])
    return f"{checked} open votes hold exactly {BALLOTS} + {fresh} ballots, one per household"


def run_backend(args, backend: str, target, district, added, out: Path) -> dict:
    from bench import generate, load
    from bench.server import Server
    from portal import store

    if isinstance(target, str):
        store.init_database(target)
    server = Server(target, out / "gunicorn.log")
    server.start()
    try:
        port = server.port
        measured = added["measured"]
        people = [p for m in measured for p in _voters(m)]
        t = time.perf_counter()
        sessions = {
            s.uid: s
            for s in load.login_all(
                port, [(p["phone"], p["uid"]) for p in people], generate.BENCH_PASSWORD
            )
        }
        log(f"  {backend}: {len(sessions)} residents logged in in {time.perf_counter() - t:.1f} s")
        viewer = {m["cid"]: sessions[_voters(m)[0]["uid"]] for m in measured}
        pages = {
            "bare": (load.get_lines([("/bench/hello", "")]), 200),
            "vote": (vote_lines(sessions, measured), 302),
            "hall": (
                load.get_lines(
                    [(f"/portal/council/c/{m['cid']}/h/community/", "") for m in measured]
                ),
                200,
            ),
            "halls": (
                load.get_lines([(f"/portal/council/c/{m['cid']}/", "") for m in measured]),
                200,
            ),
            "proposal": (
                load.get_lines(
                    [
                        (
                            f"/portal/council/c/{m['cid']}/p/{v['proposal_id']}",
                            viewer[m["cid"]].cookie,
                        )
                        for m in measured
                        for v in m["votes"]
                    ]
                ),
                200,
            ),
        }
        for name, (lines, expect) in pages.items():
            precheck(port, lines, expect, name)
        results = measure(args, port, out, pages)
    finally:
        server.stop()
    store.open_store(target)
    results["vote"]["store_check"] = check_votes(store, added["measured"])
    log(f"  {backend}: {results['vote']['store_check']}")
    store.close_backends()
    return results


def render(args, sizes, counts: dict, runs: dict, seconds: float, migrated: dict) -> str:
    lines = [
        "# 议事厅 at district scale (`python -m bench --council`)",
        "",
        f"- Command: `python -m bench --council{' --small' if args.small else ''} "
        f"--backend {args.backend}`; {args.rounds} rounds of {args.duration:g} s per path, "
        f"{args.connections} connections, {args.threads} wrk threads.",
        f"- Store: {sizes.communities} communities, {sizes.members:,} members; added through the "
        f"store API: {counts['grids']:,} grids, {counts['buildings']:,} buildings, "
        f"{counts['residents']:,} confirmed residents, {counts['proposals']:,} proposals, "
        f"{counts['meetings']:,} meetings, {counts['votes']:,} votes with {counts['ballots']:,} "
        f"ballots (the {MEASURED} measured communities: {RESIDENTS} households each, 3 open votes "
        f"of {BALLOTS} ballots; generation {seconds:.0f} s).",
    ]
    if migrated:
        lines.append(
            f"- PostgreSQL: the generated folder copied in with `store.copy_store` "
            f"({migrated['seconds']:.1f} s)."
        )
    lines += [
        "- Server: gunicorn, 2 sync workers, 127.0.0.1; wrk on the same machine; the best of "
        "the rounds counts; share = req/s of the path ÷ req/s of the bare endpoint of the same "
        "server in the same run.",
        "",
        "| backend | path | req/s | share of bare | p50 ms | p99 ms | errors | target | rounds |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    notes = []
    for backend, results in runs.items():
        bare = results["bare"]["rps"]
        for key, r in results.items():
            share = r["rps"] / bare if bare else 0.0
            target = TARGETS.get(key)
            verdict = (
                f"≥ {target:.0%} " + ("met" if share >= target else "**MISSED**") if target else ""
            )
            lines.append(
                f"| {backend} | {NAMES[key]} | {r['rps']:,.0f} | {share:.1%} | {r['p50']:.1f} | "
                f"{r['p99']:.1f} | {r['bad']} | {verdict} | "
                f"{' / '.join(f'{x:,}' for x in r['rounds'])} |"
            )
        notes.append(
            f"- {backend}, store check after the vote runs: {results['vote']['store_check']}."
        )
    return "\n".join(lines + [""] + notes) + "\n"


def main(args) -> int:
    """Generate, add grids and the 议事厅, serve, measure, report (``args`` as parsed by
    ``bench.__main__``)."""
    from bench import generate, pg
    from portal import store

    sizes = generate.SMALL if args.small else generate.FULL
    sizes = replace(
        sizes, **{k: getattr(args, k) for k in ("communities", "members") if getattr(args, k)}
    )
    args.duration = args.duration or (3.0 if args.small else 5.0)
    backends = BACKENDS[args.backend]
    if "postgres" in backends and pg.bindir_or_none() is None:
        print("--backend postgres 需要 PostgreSQL 服务器程序（initdb、pg_ctl）。", file=sys.stderr)
        return 2
    out = args.out / "council"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-council-"))
    folder = base / "store-council"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    cluster = None
    try:
        district = generate.build_district(sizes, store.now())
        secret = f"bench-{random.getrandbits(256):064x}"
        # The 议事厅 does not read sign-ups: a small number keeps the generation short.
        generate.write_store(district, folder, min(sizes.signups, 20_000), secret_key=secret)
        store.open_store(folder)
        log(f"district written ({sizes.communities} communities); adding grids and the 议事厅 …")
        added = add_council(store, district)
        seconds = time.perf_counter() - started
        log(f"added in {seconds:.0f} s: {added['counts']}")
        store.close_backends()
        targets: dict = {}
        migrated: dict = {}
        if "files" in backends:
            targets["files"] = folder
        if "postgres" in backends:
            cluster = pg.Cluster().start()
            url = cluster.create_database("bench_council")
            migrated = pg.migrate(folder, url)
            log(f"copied into PostgreSQL {cluster.version} in {migrated['seconds']:.1f} s")
            targets["postgres"] = url
        runs = {}
        for backend, target in targets.items():
            log(f"{backend}: serving and measuring")
            runs[backend] = run_backend(args, backend, target, district, added, out / backend)
        text = render(args, sizes, added["counts"], runs, seconds, migrated)
        results = args.results or (
            args.out / "RESULTS-council-small.md" if args.small else HERE / "RESULTS-council.md"
        )
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(text, encoding="utf-8")
        log(f"results in {results}")
        print(text)
        return 0
    finally:
        store.close_backends()
        if cluster is not None:
            cluster.close()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    from bench import load
    from bench.__main__ import _parser

    if not load.wrk_available():
        print("python -m bench.council 需要 wrk：sudo apt-get install -y wrk", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(_parser().parse_args()))
