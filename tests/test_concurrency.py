"""Several real processes sign up for one shift at once: no over-booking, FIFO kept, nothing lost."""

import multiprocessing
from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import World, make_user

pytestmark = pytest.mark.processes


def _sign_up_all(data_dir, cid, sid, uids, barrier, results):
    store.open_store(data_dir)
    barrier.wait()
    for uid in uids:
        try:
            row = store.sign_up(cid, sid, uid)
            results.put((uid, row["status"], row["id"]))
        except store.StoreError as exc:
            results.put((uid, "refused", str(exc)))


def test_processes_race_for_one_shift(app, store_target):
    world = World()
    _post, shift = world.post(capacity=5)
    people = [make_user(f"1360000{n:04d}", "volunteer")["uid"] for n in range(16)]
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [
        ctx.Process(
            target=_sign_up_all,
            args=(store_target, "ca", shift["id"], people[k::4], barrier, results),
        )
        for k in range(4)
    ]
    for p in procs:
        p.start()
    acked = [results.get(timeout=60) for _ in people]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert all(status in ("confirmed", "waiting") for _uid, status, _id in acked)
    # what is stored: every acknowledged write, never above capacity
    month = shift["date"][:7]
    raw = store.current_backend().read(f"communities/ca/signups-{month}")
    on_disk = {row["id"]: row for row in raw["signups"].values()}
    assert {i for _u, _s, i in acked} == set(on_disk)
    confirmed = [r for r in on_disk.values() if r["status"] == "confirmed"]
    assert len(confirmed) == 5
    # the waiting list is the arrival order (document ids), and statuses match what was acknowledged
    roster = store.roster("ca", shift["id"])
    assert len(roster["waiting"]) == 11
    assert [r["seq"] for r in roster["waiting"]] == sorted(r["seq"] for r in roster["waiting"])
    assert {u: s for u, s, _ in acked} == {r["uid"]: r["status"] for r in on_disk.values()}
    # a cancellation promotes exactly the first waiter
    first_waiter = roster["waiting"][0]["uid"]
    result = store.cancel_signup("ca", shift["id"], confirmed[0]["uid"])
    assert result["promoted"]["uid"] == first_waiter


def _report_in_all(data_dir, pairs, barrier, results):
    store.open_store(data_dir)
    barrier.wait()
    for uid, cid in pairs:
        try:
            results.put((uid, cid, store.submit_report_in(uid, cid)["id"]))
        except store.StoreError:
            results.put((uid, cid, None))


def test_processes_race_report_ins(app, store_target):
    World()
    members = [make_user(f"1361000{n:04d}", "member")["uid"] for n in range(12)]
    # every member asks two communities at once from different processes: one pending each
    pairs = [[(uid, "ca" if k % 2 == 0 else "cb") for uid in members] for k in range(4)]
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [
        ctx.Process(target=_report_in_all, args=(store_target, pairs[k], barrier, results))
        for k in range(4)
    ]
    for p in procs:
        p.start()
    acked = [results.get(timeout=60) for _ in range(4 * len(members))]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    accepted = [(u, c, r) for u, c, r in acked if r]
    assert sorted(u for u, _c, _r in accepted) == sorted(members)  # exactly one per member
    on_disk = {r["id"] for cid in ("ca", "cb") for r in store.list_report_ins(cid)}
    assert {r for _u, _c, r in accepted} == on_disk
    for uid in members:
        assert store.current_report_state(uid)["pending"] is not None


def _sign_up_once(data_dir, cid, sid, uid, barrier, results):
    store.open_store(data_dir)
    barrier.wait()
    try:
        results.put((sid, store.sign_up(cid, sid, uid)["status"]))
    except store.StoreError as exc:
        results.put((sid, "refused: " + str(exc)))


def test_one_persons_overlapping_sign_ups_racing_from_processes_keep_one(app, store_target):
    """One member signs up at once, from six processes, for six shifts at the same time in
    three communities (so on different month documents): exactly one is kept and the
    others are refused as overlapping, round after round; what is stored agrees."""
    world = World()
    member = make_user("13611110000", "volunteer")["uid"]
    ctx = multiprocessing.get_context("fork")
    for round_no in range(4):
        day = (datetime.now() + timedelta(days=3 + round_no)).strftime("%Y-%m-%d")
        shifts = [
            (cid, world.post(cid=cid, day=day, start=start, end="12:00")[1]["id"])
            for cid in ("ca", "cb", "cc")
            for start in ("09:00", "10:00")
        ]
        barrier, results = ctx.Barrier(len(shifts)), ctx.Queue()
        procs = [
            ctx.Process(
                target=_sign_up_once, args=(store_target, cid, sid, member, barrier, results)
            )
            for cid, sid in shifts
        ]
        for p in procs:
            p.start()
        answers = dict(results.get(timeout=60) for _ in shifts)
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        kept = [sid for sid, status in answers.items() if status == "confirmed"]
        assert len(kept) == 1, answers
        assert all("时间冲突" in s for sid, s in answers.items() if sid not in kept), answers
        store.current_backend().forget_caches()
        mine = [r for r in store.user_signups(member) if r["shift"]["date"] == day]
        assert [r["shift_id"] for r in mine] == kept
