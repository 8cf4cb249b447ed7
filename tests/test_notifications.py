"""Every notification kind, emitted by the views right after the change succeeded."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal import store


def _kinds(uid):
    return [n["kind"] for n in store.inbox(uid)]


def test_report_in_confirmed_and_returned(client, auth, world):
    first = store.submit_report_in(world.member["uid"], "ca")
    auth.login(world.admin_a["phone"])
    auth.post(f"/portal/admin/c/ca/report-ins/{first['id']}/confirm")
    assert _kinds(world.member["uid"]) == ["report_confirmed"]
    second = store.submit_report_in(world.member["uid"], "cb")
    auth.logout()
    auth.login(world.admin_b["phone"])
    auth.post(f"/portal/admin/c/cb/report-ins/{second['id']}/return", {"reason": "地址不符"})
    latest = store.inbox(world.member["uid"])[0]
    assert latest["kind"] == "report_returned" and "地址不符" in latest["text"]


def test_promoted_from_waiting_list(client, auth, world):
    _post, shift = world.post(capacity=1)
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], world.volunteer["uid"])
    auth.login(world.member["phone"])
    auth.post(f"/portal/c/ca/shifts/{shift['id']}/cancel")
    item = store.inbox(world.volunteer["uid"])[0]
    assert item["kind"] == "promoted" and "已从候补转为正式报名" in item["text"]


def test_shift_changed_and_cancelled_by_the_community(client, auth, world):
    post, shift = world.post(capacity=1)
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], world.volunteer["uid"])
    auth.login(world.admin_a["phone"])
    assert client.get(f"/portal/admin/c/ca/shifts/{shift['id']}/change").status_code == 200
    resp = auth.post(
        f"/portal/admin/c/ca/shifts/{shift['id']}/change",
        {"start": "14:00", "end": "16:00", "capacity": "2", "note": "场地调整"},
    )
    assert resp.status_code == 302
    changed = store.inbox(world.member["uid"])[0]
    assert changed["kind"] == "shift_changed" and "14:00–16:00" in changed["text"]
    assert "场地调整" in changed["text"]
    assert set(_kinds(world.volunteer["uid"])) == {"shift_changed", "promoted"}
    # Out of scope: 404.
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/admin/c/ca/shifts/{shift['id']}/change").status_code == 404
    auth.logout()
    auth.login(world.admin_a["phone"])
    page = auth.post(f"/portal/admin/c/ca/shifts/{shift['id']}/cancel", {"reason": ""}, follow=True)
    assert "取消班次时请填写原因" in page.get_data(as_text=True)
    resp = auth.post(f"/portal/admin/c/ca/shifts/{shift['id']}/cancel", {"reason": "暴雨预警"})
    assert resp.status_code == 302
    for uid in (world.member["uid"], world.volunteer["uid"]):
        item = store.inbox(uid)[0]
        assert item["kind"] == "shift_cancelled" and "暴雨预警" in item["text"]
    actions = [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    assert "调整班次" in actions and "取消班次" in actions
    assert client.get(f"/portal/admin/c/ca/posts/{post['id']}").status_code == 200


def test_hours_confirmed(client, auth, world):
    day = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    _post, shift = world.post(day=day)
    start = datetime.strptime(f"{day} 09:00", "%Y-%m-%d %H:%M")
    row = store.sign_up("ca", shift["id"], world.member["uid"], at=start - timedelta(days=1))
    store.mark_attendance("ca", shift["id"], row["id"], "present", world.admin_a["uid"])
    auth.login(world.admin_a["phone"])
    auth.post(f"/portal/admin/c/ca/shifts/{shift['id']}/confirm-hours")
    item = store.inbox(world.member["uid"])[0]
    assert item["kind"] == "hours_confirmed" and "2 小时" in item["text"]


def test_reminder_when_opening_the_portal_and_unread_count(client, auth, world):
    soon = store.now() + timedelta(hours=5)
    if soon.date() != (soon - timedelta(hours=2)).date() or soon.hour >= 22:
        soon = store.now() + timedelta(hours=1)
    _post, shift = world.post(
        day=soon.strftime("%Y-%m-%d"),
        start=soon.strftime("%H:00"),
        end=(soon + timedelta(hours=1)).strftime("%H:59"),
    )
    store.sign_up("ca", shift["id"], world.member["uid"])
    auth.login(world.member["phone"])
    page = client.get("/portal/me").get_data(as_text=True)
    client.get("/portal/recommend")
    assert _kinds(world.member["uid"]) == ["reminder"]  # once, however often
    page = client.get("/portal/me").get_data(as_text=True)
    assert '消息 <span class="unread-count" aria-label="1 条未读">1</span>' in page
    inbox = client.get("/portal/inbox/").get_data(as_text=True)
    assert "服务提醒" in inbox and "未读" in inbox
    nid = store.inbox(world.member["uid"])[0]["id"]
    resp = auth.post(f"/portal/inbox/{nid}/open")
    assert resp.status_code == 302 and store.unread_count(world.member["uid"]) == 0


def test_message_everyone_on_a_shift(client, auth, world):
    _post, shift = world.post(capacity=1)
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], world.volunteer["uid"])
    auth.login(world.admin_a["phone"])
    roster = client.get(f"/portal/admin/c/ca/shifts/{shift['id']}/roster").get_data(as_text=True)
    assert "给本班次的人发消息" in roster and "调整或取消班次" in roster
    auth.post(f"/portal/admin/c/ca/shifts/{shift['id']}/message", {"text": "记得带工作证"})
    assert _kinds(world.member["uid"]) == ["message"] and _kinds(world.volunteer["uid"]) == []
    auth.post(
        f"/portal/admin/c/ca/shifts/{shift['id']}/message",
        {"text": "候补也请留意", "include_waiting": "y"},
    )
    assert _kinds(world.volunteer["uid"]) == ["message"]
    actions = [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    assert actions.count("发送班次消息") == 2
    auth.post("/portal/inbox/read")


def test_mark_all_read(client, auth, world):
    store.notify(world.member["uid"], "message", "一")
    store.notify(world.member["uid"], "message", "二")
    auth.login(world.member["phone"])
    auth.post("/portal/inbox/read")
    assert store.unread_count(world.member["uid"]) == 0
