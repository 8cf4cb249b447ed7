"""The e-mail outbox against a real SMTP server on 127.0.0.1 that is stopped and started
during the test: messages wait, are retried 1, 2, 4 … minutes apart, then all arrive
exactly once; a request is never slowed by a dead server; what fails for good is listed
for the district admins, who can send it again."""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime, timedelta

import pytest

from portal import mail, store
from tests.conftest import make_user
from tests.mailserver import MailServer

T0 = datetime(2031, 3, 12, 10, 0)


@pytest.fixture
def server(app):
    server = MailServer()  # not started: the mail server is down
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    yield server
    server.stop()


def _people(n: int) -> list[dict]:
    people = []
    for i in range(n):
        user = make_user(f"1370000{i:04d}", "volunteer", home_cid="ca")
        store.update_profile(user["uid"], email=f"p{i}@example.com")
        people.append(user)
    return people


def _notify(app, people, text, at):
    with app.test_request_context("/"):
        for user in people:
            mail.notify_once(user["uid"], "message", text, key=f"{text}:{user['uid']}", at=at)


def send(app, at):
    with app.app_context():
        return mail.send_outbox(at)


def test_messages_wait_while_the_server_is_down_then_arrive_exactly_once(
    app, world, server, monkeypatch
):
    people = _people(5)
    app.config["SMTP_TIMEOUT"] = 30  # a request would hang on this if it sent inline
    connections = []
    real_smtp = smtplib.SMTP

    def counted_smtp(*args, **kwargs):
        connections.append(args)
        return real_smtp(*args, **kwargs)

    monkeypatch.setattr(smtplib, "SMTP", counted_smtp)
    _notify(app, people, "第一批", T0)
    assert connections == []  # five notices queued, no connection attempted
    assert store.outbox_summary(T0)["pending"] == 5

    assert send(app, T0) == {"sent": 0, "failed": 5, "gave_up": 0, "busy": False}
    assert {m["next_at"] for m in store.outbox_messages("pending")} == {"2031-03-12 10:01:00"}
    server.start()
    assert send(app, T0 + timedelta(seconds=30))["sent"] == 0  # waits for its time
    assert send(app, T0 + timedelta(minutes=1))["sent"] == 5
    assert store.outbox_summary(T0)["pending"] == 0

    # Down again: the second batch fails twice (1 then 2 minutes), then goes through.
    server.stop()
    _notify(app, people[:3], "第二批", T0 + timedelta(minutes=2))
    assert send(app, T0 + timedelta(minutes=2))["failed"] == 3
    assert send(app, T0 + timedelta(minutes=3))["failed"] == 3
    waiting = store.outbox_messages("pending")
    assert {(m["attempts"], m["next_at"]) for m in waiting} == {(2, "2031-03-12 10:05:00")}
    server.start()
    assert send(app, T0 + timedelta(minutes=4))["sent"] == 0
    assert send(app, T0 + timedelta(minutes=5))["sent"] == 3
    for _ in range(3):  # nothing is sent twice however often the sender runs
        assert send(app, T0 + timedelta(hours=1))["sent"] == 0

    counts = Counter(rcpt[0] for rcpt, _m in server.messages)
    assert counts == Counter({f"p{i}@example.com": 2 if i < 3 else 1 for i in range(5)})
    assert len(set(server.message_ids())) == len(server.messages) == 8
    sent = store.sent_messages("2031-03")
    assert len(sent) == 8 and all(m["to"].startswith("p***@") for m in sent)


def test_backoff_doubles_and_the_eighth_failure_is_for_good(app, world, server):
    [user] = _people(1)
    _notify(app, [user], "重试", T0)
    at, waits = T0, []
    for attempt in range(1, store.OUTBOX_MAX_ATTEMPTS + 1):
        assert send(app, at)["failed"] == 1
        rows = store.outbox_messages("pending")
        if attempt == store.OUTBOX_MAX_ATTEMPTS:
            assert rows == []
            break
        next_at = datetime.strptime(rows[0]["next_at"], "%Y-%m-%d %H:%M:%S")
        waits.append(int((next_at - at).total_seconds() // 60))
        at = next_at
    assert waits == [1, 2, 4, 8, 16, 32, 64]
    [failed] = store.outbox_messages("failed")
    assert failed["attempts"] == 8 and failed["to"] == "p***@example.com"
    assert store.outbox_summary(at)["failed"] == 1


def test_admin_sees_failed_mail_and_sends_it_again(app, world, server, client, auth):
    [user] = _people(1)
    _notify(app, [user], "被拒收", T0)

    async def refuse(server_, session, envelope, address, rcpt_options):
        return "550 5.1.1 没有这个邮箱"

    server.recorder.handle_RCPT = refuse
    server.start()
    result = send(app, T0)
    assert result["gave_up"] == 1  # a permanent refusal: no more tries
    del server.recorder.handle_RCPT
    server.stop()
    server.start()

    auth.login(world.district["phone"])
    page = client.get("/portal/admin/worker/").get_data(as_text=True)
    assert "发送失败" in page and "p***@example.com" in page and "550" in page
    assert "p0@example.com" not in page
    [failed] = store.outbox_messages("failed")
    response = auth.post(f"/portal/admin/worker/outbox/{failed['id']}/retry")
    assert response.status_code == 302
    assert store.outbox_messages("failed") == [] and len(store.outbox_messages("pending")) == 1
    assert send(app, datetime.now() + timedelta(days=1))["sent"] == 1
    assert len(server.messages) == 1
    # Sending it again is refused once it is sent.
    again = auth.post(f"/portal/admin/worker/outbox/{failed['id']}/retry", follow=True)
    assert "没有找到这封邮件" in again.get_data(as_text=True)
    actions = [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    assert actions.count("重新发送邮件") == 1


def test_the_admin_page_shows_jobs_and_the_outbox(app, world, client, auth):
    auth.login(world.district["phone"])
    page = client.get("/portal/admin/worker/").get_data(as_text=True)
    for text in (
        "班次提醒",
        "吹哨超时升级",
        "社区管理员每周摘要",
        "夜间备份",
        "发件箱",
        "还没有 worker 运行过",
    ):
        assert text in page, text
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get("/portal/admin/worker/").status_code == 403


def test_mail_for_a_deleted_account_is_dropped(app, world, server):
    [user] = _people(1)
    _notify(app, [user], "注销前", T0)
    store.set_disabled(user["uid"], True)
    server.start()
    assert send(app, T0)["sent"] == 0
    assert store.outbox_summary(T0)["pending"] == 0 and server.messages == []
