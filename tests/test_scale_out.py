"""Scale-out on one PostgreSQL database (issue 14): two app servers, crashes, an outage.

Every test runs two gunicorn masters (4 sync workers each, on two ports) on one real
PostgreSQL database of the test process's private cluster (tests/pg_fixtures.py):

1. 64 members race for the 5 places of a shift through both servers, five times.
2. Both servers are SIGKILLed (master and workers) at random moments under a load of
   sign-ups and cancellations, and started again, at least 50 times.
3. PostgreSQL itself stops at once (``pg_ctl stop -m immediate``) under that load and
   starts again; the servers are not restarted.

Whatever a server acknowledged (a 302 whose flash says so; see tests/scale_load.py)
must be in the store afterwards, and the shifts' rules must hold.
"""

from __future__ import annotations

import random
import re
import threading
import time
from datetime import date, timedelta

import pytest

from portal import store
from tests.conftest import World, make_user
from tests.scale_load import (
    CID,
    DATABASE_DOWN,
    WAITING_RE,
    Answer,
    AppServer,
    FlashReader,
    Ledger,
    Member,
    check_store,
    run_load,
    sign_in_all,
    start_all,
)

pytestmark = pytest.mark.processes

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _day(n: int) -> str:
    """A date of its own per shift, so no two of a member's sign-ups overlap in time."""
    return (date.today() + timedelta(days=3 + n)).isoformat()


@pytest.fixture
def pg_store(pg_url, tmp_path):
    """The test's own database, with the schema, opened in this process too."""
    store.init_database(pg_url)
    store.open_store(pg_url, backup_dir=tmp_path / "backups")
    yield pg_url
    store.close_backends()


@pytest.fixture
def servers(pg_store, tmp_path):
    """Two app servers (gunicorn, 4 workers each) on the database; stopped afterwards."""
    pair = [AppServer(name, pg_store, tmp_path, workers=4) for name in ("a", "b")]
    took = start_all(pair)
    print(f"\n[scale-out] two servers up in {max(took):.2f} s (ports {[s.port for s in pair]})")
    yield pair
    for server in pair:
        server.stop()


def _members(count: int, prefix: str) -> list[Member]:
    # The servers are up: the session key is in the database by now.
    reader = FlashReader(store.shared_secret_key())
    return [Member(make_user(f"{prefix}{n:04d}", "volunteer"), reader) for n in range(count)]


def _no_traceback(servers: list[AppServer]) -> None:
    for server in servers:
        assert "Traceback" not in server.log_text(), server.log_tail(80)


def _race(members: list[Member], ports: list[int], sid: str, round_no: int):
    """Every member signs up for the shift at the same moment; (answers by uid, the port
    each used, seconds from the start to the last answer)."""
    barrier = threading.Barrier(len(members) + 1)
    answers: dict[str, Answer] = {}
    served: dict[str, int] = {}

    def race(n: int, member: Member) -> None:
        # Half the members sign up through the server they did not log in on.
        port = ports[(n + n // 2 + round_no) % 2]
        served[member.uid] = port
        barrier.wait()
        answers[member.uid] = member.act("signup", sid, port)

    threads = [threading.Thread(target=race, args=(n, m)) for n, m in enumerate(members)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join(180)
    return answers, served, time.monotonic() - started


def _print_problems(ledger: Ledger, result: dict) -> None:
    """What went wrong, printed before the assertions stop at the first of it."""
    for title, rows in (
        ("unexpected answers", ledger.unexpected),
        ("answers contradicting an acknowledged one", ledger.violations),
        ("503 pages without the Chinese text or with a traceback", ledger.bad_503),
        ("store against the acknowledged answers", result["problems"]),
    ):
        if rows:
            print(f"[scale-out] {len(rows)} {title}:")
            for row in rows[:5]:
                print(f"    {row}")


# ------------------------------------------------------------------ 1. two servers, one race


@pytest.mark.slow
def test_64_members_race_for_five_places_through_two_servers(servers):
    world = World()
    ports = [s.port for s in servers]
    post, _first = world.post(capacity=5, day=_day(0))
    members = _members(64, "1371000")
    began = time.monotonic()
    sign_in_all(members, ports, f"/portal/c/{CID}/posts/{post['id']}")
    print(f"[scale-out] 64 members logged in over 2 servers in {time.monotonic() - began:.2f} s")

    for round_no in range(5):
        _post, shift = world.post(capacity=5, day=_day(round_no))
        sid = shift["id"]
        answers, served, took = _race(members, ports, sid, round_no)

        assert len(answers) == 64
        positions: dict[str, int | None] = {}
        for uid, answer in answers.items():
            assert answer.kind == "answered" and answer.status == 302, (uid, answer)
            assert answer.location.endswith("/portal/me"), answer.location
            assert len(answer.flashes) == 1, answer.flashes
            category, message = answer.flashes[0]
            if category == "success":
                assert message.startswith("报名成功"), message
                positions[uid] = None
            else:
                match = WAITING_RE.search(message)
                assert category == "info" and match, (category, message)
                positions[uid] = int(match.group(1))
        confirmed_by_answer = sorted(u for u, p in positions.items() if p is None)
        waiting_by_answer = sorted(p for p in positions.values() if p is not None)
        assert len(confirmed_by_answer) == 5
        assert waiting_by_answer == list(range(1, 60)), "waiting positions with gaps or twice"

        roster = store.roster(CID, sid)
        confirmed, waiting = roster["confirmed"], roster["waiting"]
        assert len(confirmed) == 5 and len(waiting) == 59
        assert sorted(r["uid"] for r in confirmed) == confirmed_by_answer
        assert {r["uid"] for r in confirmed + waiting} == {m.uid for m in members}
        seqs = [r["seq"] for r in confirmed + waiting]
        assert len(set(seqs)) == 64
        # Arrival order: every confirmed row came first, and the waiting list runs in the
        # order of arrival, each at the position its answer told.
        assert max(r["seq"] for r in confirmed) < min(r["seq"] for r in waiting)
        assert [r["seq"] for r in waiting] == sorted(r["seq"] for r in waiting)
        assert [positions[r["uid"]] for r in waiting] == list(range(1, 60))
        for member in members:
            mine = [r for r in store.user_signups(member.uid) if r["shift_id"] == sid]
            assert len(mine) == 1
            assert mine[0]["position"] == positions[member.uid]
        slowest = max(a.seconds for a in answers.values())
        via = {p: sum(1 for v in served.values() if v == p) for p in ports}
        print(
            f"[scale-out] round {round_no + 1}: 64 sign-ups in {took:.2f} s "
            f"(slowest answer {slowest:.2f} s; per server {list(via.values())}): "
            f"5 confirmed, 59 waiting at positions 1..59"
        )
    _no_traceback(servers)


# ------------------------------------------------------------------ 2. servers SIGKILLed

KILLS = 50


@pytest.mark.slow
def test_servers_killed_at_random_moments_lose_no_acknowledged_change(servers):
    world = World()
    seed = random.randrange(1 << 30)
    print(f"[scale-out] crash test seed {seed}")
    ports = [s.port for s in servers]
    shifts = [world.post(capacity=c, day=_day(n))[1] for n, c in enumerate((1, 2, 3, 3, 4, 6))]
    sids = [s["id"] for s in shifts]
    post_page = f"/portal/c/{CID}/posts/{shifts[0]['post_id']}"
    members = _members(16, "1372000")
    sign_in_all(members, ports, post_page)

    ledger = Ledger()
    stop = threading.Event()
    began = time.monotonic()
    load = run_load(members, ledger, sids, ports, stop, seed)
    errors: list[BaseException] = []
    budget = 240.0  # seconds for the kills: the test stays within a few minutes

    def killer(server: AppServer, rng: random.Random) -> None:
        # Each server dies at random moments of its own: sometimes both are down at
        # once, sometimes one serves while the other restarts.
        try:
            while sum(s.kills for s in servers) < KILLS and time.monotonic() - began < budget:
                time.sleep(rng.uniform(0.2, 1.2))
                server.kill()
                server.start()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    killers = [
        threading.Thread(target=killer, args=(s, random.Random(seed + n)))
        for n, s in enumerate(servers)
    ]
    for t in killers:
        t.start()
    for t in killers:
        t.join()
    time.sleep(1.0)  # a last stretch of load with both servers up
    stop.set()
    for t in load:
        t.join(150)
    took = time.monotonic() - began
    assert not errors, errors
    assert not any(t.is_alive() for t in load)

    kills = sum(s.kills for s in servers)
    restarts = [x for s in servers for x in s.starts[1:]]
    print(
        f"[scale-out] {kills} SIGKILLs ({[s.kills for s in servers]} per server) in {took:.1f} s; "
        f"restart to first answer {min(restarts):.2f}–{max(restarts):.2f} s "
        f"(mean {sum(restarts) / len(restarts):.2f} s)"
    )
    print(f"[scale-out] answers: {ledger.acknowledged()}; statuses {dict(ledger.statuses)}")
    result = check_store(ledger, shifts, members)
    print(f"[scale-out] store after the crashes: {result['totals']}")
    _print_problems(ledger, result)
    assert kills >= KILLS, f"only {kills} kills in {budget:.0f} s"
    assert not ledger.unexpected, ledger.unexpected[:10]
    assert not ledger.violations, ledger.violations[:10]
    assert not ledger.bad_503, ledger.bad_503[:3]
    assert ledger.counts[("signup", "signed_up")] > 0 and ledger.counts[("cancel", "cancelled")] > 0
    assert not result["problems"], result["problems"][:20]
    # Both servers serve the members again, each through either of them.
    for member in members[:4]:
        for port in ports:
            answer = member.send("GET", port, "/portal/me")
            assert answer.kind == "answered" and answer.status == 200, answer
    _no_traceback(servers)


# ------------------------------------------------------------------ 3. PostgreSQL stopped


@pytest.mark.slow
def test_database_stopped_mid_load_answers_503_and_recovers_by_itself(pg_cluster, servers):
    try:
        _database_outage(pg_cluster, servers)
    finally:
        # Later tests of this process use the same cluster.
        if not pg_cluster.is_running():
            pg_cluster.start_again()


def _database_outage(pg_cluster, servers: list[AppServer]) -> None:
    world = World()
    seed = random.randrange(1 << 30)
    print(f"[scale-out] outage test seed {seed}")
    ports = [s.port for s in servers]
    shifts = [world.post(capacity=c, day=_day(n))[1] for n, c in enumerate((1, 2, 3, 5))]
    post_page = f"/portal/c/{CID}/posts/{shifts[0]['post_id']}"
    members = _members(12, "1373000")
    probes = _members(2, "1373900")
    sign_in_all(members + probes, ports, post_page)

    ledger = Ledger()
    stop = threading.Event()
    began = time.monotonic()
    load = run_load(members, ledger, [s["id"] for s in shifts], ports, stop, seed)
    time.sleep(2.0)  # the load runs on a healthy database first
    before = sum(ledger.counts.values())

    # The outage: each probe asks its own server for a page again and again.
    down_at = time.monotonic()
    pg_cluster.stop_immediate()
    stopped = time.monotonic() - down_at
    seen: list[tuple[str, float, float, int, str]] = []  # (server, sent, took, status, body)
    up = threading.Event()

    def probe(member: Member, server: AppServer) -> None:
        while not up.is_set():
            sent = time.monotonic() - down_at
            answer = member.send("GET", server.port, "/portal/me")
            seen.append((server.name, sent, answer.seconds, answer.status, answer.body))

    probing = [
        threading.Thread(target=probe, args=(p, s)) for p, s in zip(probes, servers, strict=True)
    ]
    for t in probing:
        t.start()
    # Down for a second or two, and until each server has shown its 503 page (a request
    # waits up to POOL_TIMEOUT for a connection before it is a 503); at most 20 s.
    while time.monotonic() - down_at < 20:
        answered_503 = {name for name, _s, _t, status, _b in seen if status == 503}
        if time.monotonic() - down_at >= 1.5 and answered_503 == {s.name for s in servers}:
            break
        time.sleep(0.1)
    restart_at = time.monotonic()
    pg_cluster.start_again()
    back_at = time.monotonic()
    up.set()
    for t in probing:
        t.join(60)
    outage = back_at - down_at

    # The same servers answer again by themselves: each one, 8 times in a row.
    recovered: dict[str, float] = {}
    for probe_member, server in zip(probes, servers, strict=True):
        streak = 0
        while streak < 8:
            answer = probe_member.send("GET", server.port, "/portal/me")
            streak = streak + 1 if answer.status == 200 else 0
            if streak == 1:
                recovered[server.name] = time.monotonic() - back_at
            assert time.monotonic() - back_at < 30, f"{server.name} still answers {answer.status}"
    time.sleep(2.0)  # and the load goes on for a while on the database that is back
    stop.set()
    for t in load:
        t.join(150)
    took = time.monotonic() - began

    during = [x for x in seen if x[3] != 200]
    outage_503 = [x for x in seen if x[3] == 503]
    print(
        f"[scale-out] database down {outage:.2f} s (stop took {stopped:.2f} s, start "
        f"{back_at - restart_at:.2f} s); probes during it: {len(seen)} answers, "
        f"{len(outage_503)} × 503 (first after "
        f"{min((x[1] + x[2] for x in outage_503), default=float('nan')):.2f} s), "
        f"statuses {sorted({x[3] for x in seen})}"
    )
    print(
        "[scale-out] first 200 after the restart: "
        + ", ".join(f"server {k} {v:.2f} s" for k, v in recovered.items())
    )
    print(
        f"[scale-out] load: {sum(ledger.counts.values())} requests ({before} before the stop); "
        f"{ledger.acknowledged()}; statuses {dict(ledger.statuses)}; whole test {took:.1f} s"
    )
    result = check_store(ledger, shifts, members)
    print(f"[scale-out] store after the outage: {result['totals']}")
    _print_problems(ledger, result)
    assert {x[0] for x in outage_503} == {s.name for s in servers}, "no 503 during the outage"
    for name, _sent, _took, status, body in during:
        assert status == 503, (name, status, body[:300])
        assert DATABASE_DOWN in body and CHINESE.search(body), body[:300]
        assert "Traceback" not in body
    assert not ledger.bad_503, ledger.bad_503[:3]
    # Every request of the load was answered with a redirect (done or refused by the
    # store) or the 503 page: never a 500 or a page of gunicorn's own.
    assert not ledger.unexpected, ledger.unexpected[:10]
    assert set(ledger.statuses) <= {302, 503}, dict(ledger.statuses)
    assert not ledger.violations, ledger.violations[:10]
    assert not result["problems"], result["problems"][:20]
