"""Runs of the scheduled jobs, so that each runs once per period whoever runs it.

    jobs/runs.json       table ``runs``: one row per (job, period): running, done or
                         failed, when, the result or the error, how many attempts
    jobs/workers.json    table ``workers``: each worker process's last sign of life
    jobs/<job>.lock      held, while it runs, by the process running the job

``claim(job, period, …)`` takes the job's lock without waiting: a second worker
finds it taken and skips. Under the lock, a (job, period) already done is skipped, so
two workers, a restart or a run that comes late never do a period twice; one that
failed (or whose process was killed: the kernel drops the lock) is run again on the
next tick, so none is skipped. The messages a job makes carry their own keys as well
(see ``notifications.notify``), so a run cut short and run again sends only what was
not sent. A job with ``repeat`` (the e-mail sender) runs on every tick; its row keeps
only the last run.
"""

from __future__ import annotations

import contextlib
import re
import time
from datetime import datetime

from tinydb import Query

from . import backend as docs
from .base import StoreError, stamp

RUNNING, DONE, FAILED = "running", "done", "failed"
STATUS_NAMES = {RUNNING: "运行中", DONE: "已完成", FAILED: "失败"}
KEEP_PER_JOB = 30  # newest runs kept per job
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def _runs_path() -> str:
    return "jobs/runs"


def _workers_path() -> str:
    return "jobs/workers"


def _lock_name(job: str) -> str:
    if not _NAME_RE.match(job):
        raise StoreError("任务名称无效。")
    return f"job-{job}"


@contextlib.contextmanager
def claim(job: str, period: str, at: datetime, worker: str, repeat: bool = False):
    """Yields the run's row (now ``running``) if this process should run (job, period),
    else None: another process is running the job, or the period is done (unless
    ``repeat``). Finish with ``finish`` inside the block."""
    with docs.try_lock(_lock_name(job)) as mine:
        if not mine:
            yield None
            return
        with docs.transaction_one(_runs_path()) as db:
            table = db.table("runs")
            found = table.get((Query().job == job) & (Query().period == period))
            if found is not None and found["status"] == DONE and not repeat:
                row = None
            else:
                row = {
                    "job": job,
                    "period": period,
                    "status": RUNNING,
                    "at": stamp(at),
                    "started": time.time(),
                    "worker": worker,
                    "attempts": (found["attempts"] if found and not repeat else 0) + 1,
                    "error": None,
                    "result": None,
                    "finished_at": None,
                }
                if found is None:
                    table.insert(row)
                    _prune(table, job)
                else:
                    table.update(row, doc_ids=[found.doc_id])
        yield row


def _prune(table, job: str) -> None:
    rows = sorted(table.search(Query().job == job), key=lambda d: (d["started"], d.doc_id))
    if len(rows) > KEEP_PER_JOB:
        table.remove(doc_ids=[d.doc_id for d in rows[: len(rows) - KEEP_PER_JOB]])


def finish(row: dict, at: datetime, result: dict | None = None, error: str | None = None) -> dict:
    """Record the end of a claimed run: done with its result, or failed with the error."""
    fields = {
        "status": FAILED if error else DONE,
        "result": result,
        "error": error[:500] if error else None,
        "finished_at": stamp(at),
        "seconds": round(time.time() - row["started"], 3),
    }
    with docs.transaction_one(_runs_path()) as db:
        db.table("runs").update(
            fields, (Query().job == row["job"]) & (Query().period == row["period"])
        )
    return dict(row, **fields)


def _all_runs() -> list[dict]:
    rows = docs.read(_runs_path()).get("runs", {}).values()
    return [
        dict(r, status_name=STATUS_NAMES.get(r["status"], r["status"]))
        for r in sorted(rows, key=lambda r: r["started"], reverse=True)
    ]


def job_runs(job: str | None = None, status: str | None = None) -> list[dict]:
    """Runs, newest first; optionally of one job or one status."""
    return [
        r
        for r in _all_runs()
        if (job is None or r["job"] == job) and (status is None or r["status"] == status)
    ]


def last_runs() -> dict[str, dict]:
    """Each job's newest run."""
    latest: dict[str, dict] = {}
    for row in _all_runs():
        latest.setdefault(row["job"], row)
    return latest


def period_done(job: str, period: str) -> bool:
    return any(
        r["job"] == job and r["period"] == period and r["status"] == DONE for r in _all_runs()
    )


def heartbeat(worker: str, info: dict, at: datetime) -> None:
    """Note that the worker is alive (and what it is); forget workers silent for a day."""
    with docs.transaction_one(_workers_path()) as db:
        table = db.table("workers")
        table.upsert(
            dict(info, id=worker, seen_at=stamp(at), seen=time.time()), Query().id == worker
        )
        table.remove(Query().seen < time.time() - 86400)


def list_workers(alive_seconds: float = 120) -> list[dict]:
    """Workers seen lately, newest first, each with ``alive`` (seen within alive_seconds)."""
    rows = docs.read(_workers_path()).get("workers", {}).values()
    cutoff = time.time() - alive_seconds
    return [
        dict(r, alive=r["seen"] >= cutoff)
        for r in sorted(rows, key=lambda r: r["seen"], reverse=True)
    ]
