"""The e-mail outbox: a message is stored first and sent later by the worker.

    outbox/queue            table ``messages``: waiting (pending) and failed-for-good rows
    outbox/sent-<YYYY-MM>   table ``messages``: sent ones (no body, address masked)
    outbox/delivered        lines: ids the SMTP server accepted, not yet moved to sent-…
    outbox/failed           lines: failed attempts, not yet folded into the queue
    lock outbox-sender      held by the one process that is sending
    lock outbox-delivering  held by its delivery process while it sends

A message is added in the same transaction as the inbox item it copies
(``notifications.notify``), and that transaction first checks the item's key: a job
run twice, by two workers or after a restart, finds the key and adds neither.

Sending (``portal.mail.send_outbox``) holds the sender lock, so one process sends at
a time, and hands the due messages to a delivery process it forks, which holds the
delivering lock until it is done (and sends nothing if its sender died before it
took it). Right after the server accepts a message its id is appended to the
``delivered`` lines (durably, in one step), and a failed attempt to ``failed``;
``reconcile`` folds both into the queue and ``sent-…`` in one transaction. So a
worker killed mid-run (even with SIGKILL) does not cut a delivery short: the
delivery process finishes its batch and notes each message; the next sender waits
for the delivering lock, folds the notes in, and never sends a noted message again.
What is left is the delivery process itself dying in the microseconds between the
server's "250" and its note (a power cut): that message is sent again — at least
once, never lost.

A failed attempt waits 1, 2, 4 … minutes (``BACKOFF_MINUTES``); after ``MAX_ATTEMPTS``
(or a permanent refusal, SMTP 5xx) the message is failed for good and listed for the
district admins, who can send it again.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timedelta
from email.utils import make_msgid

from tinydb import Query

from . import backend as docs
from .base import NotFound, new_id, stamp

PENDING, FAILED = "pending", "failed"
STATUS_NAMES = {PENDING: "等待发送", FAILED: "发送失败"}
MAX_ATTEMPTS = 8
BACKOFF_MINUTES = 1  # after the n-th failure: BACKOFF_MINUTES * 2 ** (n - 1)
SENT_MONTHS_KEPT = 3  # the sent archive's months kept (retention job)


def queue_path() -> str:
    return "outbox/queue"


def _sent_path(month: str) -> str:
    return f"outbox/sent-{month}"


_DELIVERED, _FAILED = "outbox/delivered", "outbox/failed"


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
    """Yields True if this process may send now, else False (another one is sending).

    Once it is ours, a delivery process of an earlier sender (killed meanwhile) may still
    be sending: wait for it, so that all its notes are in before ``reconcile``."""
    with docs.try_lock("outbox-sender") as mine:
        if mine:
            with docs.lock("outbox-delivering"):
                pass
        yield mine


@contextlib.contextmanager
def delivering(sender_pid: int):
    """In a delivery process: hold the delivering lock while sending. Yields False when
    the sender that forked it has died before the lock was taken: its successor may have
    taken over these messages, so this process must send nothing."""
    with docs.lock("outbox-delivering"):
        yield os.getppid() == sender_pid


def _queue() -> list[dict]:
    return list(docs.read(queue_path()).get("messages", {}).values())


def due_messages(at: datetime, limit: int = 50) -> list[dict]:
    """Pending messages whose time has come, oldest first (call with the sender lock)."""
    rows = [m for m in _queue() if m["status"] == PENDING and m["next_at"] <= stamp(at)]
    return sorted(rows, key=lambda m: (m["next_at"], m["created_at"], m["id"]))[:limit]


def record_delivered(mid: str, at: datetime) -> None:
    """The server accepted message ``mid``: note it at once, before anything else."""
    docs.current().append_line(_DELIVERED, f"{mid}\t{stamp(at)}")


def record_failed(row: dict, at: datetime, error: str, permanent: bool = False) -> None:
    """An attempt at ``row`` failed: noted like a delivery, folded in by ``reconcile``."""
    line = {"id": row["id"], "attempt": row["attempts"] + 1, "at": stamp(at)}
    text = json.dumps(line | {"error": error[:300], "permanent": permanent})
    docs.current().append_line(_FAILED, text)


def _logged() -> dict[str, str]:
    found = {}
    for line in docs.current().read_lines(_DELIVERED):
        mid, _tab, when = line.partition("\t")
        if mid and len(when) == 19:
            found[mid] = when
    return found


def _failed() -> list[dict]:
    rows = []
    for line in docs.current().read_lines(_FAILED):
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
    with docs.transaction(*paths) as (queue, *archives):
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
            row = table.get(Query().id == failure["id"])
            if row is None or row["status"] != PENDING or row["attempts"] >= failure["attempt"]:
                continue
            fields = _failure_fields(row, failure)
            table.update(fields, doc_ids=[row.doc_id])
            result["failed"] += 1
            result["gave_up"] += fields.get("status") == FAILED
    # Every line is now folded in (now, or before a crash here).
    for key in (_DELIVERED, _FAILED):
        docs.current().clear_lines(key)
    return result


def discard(mids: list[str]) -> int:
    """Drop waiting messages that must not be sent (the account was deleted meanwhile)."""
    if not mids:
        return 0
    wanted = set(mids)
    with docs.transaction_one(queue_path()) as db:
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
    rows = docs.read(_sent_path(month)).get("messages", {}).values()
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
        "sent_this_month": len(docs.read(_sent_path(at.strftime("%Y-%m"))).get("messages", {})),
        "oldest": min((m["created_at"] for m in pending), default=None),
        "unreconciled": len(_logged()) + len(_failed()),
    }


def retry_message(mid: str, at: datetime) -> dict:
    """Send a failed-for-good message again, as new (its attempts start over)."""

    def change(row):
        if row["status"] != FAILED:
            raise NotFound("没有找到这封发送失败的邮件。")
        return {"status": PENDING, "attempts": 0, "next_at": stamp(at), "failed_at": None}

    return _shown(docs.change_row(queue_path(), "messages", mid, change, "没有找到这封邮件。"))


def prune_sent(at: datetime, months: int = SENT_MONTHS_KEPT) -> int:
    """Remove the sent archive's months older than the last ``months``; returns how many."""
    first = at.year * 12 + at.month - 1 - (months - 1)
    keep_from = f"{first // 12:04d}-{first % 12 + 1:02d}"
    removed = 0
    for key in docs.keys("outbox/sent-"):
        if key[len("outbox/sent-") :] < keep_from:
            docs.current().delete(key)
            removed += 1
    return removed
