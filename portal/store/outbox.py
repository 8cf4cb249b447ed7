"""The e-mail outbox: a message is stored first and sent later by the worker.

    outbox/queue.json            table ``messages``: waiting (pending) and failed-for-good rows
    outbox/sent-<YYYY-MM>.json   table ``messages``: sent ones (no body, address masked)
    outbox/delivered.log         ids the SMTP server accepted, not yet moved to sent-…
    outbox/sender.lock           held by the one process that is sending

A message is added in the same transaction as the inbox item it copies
(``notifications.notify``), and that transaction first checks the item's key: a job
run twice, by two workers or after a restart, finds the key and adds neither.

Sending (``portal.mail.send_outbox``) holds ``sender.lock``, so one process sends at a
time, and hands the due messages to a delivery process it forks, which keeps the lock
until it is done. Right after the server accepts a message its id is appended to
``delivered.log`` (one ``write``, then ``fsync``), and a failed attempt to
``failed.log``; ``reconcile`` folds both into ``queue.json``/``sent-…`` in one
transaction. So a worker killed mid-run (even with SIGKILL) does not cut a delivery
short: the delivery process finishes its batch and notes each message; the next
sender waits for the lock, folds the logs in, and never sends a noted message again.
What is left is the delivery process itself dying in the microseconds between the
server's "250" and its note (a power cut): that message is sent again — at least
once, never lost.

A failed attempt waits 1, 2, 4 … minutes (``BACKOFF_MINUTES``); after ``MAX_ATTEMPTS``
(or a permanent refusal, SMTP 5xx) the message is failed for good and listed for the
district admins, who can send it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from datetime import datetime, timedelta
from email.utils import make_msgid
from pathlib import Path

from tinydb import Query

from . import _files
from .base import NotFound, new_id, root, stamp

PENDING, FAILED = "pending", "failed"
STATUS_NAMES = {PENDING: "等待发送", FAILED: "发送失败"}
MAX_ATTEMPTS = 8
BACKOFF_MINUTES = 1  # after the n-th failure: BACKOFF_MINUTES * 2 ** (n - 1)
SENT_MONTHS_KEPT = 3  # the sent archive's months kept (retention job)


def _folder() -> Path:
    return root() / "outbox"


def queue_path() -> Path:
    return _folder() / "queue.json"


def _sent_path(month: str) -> Path:
    return _folder() / f"sent-{month}.json"


def _log_path() -> Path:
    return _folder() / "delivered.log"


def _failed_path() -> Path:
    return _folder() / "failed.log"


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def mask_address(address: str) -> str:
    """a***@example.com: enough for an admin to tell messages apart."""
    user, _at, domain = (address or "").partition("@")
    return f"{user[:1]}***@{domain}" if domain else "***"


def quiet_until(at: datetime, quiet_from: str | None, quiet_to: str | None) -> datetime | None:
    """The end of the quiet hours ``quiet_from``–``quiet_to`` (HH:MM) if ``at`` falls in
    them (they may run over midnight, e.g. 22:00–07:00), else None."""
    if not quiet_from or not quiet_to or quiet_from == quiet_to:
        return None
    now_hm = at.strftime("%H:%M")
    end = datetime.strptime(f"{at:%Y-%m-%d} {quiet_to}", "%Y-%m-%d %H:%M")
    if quiet_from < quiet_to:
        return end if quiet_from <= now_hm < quiet_to else None
    if now_hm >= quiet_from:
        return end + timedelta(days=1)
    return end if now_hm < quiet_to else None


def new_message(
    *,
    uid: str,
    kind: str,
    key: str,
    to: str,
    subject: str,
    body: str,
    at: datetime,
    not_before: datetime | None = None,
) -> dict:
    """A message row for ``add``; it waits until ``not_before`` (quiet hours) if given."""
    mid = new_id(8)
    return {
        "id": mid,
        "uid": uid,
        "kind": kind,
        "key": key,
        "to": to,
        "subject": subject,
        "body": body,
        "message_id": make_msgid(idstring=mid, domain="portal.local"),
        "created_at": stamp(at),
        "next_at": stamp(not_before or at),
        "waits_for_quiet_hours": not_before is not None,
        "attempts": 0,
        "status": PENDING,
        "last_error": None,
        "failed_at": None,
    }


def add(db, message: dict) -> None:
    """Insert a message through the caller's open transaction on ``queue_path()``."""
    db.table("messages").insert(message)


# ---------------------------------------------------------------- the sender's side


@contextlib.contextmanager
def sender_lock():
    """Yields the descriptor holding ``sender.lock`` if this process may send now, else
    None (another process is sending). A delivery process forked while it is held keeps
    the lock (through its copy of the descriptor) until it exits."""
    path = _folder() / "sender.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
        else:
            yield fd
    finally:
        os.close(fd)


def _queue() -> list[dict]:
    return list(_files.read_tables(queue_path()).get("messages", {}).values())


def due_messages(at: datetime, limit: int = 50) -> list[dict]:
    """Pending messages whose time has come, oldest first (call with the sender lock)."""
    rows = [m for m in _queue() if m["status"] == PENDING and m["next_at"] <= stamp(at)]
    return sorted(rows, key=lambda m: (m["next_at"], m["created_at"], m["id"]))[:limit]


def _append(path: Path, line: str) -> None:
    """One line, in one write, then fsync: a kill leaves it whole or absent. Plain system
    calls only, so that a forked delivery process can use it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def record_delivered(mid: str, at: datetime) -> None:
    """The server accepted message ``mid``: note it at once, before anything else."""
    _append(_log_path(), f"{mid}\t{stamp(at)}")


def record_failed(row: dict, at: datetime, error: str, permanent: bool = False) -> None:
    """An attempt at ``row`` failed: noted like a delivery, folded in by ``reconcile``."""
    line = {"id": row["id"], "attempt": row["attempts"] + 1, "at": stamp(at)}
    _append(_failed_path(), json.dumps(line | {"error": error[:300], "permanent": permanent}))


def _logged() -> dict[str, str]:
    try:
        text = _log_path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found = {}
    for line in text.splitlines():
        mid, _tab, when = line.partition("\t")
        if mid and len(when) == 19:
            found[mid] = when
    return found


def _failed() -> list[dict]:
    try:
        text = _failed_path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


def _archived(row: dict, sent_at: str) -> dict:
    keep = ("id", "uid", "kind", "key", "subject", "message_id", "created_at", "attempts")
    return {k: row.get(k) for k in keep} | {"to": mask_address(row["to"]), "sent_at": sent_at}


def _failure_fields(doc: dict, failure: dict) -> dict:
    attempts = failure["attempt"]
    at = _parse(failure["at"])
    fields = {
        "attempts": attempts,
        "last_error": failure["error"],
        "last_attempt_at": failure["at"],
    }
    if failure["permanent"] or attempts >= MAX_ATTEMPTS:
        return fields | {"status": FAILED, "failed_at": failure["at"]}
    wait = timedelta(minutes=BACKOFF_MINUTES * 2 ** (attempts - 1))
    return fields | {"next_at": stamp(at + wait)}


def reconcile() -> dict:
    """Fold the delivery logs into the queue: delivered messages move to the sent
    archive; each failed attempt counts once (a failure line names its attempt, so
    folding it twice after a crash changes nothing) and sets the next try 1, 2, 4 …
    minutes later, or fails the message for good. Then the logs are emptied.
    Returns {"sent", "failed", "gave_up"}. Call with the sender lock."""
    logged, failed = _logged(), _failed()
    result = {"sent": 0, "failed": 0, "gave_up": 0}
    if not logged and not failed:
        return result
    months = sorted({when[:7] for when in logged.values()})
    paths = [queue_path()] + [_sent_path(m) for m in months]
    with _files.transaction_many(*paths) as (queue, *archives):
        table = queue.table("messages")
        by_month = dict(zip(months, archives, strict=True))
        for doc in table.all():
            when = logged.get(doc["id"])
            if when is None:
                continue
            by_month[when[:7]].table("messages").insert(_archived(dict(doc), when))
            table.remove(doc_ids=[doc.doc_id])
            result["sent"] += 1
        for failure in failed:
            doc = table.get(Query().id == failure["id"])
            if doc is None or doc["status"] != PENDING or doc["attempts"] >= failure["attempt"]:
                continue
            fields = _failure_fields(doc, failure)
            table.update(fields, doc_ids=[doc.doc_id])
            result["failed"] += 1
            result["gave_up"] += fields.get("status") == FAILED
    # Every line is now folded in (now, or before a crash here).
    for path in (_log_path(), _failed_path()):
        if path.exists():
            with open(path, "r+b") as fh:
                fh.truncate(0)
                os.fsync(fh.fileno())
    return result


def discard(mids: list[str]) -> int:
    """Drop waiting messages that must not be sent (the account was deleted meanwhile)."""
    if not mids:
        return 0
    wanted = set(mids)
    with _files.transaction(queue_path()) as db:
        return len(db.table("messages").remove(Query().id.one_of(wanted)))


# ---------------------------------------------------------------- the admins' view


def _shown(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "body"} | {
        "to": mask_address(row["to"]),
        "status_name": STATUS_NAMES.get(row["status"], row["status"]),
    }


def outbox_messages(status: str) -> list[dict]:
    """Waiting (``pending``) or failed-for-good (``failed``) messages, without their body
    and with the address masked; the oldest first."""
    rows = [m for m in _queue() if m["status"] == status]
    return [_shown(m) for m in sorted(rows, key=lambda m: (m["created_at"], m["id"]))]


def sent_messages(month: str, limit: int = 50) -> list[dict]:
    """The month's sent messages, newest first."""
    rows = _files.read_tables(_sent_path(month)).get("messages", {}).values()
    return sorted(rows, key=lambda m: m["sent_at"], reverse=True)[:limit]


def outbox_summary(at: datetime) -> dict:
    """Counts for the admin page: waiting (of them, due now and held by quiet hours),
    failed for good, sent this month, and the oldest waiting message's time."""
    rows = _queue()
    pending = [m for m in rows if m["status"] == PENDING]
    return {
        "pending": len(pending),
        "due": sum(1 for m in pending if m["next_at"] <= stamp(at)),
        "retrying": sum(1 for m in pending if m["attempts"] > 0),
        "quiet": sum(
            1 for m in pending if m.get("waits_for_quiet_hours") and m["next_at"] > stamp(at)
        ),
        "failed": sum(1 for m in rows if m["status"] == FAILED),
        "sent_this_month": len(
            _files.read_tables(_sent_path(at.strftime("%Y-%m"))).get("messages", {})
        ),
        "oldest": min((m["created_at"] for m in pending), default=None),
        "unreconciled": len(_logged()) + len(_failed()),
    }


def retry_message(mid: str, at: datetime) -> dict:
    """Send a failed-for-good message again, as new (its attempts start over)."""

    def change(row):
        if row["status"] != FAILED:
            raise NotFound("没有找到这封发送失败的邮件。")
        return {"status": PENDING, "attempts": 0, "next_at": stamp(at), "failed_at": None}

    return _shown(_files.change_row(queue_path(), "messages", mid, change, "没有找到这封邮件。"))


def prune_sent(at: datetime, months: int = SENT_MONTHS_KEPT) -> int:
    """Remove the sent archive's months older than the last ``months``; returns how many."""
    first = at.year * 12 + at.month - 1 - (months - 1)
    keep_from = f"{first // 12:04d}-{first % 12 + 1:02d}"
    removed = 0
    folder = _folder()
    for path in sorted(folder.glob("sent-*.json")) if folder.exists() else []:
        if path.stem[5:] < keep_from:
            with _files.file_lock(path.with_name(path.name + ".lock")):
                path.unlink(missing_ok=True)
                _files._forget(path)
            removed += 1
    return removed
