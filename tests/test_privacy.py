"""Personal-information rights: export, deletion that keeps anonymous hours, consent versions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from portal import store
from tests.conftest import PASSWORD, make_user


def _served_shift(world):
    """A past shift the member served, with confirmed hours; returns (post, shift)."""
    day = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d")
    post, shift = world.post(day=day, start="09:00", end="11:00")
    start = datetime.strptime(f"{day} 09:00", "%Y-%m-%d %H:%M")
    row = store.sign_up("ca", shift["id"], world.member["uid"], at=start - timedelta(days=1))
    store.mark_attendance(
        "ca", shift["id"], row["id"], "present", world.admin_a["uid"], at=start + timedelta(hours=3)
    )
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"], at=start + timedelta(hours=4))
    return post, shift


def test_export_json_and_readable_page(client, auth, world):
    store.update_profile(world.member["uid"], email="member@example.com")
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    post, _shift = _served_shift(world)
    store.notify(world.member["uid"], "message", "社区的一条消息")
    auth.login(world.member["phone"])
    resp = client.get("/portal/me/data.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.get_data(as_text=True))
    account = data["account"]
    assert account["phone"] == world.member["phone"] and account["email"] == "member@example.com"
    assert "pw_hash" not in account and "pw_hash" not in resp.get_data(as_text=True)
    assert account["skills"] == ["lawyer", "mediator"] and account["home_community"] == "测试甲社区"
    assert [r["status"] for r in data["report_ins"]] == ["已报到"]
    assert data["report_ins"][0]["community"] == "测试甲社区"
    served = data["signups"][0]
    assert served["post_title"] == post["title"] and served["attendance"] == "present"
    assert served["hours"] == 2.0 and served["hours_confirmed_at"]
    assert [n["text"] for n in data["notifications"]] == ["社区的一条消息"]
    assert "needs" in data and "certificates" in data
    page = client.get("/portal/me/data").get_data(as_text=True)
    for text in (
        world.member["name"],
        "测试甲社区",
        post["title"],
        "社区的一条消息",
        "member@example.com",
        "下载全部数据",
    ):
        assert text in page


def test_export_includes_needs_raised_with_own_phone(client, auth, world):
    store.create_need(
        "ca",
        category="elderly",
        description="楼道灯坏了",
        raised_by="resident",
        phone=world.member["phone"],
        name="王",
    )
    auth.login(world.member["phone"])
    data = client.get("/portal/me/data.json").get_json()
    assert [n["description"] for n in data["needs"]] == ["楼道灯坏了"]
    assert "token_hash" not in data["needs"][0]


def test_delete_account_keeps_anonymous_hours(client, auth, world):
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    _served_shift(world)
    _post, future = world.post(capacity=1, start="14:00", end="16:00")
    store.sign_up("ca", future["id"], world.member["uid"])
    store.sign_up("ca", future["id"], world.volunteer["uid"])  # waits behind the member
    uid, phone = world.member["uid"], world.member["phone"]
    auth.login(phone)
    page = auth.post("/portal/me/delete", {"password": "wrong-pass1", "understood": "y"})
    assert "当前密码不正确" in page.get_data(as_text=True)
    resp = auth.post("/portal/me/delete", {"password": PASSWORD, "understood": "y"})
    assert resp.status_code == 302
    user = store.get_user(uid)
    assert user["name"] == "已注销成员" and user["deleted_at"]
    assert user["phone"] != phone and not user["work_unit"] and not user["party_org"]
    assert user["skills"] == [] and user["consent_version"] is None
    assert store.find_user_by_phone(phone) is None
    assert store.authenticate(phone, PASSWORD) is None
    assert store.inbox(uid) == []
    # Served hours stay, without identity; the future place went to the waiting volunteer.
    rows = store.hours_rows(uid)
    assert len(rows) == 1 and rows[0]["hours"] == 2.0 and rows[0]["confirmed"]
    assert store.summarize_hours(rows)["total"] == 2.0
    roster = store.roster("ca", future["id"])
    assert [r["uid"] for r in roster["confirmed"]] == [world.volunteer["uid"]]
    assert any(n["kind"] == "promoted" for n in store.inbox(world.volunteer["uid"]))
    # The session ended; the person can never log in again (same phone, old password).
    assert client.get("/portal/me").status_code == 302
    assert "手机号或密码不正确" in auth.login(phone).get_data(as_text=True)
    # The community admin sees 已注销成员 and no personal data.
    auth.login(world.admin_a["phone"])
    page = client.get("/portal/admin/c/ca/members").get_data(as_text=True)
    assert "已注销成员" in page and phone not in page and "测试单位" not in page
    # The same phone may register anew: a fresh account, not the old one.
    fresh = store.create_user(phone=phone, password=PASSWORD, name="新人", role="volunteer")
    assert fresh["uid"] != uid


def test_admins_cannot_delete_themselves_online(client, auth, world):
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/me/delete").status_code == 403


def test_register_stores_consent_version_and_text_digest(client, auth, world):
    resp = auth.post(
        "/portal/register",
        {
            "phone": "13700001234",
            "password": "abcd12345",
            "confirm": "abcd12345",
            "kind": "volunteer",
            "name": "新志愿者",
            "home_cid": "ca",
            "consent": "y",
        },
    )
    assert resp.status_code == 302
    user = store.find_user_by_phone("13700001234")
    assert user["consent_version"] == client.application.config["CONSENT_VERSION"]
    assert len(user["consent_sha256"]) == 64 and user["consent_at"]
    assert user["consent_history"][0]["version"] == user["consent_version"]


def test_new_consent_version_asks_again(client, auth, world):
    client.application.config["CONSENT_VERSION"] = "2099-01"
    auth.login(world.member["phone"])
    resp = client.get("/portal/me")
    assert resp.status_code == 302 and "/portal/consent" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "个人信息处理说明已更新" in page and "2099-01" in page
    # Data export, deletion and logout stay reachable; the KB is not gated.
    assert client.get("/portal/me/data").status_code == 200
    assert auth.post("/portal/consent", {}).status_code == 200  # box not ticked: asked again
    resp = auth.post("/portal/consent?next=/portal/me", {"consent": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/me")
    user = store.get_user(world.member["uid"])
    assert user["consent_version"] == "2099-01" and len(user["consent_history"]) == 1
    assert client.get("/portal/me").status_code == 200
    # Admins are not gated by the members' consent text.
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/admin/c/ca/").status_code == 200


def test_deleting_an_account_ends_its_appointed_roles_and_unit_links(world):
    grid = store.add_grid("ca", 1, "第一网格")
    helper = make_user("13855556666", "member", home_cid="ca")
    store.appoint("community", "ca", helper["uid"], "grid_worker", [grid["id"]], "admin")
    unit = store.register_unit(
        name="某驻区单位", level="street", street_id="dongsi", phone="13855556666", by="a"
    )
    store.appoint_unit_contact(unit["id"], helper["uid"], "a")
    store.choose_unit(helper["uid"], unit["id"])
    data = store.personal_data(helper["uid"])
    assert [a["role"] for a in data["appointments"]] == ["grid_worker"]
    assert data["unit"] == unit["id"] and data["unit_contact_of"] == ["某驻区单位"]
    store.delete_account(helper["uid"])
    assert store.appointments_of(helper["uid"]) == []
    assert store.units_of_contact(helper["uid"]) == [] and store.chosen_unit(helper["uid"]) is None
