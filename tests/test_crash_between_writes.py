"""A process killed after each write of one operation: the store ends all-or-nothing.

Each case runs the operation in a child process that SIGKILLs itself right after its
k-th file write (k = 1, 2, … until the operation finishes without being killed); the
store is then opened again (start-up finishes an interrupted transaction from its
journal) and must show the operation either not done at all or done completely.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from portal import store
from portal.store import people
from tests.conftest import make_user

pytestmark = pytest.mark.processes


def _run_killed_after(data_dir, k, operation) -> bool:
    """Run operation in a child killed after its k-th write; True if it was killed."""

    def child():
        store.open_store(data_dir)
        count = 0

        def kill(_path):
            nonlocal count
            count += 1
            if count == k:
                os.kill(os.getpid(), signal.SIGKILL)

        store._files.after_write = kill
        operation()

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(60)
    assert proc.exitcode in (0, -signal.SIGKILL), proc.exitcode
    return proc.exitcode == -signal.SIGKILL


def _each_kill_point(data_dir, setup, operation, check, most_writes=20):
    """For every k: fresh setup, kill after write k, reopen, check(); returns writes seen.
    most_writes bounds the loop: an operation writing more files than that is a bug."""
    k = 0
    while True:
        k += 1
        state = setup()
        killed = _run_killed_after(data_dir, k, lambda state=state: operation(state))
        store.open_store(data_dir)
        check(state)
        if not killed:
            return k - 1
        assert k < most_writes


def _shift(world, capacity):
    _post, shift = world.post(capacity=capacity)
    return shift["id"]


def _status(sid, uid):
    rows = [r for r in store.roster("ca", sid)["confirmed"] + store.roster("ca", sid)["waiting"]]
    return next((r["status"] for r in rows if r["uid"] == uid), "cancelled")


def _people(n, tag):
    return [make_user(f"139{tag:02d}{i:06d}", "volunteer")["uid"] for i in range(n)]


def test_cancel_with_a_waiter_is_all_or_nothing(world, data_dir):
    tags = iter(range(10, 99))

    def setup():
        sid = _shift(world, 1)
        first, waiter = _people(2, next(tags))
        store.sign_up("ca", sid, first)
        store.sign_up("ca", sid, waiter)
        return sid, first, waiter

    def check(state):
        sid, first, waiter = state
        assert (_status(sid, first), _status(sid, waiter)) in {
            ("confirmed", "waiting"),
            ("cancelled", "confirmed"),
        }

    writes = _each_kill_point(
        data_dir, setup, lambda s: store.cancel_signup("ca", s[0], s[1]), check
    )
    assert writes >= 1


def test_capacity_change_is_all_or_nothing(world, data_dir):
    tags = iter(range(10, 99))

    def setup():
        sid = _shift(world, 2)
        uids = _people(4, next(tags))
        for uid in uids:
            store.sign_up("ca", sid, uid)
        return sid, uids

    def check(state):
        sid, uids = state
        capacity = store.get_shift("ca", sid)[0]["capacity"]
        confirmed = len(store.roster("ca", sid)["confirmed"])
        assert (capacity, confirmed) in {(2, 2), (4, 4)}

    writes = _each_kill_point(
        data_dir, setup, lambda s: store.update_shift("ca", s[0], capacity=4), check
    )
    assert writes == 3  # the journal, the community file, the month's sign-ups


def test_cancelling_a_shift_is_all_or_nothing(world, data_dir):
    tags = iter(range(10, 99))

    def setup():
        sid = _shift(world, 3)
        uids = _people(3, next(tags))
        for uid in uids:
            store.sign_up("ca", sid, uid)
        return sid, uids

    def check(state):
        sid, uids = state
        gone = store.get_cancelled_shift("ca", sid) is not None
        if gone:
            signups = store.user_signups(uids[0], include_cancelled=True)
            assert all(r["status"] == "cancelled" for r in signups if r["shift_id"] == sid)
            with pytest.raises(store.NotFound):
                store.get_shift("ca", sid)
        else:
            assert len(store.roster("ca", sid)["confirmed"]) == 3

    writes = _each_kill_point(
        data_dir, setup, lambda s: store.cancel_shift("ca", s[0], "暴雨"), check
    )
    assert writes == 3


def test_creating_a_post_is_all_or_nothing(world, data_dir):
    titles = iter(f"岗位{n}" for n in range(50))

    def setup():
        return next(titles)

    def check(title):
        posts = [p for p in store.list_posts("ca") if p["title"] == title]
        assert len(posts) <= 1
        if posts:
            assert len(store.post_shifts("ca", posts[0]["id"])) == 3

    def create(title):
        store.create_post(
            "ca",
            world.admin_a["uid"],
            title=title,
            category="legal",
            description="d",
            place="p",
            kind="shifts",
            shifts=[
                {"date": f"2099-01-0{n + 1}", "start": "09:00", "end": "10:00", "capacity": 2}
                for n in range(3)
            ],
        )

    assert _each_kill_point(data_dir, setup, create, check) >= 1


def test_start_up_removes_temp_files_a_crash_left(app, data_dir):
    folder = data_dir / "communities" / "ca"
    folder.mkdir(parents=True)
    left = folder / ".main.json.abc123.tmp"
    left.write_text("{half", encoding="utf-8")
    (folder / "main.json.lock").touch()
    store.open_store(data_dir)
    assert not left.exists()


def test_a_killed_throttle_count_never_forgets_earlier_attempts(app, data_dir):
    """The login throttle's counters: a kill mid-count keeps the earlier four (or five)."""
    keys = iter(f"1380000{n:04d}" for n in range(100))
    window = 900

    def setup():
        key = next(keys)
        for _ in range(4):
            assert store.throttle_take("login-crash", key, 10, window) is not None
        return key

    def check(key):
        used = 0
        while store.throttle_take("login-crash", key, 10, window) is not None:
            used += 1
        assert 10 - used in (4, 5)  # the four before, and the killed one or not

    assert (
        _each_kill_point(
            data_dir, setup, lambda key: store.throttle_take("login-crash", key, 10, window), check
        )
        == 1
    )


def test_confirming_a_skill_request_is_all_or_nothing(world, data_dir):
    """The request (community file) and the member's confirmed skills (account file)."""
    phones = iter(f"1397{n:07d}" for n in range(50))

    def setup():
        uid = make_user(next(phones), "member", skills=["lawyer"])["uid"]
        return uid, store.request_skill("ca", uid, "lawyer")["id"]

    def check(state):
        uid, rid = state
        request = next(r for r in store.list_skill_requests("ca") if r["id"] == rid)
        confirmed = "lawyer" in store.get_user(uid)["skills_confirmed"]
        assert (request["status"], confirmed) in {("待确认", False), ("已确认", True)}

    writes = _each_kill_point(
        data_dir,
        setup,
        lambda s: store.decide_skill_request("ca", s[1], world.admin_a["uid"], True),
        check,
    )
    assert writes == 3  # the journal, the community file, the account file


def test_a_first_sign_up_writes_its_pointer_and_its_row_together(world, data_dir):
    """A person's first sign-up in a community-month writes two documents: the person's
    pointer and the month's sign-ups. Killed between them, start-up finishes the journal:
    never a pointer without its sign-up, never a sign-up the member cannot find."""
    tags = iter(range(10, 99))

    def setup():
        sid = _shift(world, 3)
        (uid,) = _people(1, next(tags))
        return sid, uid

    def check(state):
        sid, uid = state
        month = store.get_shift("ca", sid)[0]["date"][:7]
        pointed = ("ca", month) in people.signup_parts(uid)
        listed = tuple(s["shift_id"] for s in store.user_signups(uid))
        assert (pointed, listed, _status(sid, uid)) in {
            (False, (), "cancelled"),  # not signed up at all
            (True, (sid,), "confirmed"),
        }

    writes = _each_kill_point(data_dir, setup, lambda s: store.sign_up("ca", s[0], s[1]), check)
    assert writes == 3  # the journal, then the two documents it names


def test_a_report_in_writes_its_pointer_and_its_request_together(world, data_dir):
    tags = iter(range(10, 99))

    def setup():
        return make_user(f"139{next(tags):02d}000001", "member")["uid"]

    def check(uid):
        pending = store.current_report_state(uid)["pending"]
        pointers = people.report_pointers(uid)
        assert (pending is None and pointers == []) or (
            pending is not None and pointers == [("cb", pending["id"])]
        )

    writes = _each_kill_point(data_dir, setup, lambda uid: store.submit_report_in(uid, "cb"), check)
    assert writes == 3
