"""District-scale benchmarks: ``python -m bench`` (full preset) or ``python -m bench --small``.

1. KB: full build beside an empty mkdocs-material site; ``python run.py build`` unchanged.
2. Generates the district store for each growth point (default 1k, 20k, 200k sign-ups),
   same communities, members and posts, as data folders, and checks it through real
   store functions.
3. ``--backend postgres`` or ``both``: starts a private PostgreSQL cluster (``bench/pg.py``)
   and copies each store into a fresh database with ``store.copy_store``, timed; the
   largest is copied back into an empty folder and the checksums compared.
4. Per backend, starts gunicorn (2 workers, 127.0.0.1) on the largest store and measures
   every main path with wrk beside the bare ``/bench/hello`` of the same server; then
   sign-up and 为我推荐 again on the smaller stores (the growth curve).
5. Writes ``bench/RESULTS.md`` (both backends side by side); raw wrk output, request
   lists and server logs go to ``bench/out/`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACKENDS = {"files": ("files",), "postgres": ("postgres",), "both": ("files", "postgres")}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument(
        "--small",
        action="store_true",
        help="quick preset (34 communities, 2,000 members, 340 posts, 20,000 sign-ups; 4 s runs)",
    )
    p.add_argument("--communities", type=int)
    p.add_argument("--members", type=int)
    p.add_argument("--posts", type=int)
    p.add_argument("--signups", type=int, help="total sign-ups of the main store")
    p.add_argument(
        "--growth",
        help="comma-separated sign-up totals for the growth curve (default 1000,20000,<signups>)",
    )
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 8, small 4)")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of every read path, backends taking turns; the best round counts (default 2)",
    )
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument(
        "--backend",
        choices=sorted(BACKENDS),
        default="files",
        help="the store the server uses: files (a data folder, the default), postgres (a "
        "private PostgreSQL cluster, the generated store copied in with store.copy_store), "
        "or both, side by side in one run",
    )
    p.add_argument("--skip-kb", action="store_true")
    p.add_argument(
        "--grids",
        action="store_true",
        help="only the grid pages (grid dashboard, 社区专员 home) on a district store with "
        "grids and buildings added (bench/grids.py)",
    )
    p.add_argument(
        "--hotline",
        action="store_true",
        help="only 接诉即办: a year of work orders (20,000 a month), the order list, an order "
        "page and the 三率 page, and a 5,000-row import (bench/hotline.py)",
    )
    p.add_argument(
        "--council",
        action="store_true",
        help="only the 议事厅: the vote POST and the hall pages on a district store with "
        "grids, residents, proposals, meetings and votes added (bench/council.py)",
    )
    p.add_argument("--keep", type=Path, help="keep the generated stores in this folder")
    p.add_argument(
        "--results",
        type=Path,
        help="where to write the results (default "
        "bench/RESULTS.md; with --small bench/out/RESULTS-small.md, so that the "
        "committed file keeps the full preset)",
    )
    p.add_argument("--out", type=Path, default=HERE / "out", help="raw outputs (not committed)")
    return p


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- request lists -------------------------------------------------------------------------


def signup_pairs(district, per_member: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(uid, cid, sid): for each bench member, future shifts of open posts, one per time slot
    (a member cannot hold two overlapping shifts), in random order, members interleaved."""
    rng = random.Random(seed)
    earliest = (district.now + timedelta(days=2)).date().isoformat()
    candidates = [
        (cid, shift)
        for cid, post, shift, slot in district.shift_meta.values()
        if slot and post["status"] == "open" and shift["date"] >= earliest
    ]
    lists = []
    for uid in district.bench_uids:
        order = candidates[:]
        rng.shuffle(order)
        taken, mine = set(), []
        for cid, shift in order:
            slot = (shift["date"], shift["start"])
            if slot in taken:
                continue
            taken.add(slot)
            mine.append((uid, cid, shift["id"]))
            if len(mine) >= per_member:
                break
        lists.append(mine)
    return [lst[k] for k in range(max(map(len, lists))) for lst in lists if k < len(lst)]


def active_bench_signups(store, uids) -> dict[tuple[str, str], str]:
    """(uid, shift id) -> cid of the members' active sign-ups for shifts from tomorrow on
    (read through the store)."""
    store.current_backend().forget_caches()
    tomorrow = (store.now() + timedelta(days=1)).date().isoformat()
    found = {}
    for uid in uids:
        for row in store.user_signups(uid):
            if row["shift"]["date"] and row["shift"]["date"] > tomorrow:
                found[(uid, row["shift_id"])] = row["shift"]["community_id"]
    return found


# --- one server, several runs ----------------------------------------------------------------


class Runner:
    def __init__(self, args, out: Path, port: int, label: str = ""):
        self.args, self.out, self.port, self.label = args, out, port, label

    def run(self, name, lines, *, cycle=True, expect=200, duration=None, warm=True):
        from bench import load

        duration = duration or self.args.duration
        if warm:  # every worker loads its caches (the first 为我推荐 reads ~700 files)
            load.run_wrk(
                self.port,
                lines,
                self.out,
                name + "-warm",
                duration=2 if self.args.small else 3,
                connections=self.args.connections,
                threads=self.args.threads,
            )
        log(
            f"  [{self.label}] {name}: {len(lines)} distinct requests, {duration:g} s, "
            f"{self.args.connections} connections"
        )
        r = load.run_wrk(
            self.port,
            lines,
            self.out,
            name,
            duration=duration,
            cycle=cycle,
            expect=expect,
            connections=self.args.connections,
            threads=self.args.threads,
        )
        if r["errors"] or r["unexpected"] or r["overflow"]:
            r["notes"].append(
                f"INVALID: {r['non_2xx_3xx']} non-2xx/3xx, {r['socket_errors']} "
                f"socket errors, {r['unexpected']} unexpected status, "
                f"{r['overflow']} past the request list"
            )
        log(
            f"    {r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
            f"p99 {r['p99']:.1f} ms, errors {r['errors']}, unexpected {r['unexpected']}"
        )
        return r


def precheck(port: int, lines, expect: int, what: str) -> None:
    """One request of each distinct (method, path, cookie) kind through Python: right status,
    and a page not the login form."""
    from bench import load

    method, path, cookie, body = lines[0]
    form = dict(kv.split("=", 1) for kv in body.split("&")) if body else None
    if form:
        from urllib.parse import unquote

        form = {k: unquote(v) for k, v in form.items()}
    status, headers, text, _c = load.fetch(port, method, path, cookie, form)
    location = headers.get("Location") or ""
    if status != expect or "/portal/login" in location or 'name="password"' in text:
        raise RuntimeError(f"{what}: {method} {path} answered {status} {location}")


class Side:
    """One backend's server on one store, with its own logged-in sessions."""

    def __init__(self, backend: str, target, out: Path):
        from bench.server import Server

        self.backend, self.target, self.out = backend, target, out
        self.server = Server(target, out / "gunicorn.log")
        self.results: dict[str, dict] = {}
        self.store_backend = None

    def start(self, args, district, admin_cids) -> None:
        """Start the server and log in through /portal/login (sessions are kept in the
        store, so a session of one store is not one of another)."""
        from bench import load
        from bench.generate import BENCH_PASSWORD
        from portal import store

        if isinstance(self.target, str):
            # As a deployment does after an upgrade: bring the schema up to this
            # program's version (nothing when it is current).
            store.init_database(self.target)
        self.server.start()
        port = self.server.port
        uids = district.bench_uids + (district.cancel_uids if admin_cids else [])
        log(
            f"  {self.backend}: logging in {len(uids)} members and {len(admin_cids)} admins "
            "through /portal/login"
        )
        phone_of = {u["uid"]: u["phone"] for u in district.users}
        t = time.perf_counter()
        sessions = load.login_all(port, [(phone_of[u], u) for u in uids], BENCH_PASSWORD)
        self.admin_sessions = dict(
            zip(
                admin_cids,
                load.login_all(
                    port,
                    [(phone_of[district.admin_of[c]], district.admin_of[c]) for c in admin_cids],
                    BENCH_PASSWORD,
                ),
                strict=True,
            )
        )
        self.results["login"] = {"seconds": time.perf_counter() - t, "count": len(sessions)}
        self.by_uid = {s.uid: s for s in sessions}
        self.runner = Runner(args, self.out, port, self.backend)
        # The bench process reads the same store to check what the writes did.
        self.store_backend = store.open_store(self.target)

    def use_store(self):
        from portal import store

        store.use(self.store_backend)
        return store

    def stop(self) -> None:
        if self.store_backend is not None:
            self.store_backend.forget_caches()
            self.store_backend.close()
        self.server.stop()


def get_paths(district, side: Side, *, full: bool) -> dict[str, list]:
    """The GET request lists: the growth paths, or (full) every read path."""
    from bench import load

    members = [side.by_uid[u] for u in district.bench_uids if u in side.by_uid]
    pages = {
        "bare": load.get_lines([("/bench/hello", "")]),
        "recommend": load.get_lines([("/portal/recommend", s.cookie) for s in members]),
    }
    if not full:
        return pages
    pages["home"] = load.get_lines([("/portal/me", s.cookie) for s in members])
    roster = []
    for cid, s in side.admin_sessions.items():
        busiest = sorted(
            (m for m in district.shift_meta.values() if m[0] == cid),
            key=lambda m: -m[2]["capacity"],
        )[:6]
        roster += [(f"/portal/admin/c/{cid}/shifts/{m[2]['id']}/roster", s.cookie) for m in busiest]
    streets = sorted({c["street_id"] for c in district.communities})[:4]
    pages["roster"] = load.get_lines(roster)
    pages["posts"] = load.get_lines(
        [("/portal/posts", "")] * 4
        + [("/portal/posts?page=2", "")]
        + [(f"/portal/posts?street={s}", "") for s in streets]
    )
    pages["kb"] = load.get_lines(
        [("/", ""), ("/guide/posts/", ""), ("/lists/streets/", ""), ("/guide/faq/", "")]
    )
    return pages


def run_signups(args, district, side: Side) -> None:
    """Sign-up: every request a different (member, shift) pair; capacity and the waiting
    list stay real (full shifts put people on the waiting list). Checked in the store."""
    from bench import load

    store = side.use_store()
    before = active_bench_signups(store, district.bench_uids)
    pairs = [p for p in signup_pairs(district, args.pairs_per_member) if (p[0], p[2]) not in before]
    lines = load.post_lines(
        [(f"/portal/c/{cid}/shifts/{sid}/signup", side.by_uid[uid]) for uid, cid, sid in pairs]
    )
    side.results["signup"] = r = side.runner.run(
        "signup", lines, cycle=False, expect=302, warm=False
    )
    store = side.use_store()
    after = active_bench_signups(store, district.bench_uids)
    made = len(set(after) - set(before))
    r["store_check"] = f"{made} sign-ups written for {r['requests']} responses"
    if not r["requests"] <= made <= r["requests"] + args.connections:
        r["notes"].append(
            f"INVALID: {made} sign-ups in the store for {r['requests']} responses (refused sign-ups?)"
        )
    log(f"    store: {r['store_check']}")


def run_cancels(args, district, side: Side) -> None:
    """Cancel: the cancel members' sign-ups (written by the generator as their last
    arrivals), each cancelled once; a cancelled confirmed place promotes the first on the
    waiting list, as in production. Checked in the store."""
    from bench import load

    store = side.use_store()
    active = active_bench_signups(store, district.cancel_uids)
    rows = sorted(active.items(), key=lambda kv: kv[0][1])
    lines = load.post_lines(
        [(f"/portal/c/{cid}/shifts/{sid}/cancel", side.by_uid[uid]) for (uid, sid), cid in rows]
    )
    r = side.runner.run(
        "cancel", lines, cycle=False, expect=302, warm=False, duration=args.duration / 2
    )
    store = side.use_store()
    left = active_bench_signups(store, district.cancel_uids)
    gone = len(active) - len(left)
    r["store_check"] = f"{gone} sign-ups cancelled for {r['requests']} responses"
    if not r["requests"] <= gone <= r["requests"] + args.connections:
        r["notes"].append(
            f"INVALID: {gone} cancellations in the store for {r['requests']} responses"
        )
    log(f"    store: {r['store_check']}")
    side.results["cancel"] = r


def _keep_best(results: dict, name: str, r: dict) -> None:
    """Keep the round with the most requests per second; remember every round, and every
    round's notes (an invalid round makes the path invalid)."""
    prev = results.get(name)
    rounds = (prev["rounds"] if prev else []) + [
        {"rps": r["rps"], "p50": r["p50"], "p99": r["p99"]}
    ]
    notes = (prev["notes"] if prev else []) + r["notes"]
    if prev is None or r["rps"] > prev["rps"]:
        results[name] = r
    results[name]["rounds"], results[name]["notes"] = rounds, notes


def measure_store(args, district, targets: dict, out: Path, admin_cids, *, full: bool) -> dict:
    """Every path (full=True) or the growth paths on one store, one server per backend.

    The servers run side by side and take turns path by path (the idle one waits without
    using the cores), so that both backends meet the machine in the same state: other
    work on it changes from minute to minute."""
    sides = [Side(b, t, out / b) for b, t in targets.items()]
    try:
        for side in sides:
            side.start(args, district, admin_cids if full else [])
        pages = {side.backend: get_paths(district, side, full=full) for side in sides}
        for side in sides:
            for name, lines in pages[side.backend].items():
                if name != "bare":
                    precheck(side.server.port, lines, 200, f"{side.backend} {name}")
        # Reads: every path in turn, args.rounds times; the best round counts (other work
        # on the machine only ever makes a round slower), every round is kept.
        for round_ in range(args.rounds):
            for name in pages[sides[0].backend]:
                for side in sides:
                    r = side.runner.run(
                        f"{name}-{round_ + 1}", pages[side.backend][name], warm=round_ == 0
                    )
                    r["name"] = name
                    _keep_best(side.results, name, r)
        for side in sides:
            run_signups(args, district, side)
        if full:
            for side in sides:
                run_cancels(args, district, side)
            for side in sides:
                bare = pages[side.backend]["bare"]
                side.results["bare_end"] = side.runner.run("bare-end", bare, warm=False)
        for side in sides:
            side.results["memory"] = side.server.memory()
    finally:
        for side in sides:
            side.stop()
    return {side.backend: side.results for side in sides}


# --- main --------------------------------------------------------------------------------------


def machine() -> dict:
    import platform
    from bench import load, server

    info = {
        "python": platform.python_version(),
        "kernel": platform.release(),
        "gunicorn": server.gunicorn_version(),
        "wrk": load.wrk_version(),
    }
    try:
        cpu = [
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ]
        info["cpu"] = f"{cpu[0]} × {len(cpu)}" if cpu else "?"
        mem = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        info["ram"] = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        info.setdefault("cpu", "?")
    info["tree"] = _tree()
    from importlib import metadata

    for pkg in ("Flask", "tinydb", "mkdocs", "mkdocs-material", "Werkzeug", "psycopg"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            info[pkg] = "?"
    return info


def _tree() -> str:
    """The commit measured, and the files that differed from it (others work in the same
    tree: a figure belongs to the code as it was during the run)."""
    import subprocess

    def git(*args) -> str:
        out = subprocess.run(
            ["git", "--no-optional-locks", *args], capture_output=True, text=True, cwd=HERE.parent
        )
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "?"
    changed = [f for f in git("diff", "--name-only", "HEAD").splitlines() if f]
    untracked = git("ls-files", "--others", "--exclude-standard", "portal", "bench").splitlines()
    files = sorted(set(changed) | {f for f in untracked if f})
    if not files:
        return f"commit {commit}"
    return f"commit {commit} with uncommitted changes to " + ", ".join(f"`{f}`" for f in files)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from bench import load

    if not load.wrk_available():
        print(
            "python -m bench 需要 wrk（HTTP 压测工具）。请先安装：sudo apt-get install -y wrk\n"
            "(bench needs wrk: apt-get install -y wrk)",
            file=sys.stderr,
        )
        return 2
    if args.grids:
        from bench import grids

        return grids.main(args)
    if args.hotline:
        from bench import hotline

        return hotline.main(args)
    if args.council:
        from bench import council

        return council.main(args)
    from bench import generate, pg, report

    backends = BACKENDS[args.backend]
    if "postgres" in backends and pg.bindir_or_none() is None:
        print(
            "python -m bench --backend postgres 需要 PostgreSQL 服务器程序（initdb、pg_ctl）。"
            "请先以 root 运行：bash .ci/postgres-deps.sh\n"
            "(bench needs PostgreSQL's server binaries: run .ci/postgres-deps.sh as root)",
            file=sys.stderr,
        )
        return 2

    sizes = generate.SMALL if args.small else generate.FULL
    sizes = replace(
        sizes,
        **{
            k: getattr(args, k)
            for k in ("communities", "members", "posts", "signups")
            if getattr(args, k)
        },
    )
    args.duration = args.duration or (4.0 if args.small else 8.0)
    args.results = args.results or (
        args.out / "RESULTS-small.md" if args.small else HERE / "RESULTS.md"
    )
    args.pairs_per_member = 100
    growth = sorted(
        {int(x) for x in args.growth.split(",")}
        if args.growth
        else {1000, min(20_000, sizes.signups), sizes.signups}
    )
    if growth[-1] != sizes.signups:
        growth.append(sizes.signups)
    started = time.perf_counter()
    load_before = os.getloadavg()
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log(f"preset {'small' if args.small else 'full'}, backends {', '.join(backends)}: {sizes}")

    kb = None
    if not args.skip_kb:
        from bench import kbtime

        log("KB: full build, empty mkdocs-material site, unchanged `python run.py build`")
        kb = kbtime.measure()
        log(
            f"  full {kb['full']:.2f} s, empty {kb['empty']:.2f} s (×{kb['ratio']:.2f}), "
            f"unchanged {kb['unchanged']:.3f} s"
        )

    from portal import store

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-stores-"))
    base.mkdir(parents=True, exist_ok=True)
    cluster = None
    try:
        t = time.perf_counter()
        district = generate.build_district(sizes, store.now())
        secret = f"bench-{random.getrandbits(256):064x}"
        stores, counts = {}, {}
        for total in growth:
            folder = base / f"store-{total}"
            if folder.exists():
                shutil.rmtree(folder)
            counts[total] = generate.write_store(
                district, folder, total, secret_key=secret, cancel_targets=total == growth[-1]
            )
            generate.check(district, folder)
            stores[total] = folder
            log(f"store with {total} sign-ups: {json.dumps(counts[total], ensure_ascii=False)}")
        gen_seconds = time.perf_counter() - t
        log(f"generated and checked in {gen_seconds:.1f} s")
        largest = growth[-1]

        # Every backend measures the same generated stores: PostgreSQL gets a copy of
        # each before any server writes to the folders.
        targets: dict[str, dict] = {}
        if "files" in backends:
            targets["files"] = dict(stores)
        migration = None
        if "postgres" in backends:
            files_before, files_after = pg.raise_open_files()
            cluster = pg.Cluster().start()
            migration = {
                "version": cluster.version,
                "settings": cluster.settings(),
                "forward": {},
                "open_files": (files_before, files_after),
            }
            log(f"PostgreSQL {cluster.version} cluster in a temp folder: {migration['settings']}")
            targets["postgres"] = {}
            for total in growth:
                url = cluster.create_database(f"bench_{total}")
                m = migration["forward"][total] = pg.migrate(stores[total], url)
                targets["postgres"][total] = url
                log(
                    f"  copy_store files → PostgreSQL, {total} sign-ups: {m['counts']} in "
                    f"{m['seconds']:.1f} s (copy and checksum verification)"
                )
            back = base / "round-trip"
            shutil.rmtree(back, ignore_errors=True)
            rt = migration["round_trip"] = pg.round_trip(
                stores[largest], targets["postgres"][largest], back
            )
            shutil.rmtree(back, ignore_errors=True)
            log(
                f"  copy_store PostgreSQL → empty folder: {rt['counts']} in {rt['seconds']:.1f} s; "
                f"store_digests of both folders {'equal' if rt['equal'] else 'DIFFER'}"
            )

        rng = random.Random(3)
        busy = sorted(district.communities, key=lambda c: -len(district.shifts[c["id"]]))
        admin_cids = [c["id"] for c in busy[:8]]
        rng.shuffle(admin_cids)
        # The largest store first (every path), then the growth stores.
        runs: dict[str, dict] = {b: {} for b in backends}
        for total in [largest, *growth[:-1]]:
            full = total == largest
            log(
                f"{' and '.join(backends)} servers on the {total}-sign-up store: "
                + ("every path" if full else "growth paths")
            )
            found = measure_store(
                args,
                district,
                {b: targets[b][total] for b in backends},
                out / f"s{total}",
                admin_cids,
                full=full,
            )
            for backend, results in found.items():
                runs[backend][total] = results
        elapsed = time.perf_counter() - started
        info = machine()
        info["load"] = (
            f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
        text = report.render(
            args=args,
            argv=sys.argv[1:] if argv is None else argv,
            sizes=sizes,
            counts=counts,
            growth=growth,
            runs=runs,
            migration=migration,
            kb=kb,
            machine=info,
            gen_seconds=gen_seconds,
            elapsed=elapsed,
        )
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text, encoding="utf-8")
        (out / "results.json").write_text(
            json.dumps(
                {
                    "runs": {b: {str(k): v for k, v in r.items()} for b, r in runs.items()},
                    "migration": migration,
                    "kb": kb,
                    "counts": counts,
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            ),
            encoding="utf-8",
        )
        log(f"done in {elapsed:.0f} s; results in {args.results}")
        print(text)
        return 0
    finally:
        store.close_backends()
        if cluster is not None:
            cluster.close()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
