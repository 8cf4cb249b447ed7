"""An admin's change racing members' sign-ups, through gunicorn with several workers.

The sign-up decides on the shift as it is stored when it holds the month file's lock,
and a change of capacity or a cancellation writes the shift while holding that lock
(one transaction over both files), so neither can act on a stale shift.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
import urllib.error
import urllib.parse

import pytest

from portal import store
from tests.conftest import PASSWORD, make_user
from tests.test_production_server import TOKEN, Browser, gunicorn  # noqa: F401 (fixture)

pytestmark = pytest.mark.processes
ROUNDS = 3


def _day(round_no: int) -> str:
    """A date of its own for each round, so the members' earlier sign-ups never overlap."""
    return (date.today() + timedelta(days=3 + round_no)).isoformat()


def _login(base, phone) -> Browser:
    b = Browser(base)
    b.post("/portal/login", {"phone": phone, "password": PASSWORD}, "/portal/login")
    return b


def _race(members, admin, post, sid, admin_path, admin_data, admin_page):
    """Every member posts a sign-up while the admin posts its change, all at once."""
    jobs = []
    for b in members:
        token = TOKEN.search(b.get(f"/portal/c/ca/posts/{post['id']}")).group(1)
        jobs.append((b, f"/portal/c/ca/shifts/{sid}/signup", {"csrf_token": token}))
    token = TOKEN.search(admin.get(admin_page)).group(1)
    jobs.append((admin, admin_path, dict(admin_data, csrf_token=token)))
    barrier = threading.Barrier(len(jobs))
    statuses = []

    def send(b, path, data):
        barrier.wait()
        body = urllib.parse.urlencode(data).encode()
        try:
            with b.opener.open(b.base + path, body, timeout=60) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as exc:  # a shift already cancelled: its page is gone
            statuses.append(exc.code)

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return statuses


def _rows(sid):
    """The shift's sign-up rows in arrival order, read from the store."""
    backend = store.current_backend()
    backend.check()  # files: every file the workers wrote is read whole
    rows = []
    for key in backend.keys("communities/ca/signups-"):
        tables = backend.read(key)
        rows += [dict(r, seq=int(k)) for k, r in tables.get("signups", {}).items()]
    return sorted((r for r in rows if r["shift_id"] == sid), key=lambda r: r["seq"])


@pytest.fixture
def people(world, gunicorn):  # noqa: F811 (the fixture imported above)
    members = [make_user(f"1363000{n:04d}", "volunteer") for n in range(20)]
    return world, [_login(gunicorn, m["phone"]) for m in members], _login(gunicorn, "13800000003")


def test_cancelling_a_shift_while_members_sign_up_leaves_no_live_sign_up(people):
    world, members, admin = people
    for round_no in range(ROUNDS):
        post, shift = world.post(capacity=30, day=_day(round_no))
        sid = shift["id"]
        statuses = _race(
            members,
            admin,
            post,
            sid,
            f"/portal/admin/c/ca/shifts/{sid}/cancel",
            {"reason": "场地临时停用"},
            f"/portal/admin/c/ca/shifts/{sid}/change",
        )
        assert set(statuses) <= {200, 404}  # 404: the sign-up came after the cancellation
        assert store.get_cancelled_shift("ca", sid) is not None
        live = [r for r in _rows(sid) if r["status"] in ("confirmed", "waiting")]
        assert live == []


def test_lowering_capacity_while_members_sign_up_never_over_books(people):
    world, members, admin = people
    for round_no in range(ROUNDS):
        post, shift = world.post(capacity=10, day=_day(round_no))
        sid = shift["id"]
        for n in range(5):
            store.sign_up("ca", sid, make_user(f"1364{round_no}{n:06d}", "volunteer")["uid"])
        _race(
            members,
            admin,
            post,
            sid,
            f"/portal/admin/c/ca/shifts/{sid}/change",
            {"capacity": "5", "start": "", "end": "", "day": "", "note": ""},
            f"/portal/admin/c/ca/shifts/{sid}/change",
        )
        capacity = store.get_shift("ca", sid)[0]["capacity"]
        confirmed = [r for r in _rows(sid) if r["status"] == "confirmed"]
        assert len(confirmed) <= capacity


def test_raising_capacity_while_members_sign_up_keeps_the_queue_order(people):
    world, members, admin = people
    for round_no in range(ROUNDS):
        post, shift = world.post(capacity=5, day=_day(round_no))
        sid = shift["id"]
        for n in range(8):  # 5 confirmed, 3 waiting before the race
            store.sign_up("ca", sid, make_user(f"1365{round_no}{n:06d}", "volunteer")["uid"])
        _race(
            members,
            admin,
            post,
            sid,
            f"/portal/admin/c/ca/shifts/{sid}/change",
            {"capacity": "10", "start": "", "end": "", "day": "", "note": ""},
            f"/portal/admin/c/ca/shifts/{sid}/change",
        )
        statuses = [r["status"] for r in _rows(sid)]
        assert store.get_shift("ca", sid)[0]["capacity"] == 10
        assert statuses.count("confirmed") == 10
        # First come, first served: every confirmed row arrived before every waiting one.
        assert statuses == sorted(statuses, key=lambda s: s != "confirmed")
