"""Running the jobs with APScheduler, in this process.

* ``python run.py worker``: ``run_blocking`` (production: one beside gunicorn);
* ``python run.py``: ``start_background``, a scheduler thread inside the one process;
* ``--tick-seconds N`` (tests): every job every N seconds; their periods still decide
  what actually runs, so only the pace changes.

Every trigger calls ``run_job``, which takes the time from ``clock.now()`` and claims
the job's period in the store (``store.claim_job``): with two workers started by
mistake, one runs each period and the other skips. ``catch_up`` runs at start and every
10 minutes: a period whose time came while no worker was running (a restart over
Monday 08:00) is run then, late but once.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from .. import store
from . import clock
from .jobs import JOBS, Job

log = logging.getLogger("portal.worker")
TZ = ZoneInfo("Asia/Shanghai")
WORKER_ID = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
HEARTBEAT_SECONDS = 30


def run_job(app: Flask, job: Job, at: datetime | None = None) -> dict:
    """Run ``job`` as of ``at`` (default: the clock) if its period is due and not done
    yet. Returns {"status": "not_due" | "no_mail" | "skipped" | "done" | "failed", ...}."""
    at = at or clock.now()
    period, due = job.period(at)
    if at < due:
        return {"status": "not_due", "period": period}
    if job.needs_mail and not app.config.get("SMTP_HOST"):
        return {"status": "no_mail", "period": period}  # the quarter's letters wait for it
    # A request context, so that url_for and the links in e-mail work as in a view.
    with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]):
        with store.claim_job(job.name, period, at, WORKER_ID, job.repeat) as row:
            if row is None:
                return {"status": "skipped", "period": period}
            try:
                result = job.run(at)
            except Exception as exc:  # recorded and tried again on the next tick
                log.exception("定时任务 %s（%s）失败", job.name, period)
                store.finish_job(row, at, error=f"{type(exc).__name__}: {exc}")
                return {"status": "failed", "period": period, "error": str(exc)}
            store.finish_job(row, at, result=result)
            return {"status": "done", "period": period, "result": result}


def run_all(app: Flask, at: datetime | None = None) -> dict[str, dict]:
    """Every job once (what is due and not done): ``run.py worker --once`` and catch-up."""
    return {job.name: run_job(app, job, at) for job in JOBS}


_last_beat = 0.0


def heartbeat(app: Flask, mode: str, tick: float | None, force: bool = False) -> None:
    global _last_beat
    if not force and time.monotonic() - _last_beat < HEARTBEAT_SECONDS:
        return
    _last_beat = time.monotonic()
    info = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "mode": mode,
        "tick": tick,
        "started_at": STARTED_AT,
    }
    with app.app_context():
        store.worker_heartbeat(WORKER_ID, info, clock.now())


STARTED_AT = f"{store.now():%Y-%m-%d %H:%M:%S}"


def _tick(app: Flask, job: Job, mode: str, tick: float | None) -> None:
    try:
        heartbeat(app, mode, tick)
        run_job(app, job)
    except Exception:  # a broken store file, a full disk: logged, the next tick tries again
        log.exception("定时任务 %s 无法运行", job.name)


def _catch_up(app: Flask, mode: str, tick: float | None) -> None:
    for job in JOBS:
        _tick(app, job, mode, tick)


def add_jobs(scheduler, app: Flask, mode: str, tick: float | None) -> None:
    """The jobs on their triggers (or all every ``tick`` seconds), and the catch-up."""
    start = datetime.now(TZ)
    for job in JOBS:
        trigger = (
            {"trigger": "interval", "seconds": tick}
            if tick
            else dict(job.cron, timezone=TZ)
            if job.cron["trigger"] == "cron"
            else dict(job.cron)
        )
        if tick:  # first run now (None would add the job paused)
            trigger["next_run_time"] = start
        scheduler.add_job(
            _tick,
            args=[app, job, mode, tick],
            id=job.name,
            name=job.title,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **trigger,
        )
    if not tick:
        scheduler.add_job(
            _catch_up,
            "interval",
            minutes=10,
            args=[app, mode, tick],
            id="catch_up",
            name="补做错过的任务",
            max_instances=1,
            coalesce=True,
            next_run_time=start + timedelta(seconds=2),
        )


def start_background(app: Flask, tick: float | None = None):
    """A scheduler thread inside this process (``python run.py``); returns it."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=TZ)
    add_jobs(scheduler, app, "内嵌于 run.py", tick)
    scheduler.start()
    heartbeat(app, "内嵌于 run.py", tick, force=True)
    return scheduler


def run_blocking(app: Flask, tick: float | None = None) -> None:
    """The worker process: run the jobs until stopped (Ctrl-C or SIGTERM)."""
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=TZ)
    add_jobs(scheduler, app, "独立 worker", tick)
    heartbeat(app, "独立 worker", tick, force=True)

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def next_run(job: Job, at: datetime, last: dict | None) -> str:
    """When the job runs next, in words, for the admin page."""
    if job.cron["trigger"] == "cron":
        from apscheduler.triggers.cron import CronTrigger

        fields = {k: v for k, v in job.cron.items() if k != "trigger"}
        moment = CronTrigger(timezone=TZ, **fields).get_next_fire_time(None, at.replace(tzinfo=TZ))
        text = f"{moment:%Y-%m-%d %H:%M}" if moment else "—"
        period, due = job.period(at)
        if at >= due and not store.period_done(job.name, period):
            text = f"待补做（{period}），worker 运行时 10 分钟内执行；其后 {text}"
        return text
    seconds = job.cron.get("seconds", 0) + 60 * job.cron.get("minutes", 0)
    if last is None:
        return "worker 启动后立即运行"
    done_at = datetime.strptime(last["finished_at"] or last["at"], "%Y-%m-%d %H:%M:%S")
    return f"约 {max(done_at + timedelta(seconds=seconds), at):%Y-%m-%d %H:%M:%S}"
