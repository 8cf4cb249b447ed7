"""E-mail copies of notifications, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd).

A notice's e-mail goes into the outbox with it; ``mail.send_outbox`` (the worker's job)
sends it. See tests/test_outbox.py for the server going down and coming back.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket


import pytest
from aiosmtpd.controller import Controller

from portal import mail, store


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                ),
            )
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="平台通知 <noreply@example.org>"
    )
    yield handler
    controller.stop()


def test_notification_is_mailed_in_chinese_utf8(app, world, smtp):
    store.update_profile(world.member["uid"], email="member@example.com")
    with app.test_request_context("/"):
        item = mail.notify_user(
            world.member["uid"],
            "report_confirmed",
            "您向测试甲社区提交的报到申请已确认，报到成功。",
            "/portal/me",
        )
    assert item and store.unread_count(world.member["uid"]) == 1
    assert smtp.messages == []  # queued, not sent while the request waits
    with app.app_context():
        assert mail.send_outbox()["sent"] == 1
    assert len(smtp.messages) == 1
    rcpt, msg = smtp.messages[0]
    assert rcpt == ["member@example.com"]
    assert msg["Subject"] == "【社区报到与服务平台】报到已确认"
    body = msg.get_body().get_content()
    assert "报到申请已确认" in body and "http://localhost/portal/me" in body
    assert msg.get_body().get_content_charset() == "utf-8"


def test_no_mail_without_address_or_when_off(app, world, smtp):
    with app.test_request_context("/"):
        mail.notify_user(world.volunteer["uid"], "message", "没有邮箱的人")
    assert smtp.messages == [] and store.unread_count(world.volunteer["uid"]) == 1
    app.config["SMTP_HOST"] = ""
    store.update_profile(world.member["uid"], email="member@example.com")
    with app.test_request_context("/"):
        mail.notify_user(world.member["uid"], "message", "关闭邮件时")
    app.config["SMTP_HOST"] = "127.0.0.1"
    with app.app_context():
        assert mail.send_outbox()["sent"] == 0
    assert smtp.messages == [] and store.unread_count(world.member["uid"]) == 1


def test_send_failure_is_logged_and_does_not_break(app, world, caplog):
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_TIMEOUT=2
    )  # nobody listens
    store.update_profile(world.member["uid"], email="member@example.com")
    with app.test_request_context("/"):
        item = mail.notify_user(world.member["uid"], "message", "服务器不在")
    assert item is not None and store.unread_count(world.member["uid"]) == 1
    with app.app_context(), caplog.at_level(logging.WARNING, logger="portal.mail"):
        result = mail.send_outbox()
    assert result["sent"] == 0 and result["failed"] == 1
    assert "无法发送 1 封邮件" in caplog.text
    [waiting] = store.outbox_messages("pending")
    assert waiting["attempts"] == 1 and "无法连接邮件服务器" in waiting["last_error"]


def test_shift_message_reaches_everyone_by_mail(client, auth, world, smtp):
    _post, shift = world.post(capacity=1)
    store.update_profile(world.member["uid"], email="member@example.com")
    store.update_profile(world.volunteer["uid"], email="vol@example.com")
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], world.volunteer["uid"])  # waiting
    auth.login(world.admin_a["phone"])
    auth.post(
        f"/portal/admin/c/ca/shifts/{shift['id']}/message",
        {"text": "请提前十分钟到达", "include_waiting": "y"},
    )
    with client.application.app_context():
        mail.send_outbox()
    assert sorted(r[0][0] for r in smtp.messages) == ["member@example.com", "vol@example.com"]
    assert all("请提前十分钟到达" in m.get_body().get_content() for _r, m in smtp.messages)


def test_profile_email_field(client, auth, world):
    auth.login(world.volunteer["phone"])
    fields = {"name": "志愿者", "home_cid": "ca", "work_unit": "", "party_org": ""}
    page = auth.post("/portal/profile", dict(fields, email="not-an-address"))
    assert "请输入有效的电子邮箱" in page.get_data(as_text=True)
    auth.post("/portal/profile", dict(fields, email=" vol@example.com "))
    assert store.get_user(world.volunteer["uid"])["email"] == "vol@example.com"
