"""Admin accounts by scope, disabled logins, reset codes issued by the community."""

from __future__ import annotations

from portal import store
from tests.conftest import PASSWORD, make_user

NEW_PW = "admin5678x"


def _audit_actions():
    return [e["action"] for m in store.audit_months() for e in store.list_audit(m)]


def test_district_admin_creates_and_disables_street_admins(client, auth, world):
    auth.login(world.district["phone"])
    page = client.get("/portal/admin/accounts/").get_data(as_text=True)
    assert "街道管理员账号" in page and world.street["name"] in page
    resp = auth.post(
        "/portal/admin/accounts/",
        {"phone": "13900001111", "name": "新街道管理员", "scope": "jingshan", "password": NEW_PW},
    )
    assert resp.status_code == 302
    user = store.find_user_by_phone("13900001111")
    assert (user["role"], user["scope"]) == ("street_admin", "jingshan")
    assert "新建街道管理员" in _audit_actions()
    # An existing phone and a weak password are refused, in Chinese.
    page = auth.post(
        "/portal/admin/accounts/",
        {"phone": "13900001111", "name": "重复", "scope": "dongsi", "password": NEW_PW},
    )
    assert "已经注册" in page.get_data(as_text=True)
    page = auth.post(
        "/portal/admin/accounts/",
        {"phone": "13900001112", "name": "弱密码", "scope": "dongsi", "password": "abc"},
    )
    assert "密码至少 8 位" in page.get_data(as_text=True)
    # Disable: the account cannot log in and is told why.
    assert auth.post(f"/portal/admin/accounts/{user['uid']}/disable").status_code == 302
    assert store.get_user(user["uid"])["disabled"] is True
    assert "停用管理员" in _audit_actions()
    # A district admin does not manage community admins directly.
    assert auth.post(f"/portal/admin/accounts/{world.admin_a['uid']}/disable").status_code == 404
    auth.logout()
    page = auth.login("13900001111", NEW_PW).get_data(as_text=True)
    assert "该账号已停用" in page


def test_street_admin_manages_only_its_communities(client, auth, world):
    auth.login(world.street["phone"])  # 东四: communities ca and cb
    page = client.get("/portal/admin/accounts/").get_data(as_text=True)
    assert "社区管理员账号" in page and world.admin_a["name"] in page
    resp = auth.post(
        "/portal/admin/accounts/",
        {"phone": "13900002222", "name": "甲社区新管理员", "scope": "ca", "password": NEW_PW},
    )
    assert resp.status_code == 302
    assert store.find_user_by_phone("13900002222")["scope"] == "ca"
    # cc is in 景山: not a choice for the 东四 street admin.
    page = auth.post(
        "/portal/admin/accounts/",
        {"phone": "13900002223", "name": "越权", "scope": "cc", "password": NEW_PW},
    )
    assert "请从列表中选择管辖范围" in page.get_data(as_text=True)
    assert store.find_user_by_phone("13900002223") is None
    outsider = make_user("13900002224", "community_admin", scope="cc")
    assert auth.post(f"/portal/admin/accounts/{outsider['uid']}/disable").status_code == 404
    assert auth.post(f"/portal/admin/accounts/{world.district['uid']}/disable").status_code == 404
    assert not store.get_user(outsider["uid"])["disabled"]
    entries = [e for m in store.audit_months() for e in store.list_audit(m, street_id="dongsi")]
    assert any(e["action"] == "新建社区管理员" and e["community_id"] == "ca" for e in entries)


def test_disabling_ends_a_session_and_enable_restores(client, auth, world):
    other = client.application.test_client()
    from tests.conftest import AuthActions

    admin_session = AuthActions(other)
    admin_session.login(world.admin_a["phone"])
    assert other.get("/portal/admin/c/ca/").status_code == 200
    auth.login(world.street["phone"])
    auth.post(f"/portal/admin/accounts/{world.admin_a['uid']}/disable")
    assert other.get("/portal/admin/c/ca/").status_code == 302  # session ended
    auth.post(f"/portal/admin/accounts/{world.admin_a['uid']}/enable")
    assert store.get_user(world.admin_a["uid"])["disabled"] is False
    assert "启用管理员" in _audit_actions()


def test_members_and_community_admins_cannot_manage_admins(client, auth, world):
    auth.login(world.member["phone"])
    assert client.get("/portal/admin/accounts/").status_code == 403
    auth.logout()
    auth.login(world.admin_a["phone"])
    resp = client.get("/portal/admin/accounts/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/c/ca/reset-code")
    assert auth.post(f"/portal/admin/accounts/{world.admin_b['uid']}/disable").status_code == 403


def test_reset_code_issue_and_redeem(client, auth, world):
    auth.login(world.admin_a["phone"])
    page = auth.post(
        "/portal/admin/accounts/c/ca/reset-code", {"phone": world.member["phone"]}
    ).get_data(as_text=True)
    assert "重置码已生成" in page and "只显示这一次" in page
    code = page.split('class="reset-code" aria-label="重置码">')[1].split("<")[0]
    assert len(code) == 9
    assert "签发密码重置码" in _audit_actions()
    # Not a member of this community: refused.
    stranger = make_user("13900003333", home_cid="cc")
    page = auth.post("/portal/admin/accounts/c/ca/reset-code", {"phone": stranger["phone"]})
    assert "本社区没有这个手机号的成员" in page.get_data(as_text=True)
    # Another community's admin: 404.
    assert client.get("/portal/admin/accounts/c/cb/reset-code").status_code == 404
    auth.logout()
    assert "忘记密码" in client.get("/portal/login").get_data(as_text=True)
    resp = auth.post(
        "/portal/reset",
        {
            "phone": world.member["phone"],
            "code": code,
            "password": "fresh9876",
            "confirm": "fresh9876",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/login")
    assert store.authenticate(world.member["phone"], "fresh9876")
    # Single use.
    page = auth.post(
        "/portal/reset",
        {
            "phone": world.member["phone"],
            "code": code,
            "password": "again9876",
            "confirm": "again9876",
        },
    )
    assert "已使用" in page.get_data(as_text=True)
    kinds = [n["kind"] for n in store.inbox(world.member["uid"])]
    assert "account" in kinds


def test_wrong_codes_are_throttled(client, auth, world):
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    for _ in range(5):
        page = auth.post(
            "/portal/reset",
            {
                "phone": world.member["phone"],
                "code": "ZZZZ-ZZZZ",
                "password": "fresh9876",
                "confirm": "fresh9876",
            },
        )
        assert "重置码不正确" in page.get_data(as_text=True)
    # Even the right code is refused now, with a Chinese explanation.
    page = auth.post(
        "/portal/reset",
        {
            "phone": world.member["phone"],
            "code": code,
            "password": "fresh9876",
            "confirm": "fresh9876",
        },
    )
    assert "尝试次数过多" in page.get_data(as_text=True)
    assert store.authenticate(world.member["phone"], PASSWORD)


def test_reset_page_checks_password_strength(client, auth, world):
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    page = auth.post(
        "/portal/reset",
        {"phone": world.member["phone"], "code": code, "password": "short", "confirm": "short"},
    )
    assert "密码至少 8 位" in page.get_data(as_text=True)
