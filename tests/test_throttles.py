"""Login and reset throttles (issue 15, items 5 and 7; issue 22).

Item 5: check and count happen in one step under the throttle file's lock, so a burst of
concurrent requests through several gunicorn workers cannot check more than the limit.
Item 7: the lock is per (address, account); a locked account still lets a correct password
through from an address that has no failures on it. Issue 22: a successful reset with the
community's code clears the login lock of that account.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from portal import store
from tests.conftest import PASSWORD, AuthActions, make_user

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
COOKIE = "portal_session"
WRONG = "手机号或密码不正确"
TOO_MANY = "登录失败次数过多"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(target, workers: int = 4, **env):
    """gunicorn with ``workers`` sync workers on 127.0.0.1, on this store (a data folder or
    a postgresql:// URL, as the ``store_target`` fixture gives); yields the port."""
    port = _free_port()
    environ = dict(os.environ, **env)
    if str(target).startswith("postgresql://"):
        environ["PORTAL_DATABASE_URL"] = str(target)
    else:
        environ["PORTAL_DATA_DIR"] = str(target)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "portal.wsgi:app",
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/portal/login")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            proc.kill()
            pytest.fail("gunicorn did not start: " + proc.stdout.read().decode(errors="replace"))
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


class Client:
    """One browser against the real server: its session cookie (kept by hand, so it can be
    copied) and CSRF tokens; redirects are not followed."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port = port
        self.cookie: str | None = None
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, data: dict | None = None):
        """(status, Location, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(self.headers)
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for value in resp.headers.get_all("Set-Cookie") or []:
            if value.startswith(COOKIE + "="):
                self.cookie = value.split(";", 1)[0].split("=", 1)[1] or None
        conn.close()
        return resp.status, resp.getheader("Location"), text

    def get(self, path: str):
        return self.request("GET", path)

    def token(self, path: str = "/portal/login") -> str:
        match = TOKEN.search(self.get(path)[2])
        assert match, f"no csrf_token on {path}"
        return match.group(1) or match.group(2)

    def post(self, path: str, data: dict, token_from: str | None = None):
        return self.request("POST", path, dict(data, csrf_token=self.token(token_from or path)))

    def login(self, phone: str, password: str = PASSWORD):
        return self.post("/portal/login", {"phone": phone, "password": password})


def burst(clients, send):
    """Run ``send(client)`` for every client at the same moment; the answers in any order."""
    barrier = threading.Barrier(len(clients))
    answers: list = []
    lock = threading.Lock()

    def run(client):
        barrier.wait()
        answer = send(client)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == len(clients)
    return answers


@pytest.fixture
def real_scrypt(monkeypatch):
    """Hashes at production cost (as gunicorn's workers make them): a check takes long
    enough for concurrent requests to overlap."""
    monkeypatch.setattr(store.accounts.users, "PASSWORD_METHOD", "scrypt")


# ------------------------------------------------------------------ item 5: concurrency


@pytest.mark.processes  # a real server: gunicorn
def test_concurrent_wrong_passwords_check_at_most_the_limit(world, store_target, real_scrypt):
    victim = make_user("13700000001", "volunteer")
    limit = 5  # LOGIN_LIMIT_PER_ACCOUNT (default)
    with serve(store_target, workers=4) as port:
        clients = [Client(port) for _ in range(30)]
        tokens = {id(c): c.token() for c in clients}

        def send(c):
            return c.request(
                "POST",
                "/portal/login",
                {"phone": victim["phone"], "password": "wrongpass1", "csrf_token": tokens[id(c)]},
            )

        answers = burst(clients, send)
        checked = sum(1 for status, _l, body in answers if status == 200 and WRONG in body)
        refused = sum(1 for status, _l, body in answers if status == 429 and TOO_MANY in body)
        assert checked + refused == 30, [a[0] for a in answers]
        assert checked == limit, f"{checked} wrong passwords were checked (limit {limit})"
        # This address has used up its tries: even the right password now waits.
        assert Client(port).login(victim["phone"])[0] == 429


@pytest.mark.processes  # a real server: gunicorn
def test_concurrent_wrong_reset_codes_check_at_most_the_limit(world, store_target, real_scrypt):
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    with serve(store_target, workers=4) as port:
        clients = [Client(port) for _ in range(24)]
        tokens = {id(c): c.token("/portal/reset") for c in clients}

        def send(c):
            return c.request(
                "POST",
                "/portal/reset",
                {
                    "phone": world.member["phone"],
                    "code": "ZZZZ-ZZZZ",
                    "password": "fresh9876",
                    "confirm": "fresh9876",
                    "csrf_token": tokens[id(c)],
                },
            )

        answers = burst(clients, send)
        checked = sum(1 for _s, _l, body in answers if "重置码不正确" in body)
        refused = sum(1 for _s, _l, body in answers if "尝试次数过多" in body)
        assert checked + refused == 24
        assert checked == 5, f"{checked} wrong codes were checked (limit 5)"
        # The right code from this address is refused too, and the password is unchanged.
        status, _l, body = Client(port).post(
            "/portal/reset",
            {
                "phone": world.member["phone"],
                "code": code,
                "password": "fresh9876",
                "confirm": "fresh9876",
            },
        )
        assert "尝试次数过多" in body
    assert store.authenticate(world.member["phone"], PASSWORD)


# ------------------------------------------------------------- item 7: no lock-out by others


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, AuthActions(client)


def test_failures_from_one_address_do_not_lock_out_the_owner(app, world):
    phone = world.member["phone"]
    _attacker, attacker = _client_at(app, "203.0.113.5")
    for _ in range(5):
        assert WRONG in attacker.login(phone, "wrongpass1").get_data(as_text=True)
    # The attacker's address is locked for this account, even with the right password ...
    response = attacker.login(phone)
    assert response.status_code == 429 and TOO_MANY in response.get_data(as_text=True)
    # ... but the owner, at an address with no failures, still gets in.
    owner_client, owner = _client_at(app, "198.51.100.7")
    response = owner.login(phone)
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/me")
    assert owner_client.get("/portal/me").status_code == 200
    # The owner's success does not give the attacker's address its tries back.
    assert attacker.login(phone, "wrongpass2").status_code == 429


def test_a_locked_account_gives_each_new_address_one_try(app, world):
    phone = world.member["phone"]
    _c, first = _client_at(app, "203.0.113.5")
    for _ in range(5):
        first.login(phone, "wrongpass1")
    # Another address (say, the next of a botnet): one try, then locked for this account.
    _c, second = _client_at(app, "203.0.113.6")
    assert WRONG in second.login(phone, "wrongpass1").get_data(as_text=True)
    assert second.login(phone).status_code == 429
    # The lock is per account: the same address may still log in to another account.
    assert second.login(world.volunteer["phone"]).status_code == 302


def test_reset_code_failures_from_one_address_do_not_block_the_owner(app, world):
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    fields = {"phone": world.member["phone"], "password": "fresh9876", "confirm": "fresh9876"}
    _c, attacker = _client_at(app, "203.0.113.5")
    for _ in range(5):
        body = attacker.post("/portal/reset", dict(fields, code="ZZZZ-ZZZZ")).get_data(as_text=True)
        assert "重置码不正确" in body
    assert attacker.post("/portal/reset", dict(fields, code=code)).status_code == 429
    _c, owner = _client_at(app, "198.51.100.7")
    response = owner.post("/portal/reset", dict(fields, code=code))
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/login")
    assert store.authenticate(world.member["phone"], "fresh9876")


# --------------------------------------------------------- issue 22: reset clears the lock


def test_successful_reset_clears_the_login_lock(client, auth, world):
    phone = world.member["phone"]
    for _ in range(5):
        assert WRONG in auth.login(phone, "wrongpass1").get_data(as_text=True)
    assert auth.login(phone).status_code == 429
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    response = auth.post(
        "/portal/reset",
        {"phone": phone, "code": code, "password": "fresh9876", "confirm": "fresh9876"},
    )
    assert response.status_code == 302
    response = auth.login(phone, "fresh9876")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/me")
    assert client.get("/portal/me").status_code == 200


# ------------------------------------------------------------------------- the store itself


def test_attempt_counts_and_checks_in_one_step(mem_store):
    kinds = dict(account_limit=2, address_limit=3, window=60)
    t1 = store.throttle_attempt("t", "acct", "addr1", now=100, **kinds)
    t2 = store.throttle_attempt("t", "acct", "addr1", now=101, **kinds)
    assert t1 and t2
    assert store.throttle_attempt("t", "acct", "addr1", now=102, **kinds) is None
    # a clean address: one try while the account is locked
    assert store.throttle_attempt("t", "acct", "addr2", now=103, **kinds)
    assert store.throttle_attempt("t", "acct", "addr2", now=104, **kinds) is None
    # success from addr2 gives back its try and clears the account, not addr1's lock
    store.throttle_settle("t", "acct", "addr2", 103, ok=True)
    assert store.throttle_attempt("t", "acct", "addr1", now=105, **kinds) is None
    assert store.throttle_attempt("t", "other", "addr1", now=106, **kinds)
    assert store.throttle_attempt("t", "other2", "addr1", now=107, **kinds) is None  # address
    # the window passes
    assert store.throttle_attempt("t", "acct", "addr1", now=200, **kinds)
    # clearing the account (a reset) lifts every address's lock on it
    store.throttle_attempt("t", "acct", "addr1", now=201, **kinds)
    assert store.throttle_attempt("t", "acct", "addr1", now=202, **kinds) is None
    store.throttle_clear_account("t", "acct")
    assert store.throttle_attempt("t", "acct", "addr1", now=203, **kinds)


def test_take_and_give_back(mem_store):
    assert store.throttle_take("r", "addr", 2, 60, now=1)
    ticket = store.throttle_take("r", "addr", 2, 60, now=2)
    assert ticket and store.throttle_take("r", "addr", 2, 60, now=3) is None
    store.throttle_give_back("r", "addr", ticket)
    assert store.throttle_take("r", "addr", 2, 60, now=4)
