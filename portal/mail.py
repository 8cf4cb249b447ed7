"""Notifications as the views send them: into the inbox, and by e-mail when configured.

E-mail is off unless ``SMTP_HOST`` is set. It is sent after the notification is
stored; a failure is logged and never breaks the request (the inbox has it).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, has_request_context, request

from . import store

log = logging.getLogger("portal.mail")
SITE_NAME = "社区报到与服务平台"


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = current_app.config["SMTP_FROM"]
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="portal.local")
    msg.set_content(body, charset="utf-8")
    return msg


def send_messages(messages: list[EmailMessage]) -> int:
    """Send over one connection; returns how many were accepted. Never raises."""
    if not messages or not enabled():
        return 0
    cfg = current_app.config
    sent = 0
    try:
        with smtplib.SMTP(
            cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg.get("SMTP_TIMEOUT", 10)
        ) as smtp:
            for msg in messages:
                try:
                    smtp.send_message(msg)
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("邮件发送失败：%s", msg["To"])
    except (OSError, smtplib.SMTPException):
        log.exception("无法连接邮件服务器 %s:%s", cfg["SMTP_HOST"], cfg["SMTP_PORT"])
    return sent


def _absolute(link: str | None) -> str:
    if not link:
        return ""
    if has_request_context() and link.startswith("/"):
        return request.host_url.rstrip("/") + link
    return link


def _mail_for(uid: str, item: dict) -> EmailMessage | None:
    try:
        user = store.get_user(uid)
    except store.NotFound:
        return None
    to = (user.get("email") or "").strip()
    if not to or user.get("deleted_at") or user.get("disabled"):
        return None
    subject = f"【{SITE_NAME}】{store.NOTIFICATION_KINDS.get(item['kind'], '消息')}"
    lines = [f"{user['name']}，您好：", "", item["text"]]
    link = _absolute(item.get("link"))
    if link:
        lines += ["", f"查看详情：{link}"]
    lines += [
        "",
        f"—— {SITE_NAME}（此邮件由系统自动发送，请勿回复）",
        "如不想再收到邮件，可在“个人资料”中删除电子邮箱。",
    ]
    return _message(to, subject, "\n".join(lines))


def notify_many(items: list[tuple]) -> list[dict]:
    """Store each (uid, kind, text[, link]) notification, then e-mail them in one go."""
    stored, mails = [], []
    for uid, kind, text, *rest in items:
        item = store.notify(uid, kind, text, link=rest[0] if rest else None)
        if item is None:
            continue
        stored.append(item)
        if enabled():
            msg = _mail_for(uid, item)
            if msg is not None:
                mails.append(msg)
    send_messages(mails)
    return stored


def notify_user(uid: str, kind: str, text: str, link: str | None = None) -> dict | None:
    """Store one notification for the person and e-mail it when configured."""
    stored = notify_many([(uid, kind, text, link)])
    return stored[0] if stored else None


def mail_stored(uid: str, items: list[dict]) -> int:
    """E-mail notifications that are already stored (e.g. reminders made by the store)."""
    if not enabled():
        return 0
    return send_messages([m for m in (_mail_for(uid, i) for i in items) if m is not None])
