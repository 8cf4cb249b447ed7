"""The production server (gunicorn, several workers) under a burst of sign-ups for one shift."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import store
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(store_target, tmp_path):
    """gunicorn with three workers on the test's store (a data folder or PostgreSQL)."""
    port = _free_port()
    env = dict(os.environ)
    if store_target.startswith("postgresql://"):
        env["PORTAL_DATABASE_URL"] = store_target
    else:
        env["PORTAL_DATA_DIR"] = store_target
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "portal.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/portal/", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stdout.read().decode(errors="replace"))
    yield base
    proc.terminate()
    proc.wait(10)


class Browser:
    """One person's session against the real server (cookies and CSRF tokens)."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.read().decode()

    def post(self, path, data, token_from):
        data = dict(data, csrf_token=TOKEN.search(self.get(token_from)).group(1))
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, body, timeout=30) as r:
            return r.status, r.read().decode()


def test_burst_of_sign_ups_through_three_workers(world, gunicorn):
    _post, shift = world.post(capacity=5)
    people = [make_user(f"1362000{n:04d}", "volunteer") for n in range(16)]
    sessions = []
    for person in people:
        b = Browser(gunicorn)
        b.post("/portal/login", {"phone": person["phone"], "password": PASSWORD}, "/portal/login")
        b.token_page = f"/portal/c/ca/posts/{_post['id']}"
        sessions.append(b)
    barrier = threading.Barrier(len(sessions))
    results = []

    def sign_up(b):
        token = TOKEN.search(b.get(b.token_page)).group(1)
        barrier.wait()
        body = urllib.parse.urlencode({"csrf_token": token}).encode()
        with b.opener.open(
            f"{b.base}/portal/c/ca/shifts/{shift['id']}/signup", body, timeout=60
        ) as r:
            results.append(r.status)

    threads = [threading.Thread(target=sign_up, args=(b,)) for b in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert results == [200] * 16  # each followed the redirect to a page with its flash
    store.current_backend().check()  # files: re-read every file the workers wrote
    roster = store.roster("ca", shift["id"])
    assert len(roster["confirmed"]) == 5 and len(roster["waiting"]) == 11
    assert {r["uid"] for r in roster["confirmed"] + roster["waiting"]} == {p["uid"] for p in people}
    assert [r["seq"] for r in roster["waiting"]] == sorted(r["seq"] for r in roster["waiting"])
