"""Helpers for tests/test_scale_out.py: app servers that can be SIGKILLed and started
again, members who read what each answer acknowledged, and a ledger that checks the
store against every acknowledged sign-up and cancellation.

An answer *acknowledges* a change only when the server's reply arrived: a 302 whose
session cookie carries the flash of the view. The flash is read from the cookie with
the key the servers share (the database's), as Flask itself reads it, so a redirect is
never mistaken for a success: a refused sign-up redirects too, with an error flash.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from portal import store
from tests.conftest import PASSWORD
from tests.test_throttles import Client

ROOT = Path(__file__).resolve().parent.parent
CID = "ca"
DATABASE_DOWN = "数据库暂时无法连接"  # the title of the 503 page when the database is down

ACTIVE, ABSENT, UNKNOWN = "active", "absent", "unknown"
SIGNED_UP = ("报名成功",)
WAITING_RE = re.compile(r"候补名单第 (\d+) 位")
ALREADY = ("您已经报名了这个班次", "您已在这个班次的候补名单上")
CANCELLED_OK = "已取消报名"
NOT_SIGNED_UP = "您没有报名这个班次"


# ---------------------------------------------------------------- app servers


def _server_port() -> int:
    """A free port below Linux's ephemeral range (32768–60999 by default), so that while
    a killed server is down none of the thousands of client connections of the load can
    take its port as their own source port and keep it from starting again."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000–32000")


def _group_alive(pgid: int) -> bool:
    """Whether any process of this process group still runs (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rpartition(")")[2].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


class AppServer:
    """One gunicorn master with ``workers`` sync workers on a fixed port of 127.0.0.1, on
    the database at ``url``; in a session of its own, so that ``kill()`` can SIGKILL the
    master and every worker at once, and ``start()`` can bring it back on the same port."""

    def __init__(self, name: str, url: str, folder: Path, workers: int = 4):
        self.name = name
        self.url = url
        self.workers = workers
        self.port = _server_port()
        self.log_path = folder / f"gunicorn-{name}.log"
        self.env = dict(
            os.environ,
            PORTAL_DATABASE_URL=url,
            PORTAL_DATA_DIR=str(folder / f"data-{name}"),
            PORTAL_BACKUP_DIR=str(folder / f"backups-{name}"),
        )
        self.proc: subprocess.Popen | None = None
        self.starts: list[float] = []  # seconds from Popen to the first 200, per start
        self.kills = 0

    def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait until it answers; returns the seconds it took."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    str(self.workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    # Not the one control socket per user (~/.gunicorn/gunicorn.ctl)
                    # that every master on this machine would otherwise share.
                    "--no-control-socket",
                    "portal.wsgi:app",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        began = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/portal/login")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() - began > timeout:
                self.stop()
                raise RuntimeError(f"gunicorn {self.name} did not answer:\n{self.log_tail()}")
            time.sleep(0.05)
        took = time.monotonic() - began
        self.starts.append(took)
        return took

    def kill(self) -> None:
        """SIGKILL the master and its workers (the whole process group) and wait until
        none of them runs any more."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.kills += 1
        self._reap()

    def stop(self) -> None:
        """End the server (SIGTERM to the group, SIGKILL after 10 s); nothing if down."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        assert self.proc is not None
        self.proc.wait(30)
        deadline = time.monotonic() + 30
        while _group_alive(self.proc.pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {self.name}: processes outlived SIGKILL")
            time.sleep(0.01)
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def start_all(servers: list[AppServer]) -> list[float]:
    """Start the servers side by side; the seconds each took."""
    took: dict[str, float] = {}
    errors: list[BaseException] = []

    def run(server: AppServer) -> None:
        try:
            took[server.name] = server.start()
        except BaseException as exc:  # reported in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [took[s.name] for s in servers]


# ---------------------------------------------------------------- members


class FlashReader:
    """The flashes a response's session cookie carries, checked against the shared key
    (the cookie is Flask's signed session; the key is the one the database keeps)."""

    def __init__(self, secret_key: str):
        app = Flask("flash-reader")
        app.secret_key = secret_key
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert serializer is not None
        self._serializer = serializer

    def __call__(self, cookie: str | None) -> list[tuple[str, str]]:
        if not cookie:
            return []
        data = self._serializer.loads(cookie)
        return [(str(c), str(m)) for c, m in data.get("_flashes", [])]


@dataclass
class Answer:
    """What became of one request: ``kind`` is ``not_sent`` (connection refused: the
    request never reached a server), ``lost`` (sent, no complete answer), or ``answered``
    with the status, the Location, the body and the flashes the cookie carried."""

    kind: str
    status: int = 0
    location: str | None = None
    body: str = ""
    flashes: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


class Member(Client):
    """One member's browser, logged in once; it may talk to any of the servers (they
    share the session key). Each POST is sent with the session cookie as it was after
    login: the flash of an answer is read from the cookie the answer set, which is then
    dropped, so flashes never pile up in the cookie."""

    def __init__(self, user: dict, flashes: FlashReader):
        super().__init__(port=0)
        self.user = user
        self.uid = user["uid"]
        self.read_flashes = flashes
        self.csrf = ""

    def sign_in(self, port: int, token_page: str) -> None:
        self.port = port
        status, location, _body = self.login(self.user["phone"], PASSWORD)
        assert status == 302, f"login of {self.user['phone']} answered {status}"
        # The page consumes the login's flash and puts the CSRF secret in the session.
        self.csrf = self.token(token_page)

    def send(self, method: str, port: int, path: str, data: dict | None = None) -> Answer:
        self.port = port
        kept = self.cookie
        began = time.monotonic()
        try:
            status, location, body = self.request(method, path, data)
        except ConnectionRefusedError as exc:
            return Answer("not_sent", error=repr(exc))
        except (OSError, http.client.HTTPException) as exc:
            return Answer("lost", error=repr(exc), seconds=time.monotonic() - began)
        finally:
            answered_cookie, self.cookie = self.cookie, kept
        flashes = self.read_flashes(answered_cookie) if answered_cookie != kept else []
        return Answer("answered", status, location, body, flashes, seconds=time.monotonic() - began)

    def act(self, op: str, sid: str, port: int) -> Answer:
        """POST a sign-up (``signup``) or a cancellation (``cancel``) of shift ``sid``."""
        return self.send(
            "POST", port, f"/portal/c/{CID}/shifts/{sid}/{op}", {"csrf_token": self.csrf}
        )


def sign_in_all(members: list[Member], ports: list[int], token_page: str) -> None:
    """Log every member in, spread over the servers, a few at a time."""
    errors: list[BaseException] = []
    pending = list(enumerate(members))
    lock = threading.Lock()

    def run() -> None:
        while True:
            with lock:
                if not pending:
                    return
                n, member = pending.pop()
            try:
                member.sign_in(ports[n % len(ports)], token_page)
            except BaseException as exc:  # reported in the caller's thread
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# ---------------------------------------------------------------- the ledger


def verdict(op: str, answer: Answer) -> tuple[str, str]:
    """(what the answer tells of the member's sign-up afterwards, a label).

    ``active`` / ``absent``: the server acknowledged it; ``unknown``: the request may or
    may not have taken effect; ``same``: it certainly had no effect (never sent)."""
    if answer.kind == "not_sent":
        return "same", "not_sent"
    if answer.kind == "lost":
        return UNKNOWN, "lost"
    if answer.status == 503:
        return UNKNOWN, "503"
    if answer.status != 302 or len(answer.flashes) != 1:
        return UNKNOWN, "unexpected"
    category, message = answer.flashes[0]
    if op == "signup":
        if category == "success" and message.startswith(SIGNED_UP):
            return ACTIVE, "signed_up"
        if category == "info" and WAITING_RE.search(message):
            return ACTIVE, "signed_up"
        if category == "error" and message.startswith(ALREADY):
            return ACTIVE, "already"
    else:
        if category == "success" and message.startswith(CANCELLED_OK):
            return ABSENT, "cancelled"
        if category == "error" and message.startswith(NOT_SIGNED_UP):
            return ABSENT, "not_signed_up"
    return UNKNOWN, "unexpected"


class Ledger:
    """Per (member, shift): what the acknowledged answers say the store holds, and every
    answer that contradicts the last acknowledged one."""

    def __init__(self):
        self.state: dict[tuple[str, str], str] = {}
        self.cancelled: set[tuple[str, str]] = set()  # acknowledged cancellations
        self.counts: Counter = Counter()
        self.violations: list[str] = []
        self.unexpected: list[str] = []
        self.statuses: Counter = Counter()
        self.bad_503: list[str] = []
        self._lock = threading.Lock()

    def expected(self, uid: str, sid: str) -> str:
        return self.state.get((uid, sid), ABSENT)

    def record(self, uid: str, sid: str, op: str, answer: Answer) -> str:
        after, label = verdict(op, answer)
        key = (uid, sid)
        before = self.expected(uid, sid)
        with self._lock:
            self.counts[(op, label)] += 1
            if answer.kind == "answered":
                self.statuses[answer.status] += 1
                if answer.status == 503 and (
                    DATABASE_DOWN not in answer.body or "Traceback" in answer.body
                ):
                    self.bad_503.append(answer.body[:300])
            if label == "unexpected":
                self.unexpected.append(
                    f"{op} {sid} by {uid}: {answer.status} {answer.location} {answer.flashes}"
                    f" {answer.body[:200]!r}"
                )
            # A contradiction: the store now says the opposite of what it acknowledged.
            if before != UNKNOWN and (
                (label == "signed_up" and before == ACTIVE)
                or (label == "already" and before == ABSENT)
                or (label == "cancelled" and before == ABSENT)
                or (label == "not_signed_up" and before == ACTIVE)
            ):
                self.violations.append(f"{op} of {uid} on {sid}: {label} after {before}")
            if after != "same":
                self.state[key] = after
            if label == "cancelled":
                self.cancelled.add(key)
            elif after == ACTIVE:
                self.cancelled.discard(key)
        return label

    def acknowledged(self) -> dict[str, int]:
        c = self.counts
        return {
            "sign-ups acknowledged": c[("signup", "signed_up")],
            "cancels acknowledged": c[("cancel", "cancelled")],
            "refused as already signed up": c[("signup", "already")],
            "refused as not signed up": c[("cancel", "not_signed_up")],
            "lost in flight": c[("signup", "lost")] + c[("cancel", "lost")],
            "503": c[("signup", "503")] + c[("cancel", "503")],
            "never sent (refused connection)": c[("signup", "not_sent")]
            + c[("cancel", "not_sent")],
            "unexpected": c[("signup", "unexpected")] + c[("cancel", "unexpected")],
        }


def run_load(
    members: list[Member],
    ledger: Ledger,
    sids: list[str],
    ports: list[int],
    stop: threading.Event,
    seed: int,
) -> list[threading.Thread]:
    """One thread per member: sign-ups and cancellations on random shifts through random
    servers until ``stop`` is set. Each member's requests are sequential, so the ledger's
    order per member is the order the store saw them in."""

    def loop(member: Member, rng: random.Random) -> None:
        while not stop.is_set():
            sid = rng.choice(sids)
            state = ledger.expected(member.uid, sid)
            if state == ACTIVE:
                op = "cancel" if rng.random() < 0.8 else "signup"
            elif state == ABSENT:
                op = "signup" if rng.random() < 0.85 else "cancel"
            else:
                op = rng.choice(("signup", "cancel"))
            answer = member.act(op, sid, rng.choice(ports))
            if ledger.record(member.uid, sid, op, answer) == "not_sent":
                time.sleep(0.05)  # that server is down: wait for its restart a little

    threads = [
        threading.Thread(target=loop, args=(m, random.Random(seed * 1000 + n)), daemon=True)
        for n, m in enumerate(members)
    ]
    for t in threads:
        t.start()
    return threads


def check_store(ledger: Ledger, shifts: list[dict], members: list[Member]) -> dict:
    """Compare the store with the ledger and the shifts' rules; returns the problems and
    a few figures. Rules (portal/store/signups/signup.py): a sign-up is confirmed only
    while a place is free and nobody waits; a cancelled confirmed place goes to the
    first waiting; so no shift holds more confirmed than its capacity, and nobody waits
    while a place is free."""
    problems: list[str] = []
    active: dict[tuple[str, str], str] = {}
    totals = Counter()
    for shift in shifts:
        sid = shift["id"]
        roster = store.roster(CID, sid)
        capacity = roster["shift"]["capacity"]
        confirmed, waiting = roster["confirmed"], roster["waiting"]
        totals["confirmed"] += len(confirmed)
        totals["waiting"] += len(waiting)
        if len(confirmed) > capacity:
            problems.append(f"{sid}: {len(confirmed)} confirmed, capacity {capacity}")
        if waiting and len(confirmed) < capacity:
            problems.append(f"{sid}: {len(waiting)} waiting while {len(confirmed)}/{capacity}")
        seqs = [r["seq"] for r in confirmed + waiting]
        if len(set(seqs)) != len(seqs):
            problems.append(f"{sid}: duplicate seq {seqs}")
        if [r["seq"] for r in waiting] != sorted(r["seq"] for r in waiting):
            problems.append(f"{sid}: waiting list out of arrival order")
        for row in confirmed + waiting:
            key = (row["uid"], sid)
            if key in active:
                problems.append(f"{sid}: {row['uid']} holds two live sign-ups")
            active[key] = row["status"]
    known = {s["id"] for s in shifts}
    for member in members:
        uid = member.uid
        mine = store.user_signups(uid, include_cancelled=True)
        live = {r["shift_id"] for r in mine if r["status"] in ("confirmed", "waiting")}
        cancelled = {r["shift_id"] for r in mine if r["status"] == "cancelled"}
        in_rosters = {sid for (u, sid) in active if u == uid}
        if live & known != in_rosters:
            problems.append(f"{uid}: user_signups {sorted(live)} != rosters {sorted(in_rosters)}")
        for sid in known:
            expected = ledger.expected(uid, sid)
            totals[expected] += 1
            present = (uid, sid) in active
            if expected == ACTIVE and not present:
                problems.append(f"{uid} on {sid}: acknowledged sign-up missing")
            if expected == ABSENT and present:
                problems.append(f"{uid} on {sid}: acknowledged cancel (or none) but live")
            if (uid, sid) in ledger.cancelled and sid not in cancelled:
                problems.append(f"{uid} on {sid}: acknowledged cancel has no cancelled row")
    return {"problems": problems, "totals": dict(totals)}
