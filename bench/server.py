"""The production server as documented in portal/wsgi.py: gunicorn, 2 sync workers, 127.0.0.1.

The only difference is the module: ``bench.wsgi:app`` is ``portal.wsgi:app`` with the
bare ``/bench/hello`` added, so every path is served by the same workers. The store is
a data folder (``PORTAL_DATA_DIR``) or a ``postgresql://`` URL (``PORTAL_DATABASE_URL``).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_version() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    text = (out.stdout or out.stderr).strip()
    return text.split()[-1].strip("()") if out.returncode == 0 and text else "?"


class Server:
    def __init__(self, target: Path | str, log: Path, workers: int = 2):
        """``target``: the data folder, or a PostgreSQL URL (then the data folder and the
        backups are scratch folders beside the log: nothing of the store is on disk)."""
        self.log, self.workers = Path(log), workers
        self.database_url = target if isinstance(target, str) else None
        self.data_dir = self.log.parent / "data" if self.database_url else Path(target)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.command = [
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "bench.wsgi:app",
        ]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout: float = 120) -> None:
        env = dict(os.environ, PORTAL_DATA_DIR=str(self.data_dir), PYTHONUNBUFFERED="1")
        env.pop("PORTAL_DATABASE_URL", None)
        if self.database_url:
            env["PORTAL_DATABASE_URL"] = self.database_url
            env["PORTAL_BACKUP_DIR"] = str(self.log.parent / "backups")
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *self.command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            if len(self.worker_pids()) == self.workers and self._ready():
                # Both workers answer: warm each once more so neither imports on the clock.
                for _ in range(20):
                    self._ready()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def _ready(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/bench/hello")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def memory(self) -> list[dict]:
        """RSS now and peak (MB) of each worker."""
        rows = []
        for pid in self.worker_pids():
            fields = {}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024
            rows.append(
                {
                    "pid": pid,
                    "rss_mb": fields.get("VmRSS", 0.0),
                    "peak_mb": fields.get("VmHWM", 0.0),
                }
            )
        return rows

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
