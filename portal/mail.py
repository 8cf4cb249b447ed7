"""Notifications as the views send them: into the inbox, and by e-mail when configured.

E-mail is off unless ``SMTP_HOST`` is set. Nothing is sent while a request waits:
the e-mail copy goes into the outbox in the same transaction as the inbox item
(``store.notify``), as the person's notice settings allow (kinds by e-mail, quiet
hours), and the worker sends it (``send_outbox``: ``python run.py worker``, or the
scheduler inside ``python run.py``), again and again with growing pauses while the
mail server is down. A request is never slowed by the mail server, and nothing is lost.
"""

from __future__ import annotations

import logging
import os
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, has_request_context, request

from . import store

log = logging.getLogger("portal.mail")
SITE_NAME = "社区报到与服务平台"


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _absolute(link: str | None) -> str:
    if not link:
        return ""
    if not link.startswith("/"):
        return link
    if has_request_context():
        return request.host_url.rstrip("/") + link
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/") + link


def compose(uid: str, kind: str, text: str, link: str | None = None) -> dict | None:
    """The e-mail copy of a notice to the person ({to, subject, body}), or None when
    e-mail is off or the person has no address (or no longer an active account)."""
    if not enabled():
        return None
    try:
        user = store.get_user(uid)
    except store.NotFound:
        return None
    to = (user.get("email") or "").strip()
    if not to or user.get("deleted_at") or user.get("disabled"):
        return None
    subject = f"【{SITE_NAME}】{store.NOTIFICATION_KINDS.get(kind, '消息')}"
    lines = [f"{user['name']}，您好：", "", text]
    full = _absolute(link)
    if full:
        lines += ["", f"查看详情：{full}"]
    lines += [
        "",
        f"—— {SITE_NAME}（此邮件由系统自动发送，请勿回复）",
        "哪些消息发邮件、夜间免打扰，可在“消息 → 提醒设置”中选择；"
        "在“个人资料”中删除电子邮箱则不再收到邮件。",
    ]
    return {"to": to, "subject": subject, "body": "\n".join(lines)}


def notify_many(items: list[tuple]) -> list[dict]:
    """Store each (uid, kind, text[, link]) notification with its e-mail copy queued."""
    stored = []
    for uid, kind, text, *rest in items:
        link = rest[0] if rest else None
        item = store.notify(uid, kind, text, link=link, email=compose(uid, kind, text, link))
        if item is not None:
            stored.append(item)
    return stored


def notify_user(uid: str, kind: str, text: str, link: str | None = None) -> dict | None:
    """Store one notification for the person and queue its e-mail copy when configured."""
    stored = notify_many([(uid, kind, text, link)])
    return stored[0] if stored else None


def notify_once(
    uid: str,
    kind: str,
    text: str,
    link: str | None = None,
    *,
    key: str,
    at: datetime | None = None,
    email: dict | None = None,
) -> dict | None:
    """A notification made by a job: once per ``key`` (None if made before), with its
    e-mail copy (``email``, default: to the person) in the same transaction."""
    if store.has_notification_key(uid, key):
        return None
    copy = email if email is not None else compose(uid, kind, text, link)
    return store.notify(uid, kind, text, link=link, at=at, key=key, email=copy)


def mail_stored(uid: str, items: list[dict]) -> int:
    """Queue the e-mail copies of notifications already stored (once each)."""
    if not enabled() or not items:
        return 0
    return store.mail_notifications(
        uid, items, lambda i: compose(uid, i["kind"], i["text"], i.get("link"))
    )


# ---------------------------------------------------------------- sending (the worker)


def _smtp(cfg):
    return smtplib.SMTP(
        cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg.get("SMTP_TIMEOUT", 10)
    )


def _email(row: dict, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = row["subject"]
    msg["From"] = sender
    msg["To"] = row["to"]
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = row.get("message_id") or make_msgid(domain="portal.local")
    msg.set_content(row["body"], charset="utf-8")
    return msg


def send_messages(messages: list[EmailMessage]) -> int:
    """Send over one connection now; returns how many were accepted. Never raises.
    (The outbox uses ``send_outbox``; this is for a one-off message.)"""
    if not messages or not enabled():
        return 0
    sent = 0
    try:
        with _smtp(current_app.config) as smtp:
            for msg in messages:
                try:
                    smtp.send_message(msg)
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("邮件发送失败：%s", msg["To"])
    except (OSError, smtplib.SMTPException):
        log.exception("无法连接邮件服务器")
    return sent


def _active(uid: str) -> bool:
    try:
        user = store.get_user(uid)
    except store.NotFound:
        return False
    return not user.get("deleted_at") and not user.get("disabled")


def _reply(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _refusal(exc: smtplib.SMTPException) -> tuple[str, bool]:
    """The error text of a refused message (without the address) and whether the refusal
    is permanent (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        codes = [code for code, _text in replies]
        text = "；".join(_reply(code, msg) for code, msg in replies)
        return f"收件人被拒绝：{text}", bool(codes) and min(codes) >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器拒绝：{_reply(exc.smtp_code, exc.smtp_error)}", exc.smtp_code >= 500
    return f"发送失败：{type(exc).__name__}", False


def _deliver(rows: list[dict], cfg: dict, at: datetime) -> None:
    """Send ``rows`` over one connection, noting each acceptance or failure in the
    outbox's logs the moment it is known. Runs in the forked delivery process: plain
    sockets and file writes, no logging, no app."""
    done: set[str] = set()
    try:
        with _smtp(cfg) as smtp:
            for row in rows:
                try:
                    smtp.send_message(_email(row, cfg["SMTP_FROM"]))
                except smtplib.SMTPServerDisconnected:
                    raise
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                    error, permanent = _refusal(exc)
                    store.outbox_failed(row, at, error, permanent)
                else:
                    store.outbox_delivered(row["id"], at)
                done.add(row["id"])
    except (OSError, smtplib.SMTPException) as exc:
        error = f"无法连接邮件服务器：{exc}"
        for row in rows:
            if row["id"] not in done:
                store.outbox_failed(row, at, error)


def _in_child(sender_pid: int, rows: list[dict], cfg: dict, at: datetime) -> None:
    """The delivery process: its own session (a signal to the worker's process group
    does not stop it), none of the worker's descriptors (the store opens its own), the
    delivering lock, then the batch; never returns."""
    code = 1
    try:
        os.setsid()
        os.closerange(3, 1 << 16)
        with store.outbox_delivering(sender_pid) as ours:
            if ours:
                _deliver(rows, cfg, at)
        code = 0
    finally:
        os._exit(code)


def send_outbox(at: datetime | None = None, limit: int = 50) -> dict:
    """Send the outbox's messages that are due (the worker's job).

    One process sends at a time (the sender lock). The batch goes to a forked delivery
    process that holds the lock until it is done and notes each message the moment the
    server accepts or refuses it: a worker killed meanwhile does not cut it short, and
    whoever sends next folds its notes in first, so nothing is sent twice. A failure
    waits 1, 2, 4 … minutes; the last attempt fails it for good (the admins see it).

    Returns {"sent", "failed", "gave_up", "busy"} for the run's record."""
    at = at or store.now()
    result = {"sent": 0, "failed": 0, "gave_up": 0, "busy": False}
    if not enabled():
        return result
    cfg = {k: current_app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM")}
    cfg["SMTP_TIMEOUT"] = current_app.config.get("SMTP_TIMEOUT", 10)
    with store.outbox_sender_lock() as mine:
        if not mine:
            result["busy"] = True
            return result
        store.outbox_reconcile()  # what an earlier delivery process noted
        rows = store.outbox_due(at, limit)
        store.outbox_discard([r["id"] for r in rows if not _active(r["uid"])])
        rows = [r for r in rows if _active(r["uid"])]
        if rows:
            sender = os.getpid()
            pid = os.fork()
            if pid == 0:
                _in_child(sender, rows, cfg, at)
            os.waitpid(pid, 0)
        folded = store.outbox_reconcile()
    if folded["failed"]:
        log.warning(
            "无法发送 %s 封邮件（邮件服务器 %s:%s），稍后重试",
            folded["failed"],
            cfg["SMTP_HOST"],
            cfg["SMTP_PORT"],
        )
    return result | folded
