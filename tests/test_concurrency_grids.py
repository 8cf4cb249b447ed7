"""The grid's write paths raced through a real server (gunicorn, three worker processes,
127.0.0.1), on both backends:

* a 网格员's appointment revoked (or made) while they close a need of the grid: the close
  lands only while the appointment stands — checked inside the need's write, with the
  community's appointments locked with it;
* two 网格员 closing / passing up the same need at once: exactly one of them acts;
* an admin deleting a grid while members choose it when reporting in: afterwards no
  report-in points at a grid that does not exist.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse

import pytest

from portal import store
from tests.conftest import make_user
from tests.test_admin_races import _login
from tests.test_production_server import TOKEN, gunicorn  # noqa: F401 (fixture)

pytestmark = pytest.mark.processes
ROUNDS = 3
ADMIN = "/portal/admin/c/ca/grids"
CLOSED_MSG = "已在网格内办结"
PASSED_MSG = "已转交社区处理"


def _token(browser, page="/portal/profile") -> str:
    return TOKEN.search(browser.get(page)).group(1)


def _race(jobs) -> list[tuple[int, str]]:
    """Post every (browser, path, data) at once; (status, page after redirects) each."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[int, str]] = [(0, "")] * len(jobs)

    def send(n, b, path, data):
        body = urllib.parse.urlencode(data).encode()
        barrier.wait()
        try:
            with b.opener.open(b.base + path, body, timeout=60) as r:
                results[n] = (r.status, r.read().decode())
        except urllib.error.HTTPError as exc:
            # The page redirected to may refuse (a worker revoked meanwhile gets a 403 on
            # the grid's page): the message flashed by the action shows on that error page,
            # or on the next page when the error page did not take it.
            results[n] = (exc.code, exc.read().decode() + b.get("/portal/profile"))

    threads = [threading.Thread(target=send, args=(n, *job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results


def _fresh(key: str):
    """The backend re-read: what the server processes wrote."""
    backend = store.current_backend()
    backend.check()
    return backend


def _write_order(key: str) -> int:
    """When the document was last written, comparable between documents: the file's
    mtime (files) or the row's version, drawn from one sequence (PostgreSQL)."""
    backend = _fresh(key)
    if hasattr(backend, "path"):
        return os.stat(backend.path(key)).st_mtime_ns
    return backend.version(key)[1]


def _grid_need(grid, n):
    return store.create_need(
        "ca", category="legal", description=f"楼道灯{n}", raised_by="resident", grid_id=grid["id"]
    )


def test_revoking_or_appointing_a_grid_worker_while_they_close_a_need(world, gunicorn):  # noqa: F811
    grid = store.add_grid("ca", 1, "第一网格")
    worker = make_user("13640000001", "volunteer")
    admin = _login(gunicorn, world.admin_a["phone"])
    me = _login(gunicorn, worker["phone"])
    roles_key = "communities/ca/appointments"
    outcomes = set()
    for n in range(2 * ROUNDS):
        need = _grid_need(grid, n)
        close = (me, f"/portal/grid/c/ca/needs/{need['id']}/close", {"note": "换了灯泡"})
        if n % 2 == 0:  # the admin revokes the appointment the worker acts under
            row = store.appoint("community", "ca", worker["uid"], "grid_worker", [grid["id"]], "a")
            token = _token(me, "/portal/grid/")
            admin_job = (admin, f"{ADMIN}/roles/{row['id']}/revoke", {})
        else:  # the admin appoints the worker while they post the close
            token = _token(me)
            admin_job = (
                admin,
                f"{ADMIN}/roles",
                {"phone": worker["phone"], "role": "grid_worker", "targets": grid["id"]},
            )
        close[2]["csrf_token"] = token
        admin_job[2]["csrf_token"] = _token(admin, f"{ADMIN}/roles")
        (close_status, close_page), (admin_status, _page) = _race([close, admin_job])
        assert admin_status == 200 and close_status in (200, 403, 404)
        stored = store.get_need("ca", need["id"])
        closed = stored["status"] == "已办结"
        assert closed == (CLOSED_MSG in close_page), (stored["status"], close_status)
        if closed:
            # The close was written while the appointment stood: before the revocation's
            # write, or after the appointment's.
            need_write, roles_write = _write_order("communities/ca/main"), _write_order(roles_key)
            if n % 2 == 0:
                assert need_write <= roles_write
            else:
                assert need_write >= roles_write
        else:
            assert stored["notes"] == need["notes"] and stored.get("closed_level") is None
        outcomes.add((n % 2, closed))
        active = store.holds_appointment(worker["uid"], "grid_worker")
        assert bool(active) == (n % 2 == 1)  # the admin's action always went through
        for row in active:
            store.revoke_appointment("community", "ca", row["id"], "a")
    # Kept for the record of which orders the rounds took; every one of them is allowed.
    assert outcomes


def test_two_grid_workers_act_on_the_same_need_at_once(world, gunicorn):  # noqa: F811
    grid = store.add_grid("ca", 1, "第一网格")
    workers = [make_user(f"136400001{n:02d}", "volunteer") for n in range(2)]
    role = "grid_worker"
    for person in workers:
        store.appoint("community", "ca", person["uid"], role, [grid["id"]], "a")
        role = "grid_leader"
    sessions = [_login(gunicorn, p["phone"]) for p in workers]
    for n in range(2 * ROUNDS):
        need = _grid_need(grid, n)
        actions = ("close", "close") if n % 2 == 0 else ("close", "pass-up")
        jobs = [
            (
                b,
                f"/portal/grid/c/ca/needs/{need['id']}/{action}",
                {"note": f"{action}-{k}", "csrf_token": _token(b, "/portal/grid/")},
            )
            for k, (b, action) in enumerate(zip(sessions, actions, strict=True))
        ]
        results = _race(jobs)
        assert all(status == 200 for status, _page in results)
        acted = [
            action
            for (_s, page), action in zip(results, actions, strict=True)
            if (CLOSED_MSG if action == "close" else PASSED_MSG) in page
        ]
        assert len(acted) == 1, acted
        stored = store.get_need("ca", need["id"])
        grid_notes = [
            note for note in stored["notes"] if note["text"].startswith(("网格内办结", "转交社区"))
        ]
        assert len(grid_notes) == 1, grid_notes
        if acted == ["close"]:
            assert stored["status"] == "已办结" and stored["closed_level"] == "grid"
        else:
            assert stored["status"] != "已办结" and stored["level"] == "community"


def test_deleting_a_grid_while_members_choose_it_at_report_in(world, gunicorn):  # noqa: F811
    admin = _login(gunicorn, world.admin_a["phone"])
    members = [make_user(f"136400002{n:02d}", "member") for n in range(3 * ROUNDS)]
    deleted = kept = 0
    for n in range(ROUNDS):
        grid = store.add_grid("ca", 10 + n, f"第{10 + n}网格")
        building = store.add_building("ca", grid["id"], "楼", f"{n}号楼", 20)
        group = members[3 * n : 3 * n + 3]
        jobs = []
        for k, person in enumerate(group):
            b = _login(gunicorn, person["phone"])
            place = f"g:{grid['id']}" if k % 2 == 0 else f"b:{building['id']}"
            jobs.append((b, "/portal/c/ca/report-in", {"place": place, "csrf_token": _token(b)}))
        token = _token(admin, ADMIN + "/")
        jobs.append((admin, f"{ADMIN}/{grid['id']}/delete", {"csrf_token": token}))
        results = _race(jobs)
        assert all(status == 200 for status, _page in results), [s for s, _p in results]
        _fresh("communities/ca/main")
        structure = store.grid_structure("ca")
        reports = store.list_report_ins("ca")
        for report in reports:
            # Never a member pointing at a grid (or building) that does not exist.
            assert report.get("grid_id") in (None, *structure["grid"]), report
            assert report.get("building_id") in (None, *structure["building"]), report
        chose = [r for r in reports if r["uid"] in {p["uid"] for p in group}]
        if grid["id"] in structure["grid"]:
            kept += 1
            assert all(r["grid_id"] == grid["id"] for r in chose)
        else:
            deleted += 1
            assert building["id"] not in structure["building"]
            # Every member who posted after the delete was refused in Chinese.
            refused = [page for status, page in results[:-1] if "请重新选择" in page]
            assert len(refused) == len(group) - len(chose)
    assert deleted + kept == ROUNDS
