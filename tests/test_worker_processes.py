"""Real worker processes (``python run.py worker --tick-seconds 0.2``) on one data folder,
a real SMTP server on 127.0.0.1, and a clock the test moves (``PORTAL_CLOCK_FILE``):

* two workers started at once send every reminder, and none twice;
* a worker killed with SIGKILL again and again in the middle of its work, and started
  again, loses none and sends none twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from portal import store
from tests.conftest import make_user
from tests.mailserver import MailServer

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2031, 3, 12, 9, 0)
FORMAT = "%Y-%m-%d %H:%M:%S"


def _world(data_dir: Path, people: int) -> list[str]:
    """A community, its admin (no e-mail) and ``people`` volunteers with e-mail, all
    confirmed on one shift starting at START."""
    store.open_store(data_dir)
    store.add_community("dongsi", "进程测试社区", cid="ca")
    admin = make_user("13800000003", "community_admin", scope="ca")
    post = store.create_post(
        "ca",
        admin["uid"],
        title="垃圾分类值守",
        category="legal",
        description="d",
        place="活动室",
        kind="shifts",
        shifts=[
            {"date": f"{START:%Y-%m-%d}", "start": "09:00", "end": "11:00", "capacity": people}
        ],
    )
    [shift] = store.post_shifts("ca", post["id"])
    addresses = []
    for n in range(people):
        user = make_user(f"1390000{n:04d}", "volunteer", home_cid="ca")
        store.update_profile(user["uid"], email=f"v{n}@example.com")
        store.sign_up("ca", shift["id"], user["uid"], at=START - timedelta(days=5))
        addresses.append(f"v{n}@example.com")
    return addresses


class Workers:
    def __init__(self, data_dir: Path, tmp_path: Path, port: int):
        self.data_dir, self.logs = data_dir, tmp_path
        self.clock = tmp_path / "clock.txt"
        self.env = dict(
            os.environ,
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=str(port),
            PORTAL_SMTP_FROM="平台通知 <noreply@example.org>",
            PORTAL_CLOCK_FILE=str(self.clock),
            PORTAL_PUBLIC_URL="https://portal.example.org",
        )
        self.procs: list[subprocess.Popen] = []

    def set_clock(self, at: datetime) -> None:
        tmp = self.clock.with_suffix(".tmp")
        tmp.write_text(at.strftime(FORMAT), encoding="utf-8")
        os.replace(tmp, self.clock)

    def start(self) -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.procs)}.log", "w", encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "run.py", "worker", "--data-dir", str(self.data_dir)]
            + ["--tick-seconds", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def errors(self) -> str:
        """The workers' logs where they show an error."""
        logs = [p.read_text(encoding="utf-8") for p in sorted(self.logs.glob("*.log"))]
        return "\n".join(text for text in logs if "Traceback" in text or "失败" in text)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _quiet(server: MailServer, expected: int, data_dir: Path):
    """All ``expected`` messages arrived and the outbox has nothing left to do."""

    def done():
        if len(server.messages) < expected:
            return False
        store.open_store(data_dir)
        summary = store.outbox_summary(START)
        return summary["pending"] == 0 and summary["unreconciled"] == 0

    return done


def _check_exactly(server: MailServer, addresses: list[str], each: int) -> None:
    counts = Counter(rcpt[0] for rcpt, _m in server.messages)
    assert counts == Counter({a: each for a in addresses}), counts - Counter(
        {a: each for a in addresses}
    )
    ids = server.message_ids()
    assert len(set(ids)) == len(ids) == each * len(addresses)
    bodies = [m.get_body().get_content() for _r, m in server.messages]
    assert all("https://portal.example.org/portal/me" in b for b in bodies)
    assert sum("约 2 小时后" in b for b in bodies) == len(addresses)


@pytest.fixture
def server():
    server = MailServer().start()
    yield server
    server.stop()


def test_two_workers_at_once_send_each_reminder_once(data_dir, tmp_path, server):
    addresses = _world(data_dir, 12)
    workers = Workers(data_dir, tmp_path, server.port)
    workers.set_clock(START - timedelta(hours=24))
    try:
        workers.start(), workers.start()  # two started by mistake, at the same moment
        _wait(_quiet(server, 12, data_dir), 90, "the 24-hour reminders")
        workers.set_clock(START - timedelta(hours=2))
        _wait(_quiet(server, 24, data_dir), 90, "the 2-hour reminders")
        time.sleep(2)  # ten more ticks of both: nothing more goes out
        store.open_store(data_dir)
        alive = [w for w in store.list_workers() if w["alive"]]
        assert len(alive) == 2
    finally:
        workers.stop_all()
    _check_exactly(server, addresses, 2)
    store.open_store(data_dir)
    for user in store.all_users():
        if user["role"] == "volunteer":
            assert len([n for n in store.inbox(user["uid"]) if n["kind"] == "reminder"]) == 2
    assert store.outbox_summary(START)["failed"] == 0
    assert not store.job_runs(status="failed"), store.job_runs(status="failed")
    print(f"\ntwo workers: {len(server.messages)} messages, duplicates 0")


def _running(data_dir: Path, job: str, period: str) -> bool:
    path = data_dir / "jobs" / "runs.json"
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))["runs"].values()
    except (FileNotFoundError, ValueError):
        return False
    return any(r["job"] == job and r["period"] == period for r in runs)


def _interrupted(data_dir: Path, pid: int) -> bool:
    """Whether the worker with this pid left a run unfinished (it was killed in it)."""
    path = data_dir / "jobs" / "runs.json"
    if not path.exists():
        return False
    runs = json.loads(path.read_text(encoding="utf-8"))["runs"].values()
    return any(r["status"] == "running" and f"-{pid}-" in r["worker"] for r in runs)


def _delivering(data_dir: Path) -> bool:
    """Whether a delivery process (outlived by its killed worker) still holds the lock."""
    path = data_dir / "locks" / "outbox-delivering.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_worker_killed_mid_run_and_restarted_loses_none_and_sends_none_twice(
    data_dir, tmp_path, server
):
    people = 120
    addresses = _world(data_dir, people)
    workers = Workers(data_dir, tmp_path, server.port)
    rng = random.Random(19)
    kills = interrupted = delivering = 0

    def kill_mid_run(at: datetime) -> None:
        """Start a worker, let it get into the reminders of ``at``, SIGKILL it."""
        nonlocal kills, interrupted, delivering
        proc = workers.start()
        _wait(lambda: _running(data_dir, "reminders", f"{at:%Y-%m-%d %H:%M}"), 30, "a run")
        # A run of 120 reminders lasts a few tenths of a second (less as the store gets
        # faster): kill within its first tenth, so that most kills land inside it.
        time.sleep(rng.uniform(0.0, 0.1))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        kills += 1
        interrupted += _interrupted(data_dir, proc.pid)
        delivering += _delivering(data_dir)
        store.open_store(data_dir)  # opens: nothing left broken (raises CorruptFile if so)

    try:
        for at, expected in (
            (START - timedelta(hours=24), people),
            (START - timedelta(hours=2), 0),
        ):
            workers.set_clock(at)
            for round_no in range(4):
                if expected == 0 and round_no == 2:
                    server.stop()  # the mail server goes down too, for the last two rounds
                kill_mid_run(at)
            if expected:  # let one worker finish this stage (time does not jump 22 hours
                workers.start()  # while workers die within seconds), then kill it too
                _wait(_quiet(server, expected, data_dir), 90, "the 24-hour reminders")
                os.kill(workers.procs[-1].pid, signal.SIGKILL)
                workers.procs[-1].wait(10)
                kills += 1
        server.start()
        # What failed while the server was down waits its 1, 2 … minutes: an hour later.
        workers.set_clock(START - timedelta(hours=1))
        workers.start()
        _wait(_quiet(server, 2 * people, data_dir), 90, "every reminder")
        time.sleep(1.5)
    finally:
        workers.stop_all()
    _check_exactly(server, addresses, 2)
    store.open_store(data_dir)
    for user in store.all_users():
        if user["role"] == "volunteer":
            assert len([n for n in store.inbox(user["uid"]) if n["kind"] == "reminder"]) == 2
    summary = store.outbox_summary(START)
    assert summary["pending"] == summary["failed"] == 0
    assert interrupted >= 1, "no kill landed in the middle of a job"
    print(
        f"\nSIGKILL: {kills} kills ({interrupted} in the middle of a job, {delivering} while "
        "its delivery process was sending), "
        f"{len(server.messages)} messages, duplicates 0"
    )
