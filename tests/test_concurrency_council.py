"""A 议事厅 vote taken by a real server (gunicorn, three workers) from 8 processes at once.

200 households of one 楼门院 vote one household one vote; 50 of them have a second
resident, served by another process, so the same household is cast for from two
processes at the same moment. Every resident casts, changes and changes again; both
residents of a household end on the same choice, so its last vote is known whatever the
order. After the close the tally must be exactly the households' last votes: 200
ballots, none counted twice, none lost, and the recount equal to the published tally.
"""

from __future__ import annotations

import http.cookiejar
import multiprocessing
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from portal import store
from portal.store.council import votes as vote_module
from tests.conftest import PASSWORD, make_user
from tests.test_production_server import TOKEN, gunicorn  # noqa: F401 (fixture)

pytestmark = pytest.mark.processes
HOUSEHOLDS, SHARED, PROCESSES = 200, 50, 8
CHOICES = ("yes", "no", "abstain")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the vote's answer (a redirect) instead of loading the proposal page after it."""

    def redirect_request(self, *args, **kwargs):
        return None


def _session(base: str):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )

    def send(path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(base + path, body, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", "")

    return send


def _vote_all(base, pid, jobs, barrier, results):
    """Log every resident of this process in, wait for the others, then cast the plan."""
    sessions = []
    for phone, plan in jobs:
        send = _session(base)
        _s, page = send("/portal/login")
        token = TOKEN.search(page).group(1)
        status, _l = send(
            "/portal/login", {"phone": phone, "password": PASSWORD, "csrf_token": token}
        )
        assert status == 302, phone
        _s, page = send(f"/portal/council/c/ca/p/{pid}")
        sessions.append((send, TOKEN.search(page).group(1), plan))
    barrier.wait()
    started = time.perf_counter()
    statuses = []
    # Round by round, so that each resident's votes interleave with everyone else's.
    for step in range(max(len(plan) for _s, _t, plan in sessions)):
        for send, token, plan in sessions:
            if step < len(plan):
                status, location = send(
                    f"/portal/council/c/ca/p/{pid}/vote",
                    {"choice": plan[step], "csrf_token": token},
                )
                statuses.append((status, location))
    results.put((statuses, time.perf_counter() - started))


def test_eight_processes_vote_and_change_for_200_households(world, gunicorn):  # noqa: F811
    grid = store.add_grid("ca", 1, "第一网格")
    building = store.add_building("ca", grid["id"], "楼", "1号楼", HOUSEHOLDS)
    admin = world.admin_a["uid"]
    residents = []  # (phone, uid, room)
    for n in range(HOUSEHOLDS + SHARED):
        room = f"{n % HOUSEHOLDS + 1:03d}"
        user = make_user(f"1371{n:07d}", "volunteer", home_cid="ca")
        store.register_home("ca", user["uid"], building["id"], room)
        store.confirm_resident("ca", user["uid"], admin)
        residents.append((user["phone"], user["uid"], room))
    hall = f"b-{building['id']}"
    proposal = store.propose("ca", hall, residents[0][1], title="加装电梯", description="表决")
    for _phone, uid, _room in residents[1:4]:
        store.support_proposal("ca", proposal["id"], uid)
    vote = store.open_vote("ca", proposal["id"], admin, 1)
    assert vote["electorate"] == HOUSEHOLDS

    # Each resident's plan: three choices, the last one the household's final choice.
    final = {f"{n + 1:03d}": CHOICES[n % 3] for n in range(HOUSEHOLDS)}
    plans = []
    for k, (phone, _uid, room) in enumerate(residents):
        first, second = CHOICES[(k + 1) % 3], CHOICES[(k + 2) % 3]
        plans.append((phone, [first, second, final[room]]))
    # A shared household's two residents (k and k + 200) land in different processes.
    jobs = [[] for _ in range(PROCESSES)]
    for k, plan in enumerate(plans):
        slot = k % PROCESSES if k < HOUSEHOLDS else (k + 1) % PROCESSES
        jobs[slot].append(plan)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=_vote_all, args=(gunicorn, proposal["id"], jobs[k], barrier, results))
        for k in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    answers = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    statuses = [s for rows, _t in answers for s in rows]
    assert len(statuses) == 3 * len(residents)
    # Every vote was answered with the redirect back to the proposal (none refused, none 5xx).
    assert {code for code, _l in statuses} == {302}
    assert all(location.endswith(f"/p/{proposal['id']}") for _c, location in statuses)
    seconds = max(t for _rows, t in answers)
    print(f"\n{len(statuses)} vote POSTs from {PROCESSES} processes in {seconds:.1f} s")

    closed = store.close_vote(
        "ca", vote["id"], admin, at=store.now() + timedelta(days=1, minutes=1)
    )
    tally = closed["tally"]
    expected = {c: sum(1 for v in final.values() if v == c) for c in CHOICES}
    assert tally["cast"] == HOUSEHOLDS
    assert {c: tally[c] for c in CHOICES} == expected
    assert tally["turnout_percent"] == 100.0
    ballots = vote_module.stored_ballots("ca", vote["id"])
    assert len(ballots) == HOUSEHOLDS
    by_voter = {row["voter"]: row["choice"] for row in ballots}
    for _phone, uid, room in residents[:HOUSEHOLDS]:
        assert by_voter[vote_module.voter_of("ca", closed, uid)] == final[room]
    changes = sum(row["changes"] for row in ballots)
    assert changes == 3 * len(residents) - HOUSEHOLDS  # every vote after a household's first
    assert store.recount_vote("ca", vote["id"])["matches"]
