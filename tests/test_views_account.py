"""Register, log in and out, change password, edit profile — through the real forms, CSRF on."""

from portal import store
from tests.conftest import PASSWORD, csrf_token


def _register(auth, **overrides):
    data = {
        "phone": "13912345678",
        "password": "goodpass123",
        "confirm": "goodpass123",
        "name": "赵六",
        "kind": "member",
        "work_unit": "某局",
        "party_org": "某局第一支部",
        "home_cid": "ca",
        "skills": ["lawyer", "doctor"],
        "availability": ["weekend"],
        "consent": "y",
    }
    data.update(overrides)
    return auth.post("/portal/register", data)


def test_register_member_and_land_on_home(client, auth, world):
    response = _register(auth)
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/me")
    user = store.find_user_by_phone("13912345678")
    assert user["role"] == "member" and user["skills"] == ["lawyer", "doctor"]
    assert user["consent_at"] and user["consent_version"]
    assert user["pw_hash"].startswith("scrypt:") and "goodpass123" not in str(user)
    assert "赵六" in client.get("/portal/me").get_data(as_text=True)


def test_register_errors_are_chinese_and_keep_input(client, auth, world):
    response = _register(auth, phone="1234", password="short", confirm="short", consent="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入 11 位中国大陆手机号" in html
    assert "密码至少 8 位" in html
    assert "同意个人信息处理说明" in html
    assert 'value="赵六"' in html and 'value="1234"' in html  # what was typed is kept
    assert store.find_user_by_phone("13912345678") is None


def test_member_needs_unit_and_party_org(auth, world):
    html = _register(auth, work_unit="", party_org="").get_data(as_text=True)
    assert "在职党员请填写工作单位" in html and "在职党员请填写所在党组织" in html
    assert store.find_user_by_phone("13912345678") is None


def test_volunteer_needs_no_unit(auth, world):
    assert _register(auth, kind="volunteer", work_unit="", party_org="").status_code == 302
    assert store.find_user_by_phone("13912345678")["role"] == "volunteer"


def test_duplicate_phone_and_bad_choices(auth, world):
    html = _register(auth, phone=world.member["phone"]).get_data(as_text=True)
    assert "无法使用这个手机号注册" in html  # neutral since issue 15 (item 8)
    html = _register(auth, home_cid="nope", skills=["hacker"], kind="admin").get_data(as_text=True)
    assert (
        "请从列表中选择居住社区" in html and "专长中有无效的选项" in html and "请选择身份" in html
    )
    assert store.find_user_by_phone("13912345678") is None


def test_register_without_csrf_is_refused(client, world):
    response = client.post("/portal/register", data={"phone": "13912345678"})
    assert response.status_code == 400
    assert "安全校验" in response.get_data(as_text=True)
    assert store.find_user_by_phone("13912345678") is None


def test_login_logout_and_wrong_password(client, auth, world):
    bad = auth.login(world.member["phone"], "wrongpass1")
    assert "手机号或密码不正确" in bad.get_data(as_text=True)
    ok = auth.login(world.member["phone"])
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/portal/me")
    assert client.get("/portal/me").status_code == 200
    auth.logout()
    assert client.get("/portal/me").status_code == 302


def test_login_follows_only_local_next(client, world):
    for target, expected in (
        ("/portal/recommend", "/portal/recommend"),
        ("https://evil.example/x", "/portal/me"),
        ("//evil.example/x", "/portal/me"),
    ):
        client.get("/portal/login")
        response = client.post(
            f"/portal/login?next={target}",
            data={
                "phone": world.member["phone"],
                "password": PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
        assert response.headers["Location"] == expected
        client.post("/portal/logout", data={"csrf_token": csrf_token(client)})


def test_admin_login_goes_to_admin(auth, world):
    response = auth.login(world.admin_a["phone"])
    assert response.headers["Location"].endswith("/portal/admin/")


def test_change_password_ends_other_sessions(app, client, auth, world):
    other = app.test_client()
    other.post(
        "/portal/login",
        data={
            "phone": world.member["phone"],
            "password": PASSWORD,
            "csrf_token": csrf_token(other),
        },
    )
    assert other.get("/portal/me").status_code == 200
    auth.login(world.member["phone"])
    html = auth.post(
        "/portal/password",
        {"old_password": "nope-123", "password": "newpass123", "confirm": "newpass123"},
    ).get_data(as_text=True)
    assert "当前密码不正确" in html
    response = auth.post(
        "/portal/password",
        {"old_password": PASSWORD, "password": "newpass123", "confirm": "newpass123"},
    )
    assert response.status_code == 302
    assert client.get("/portal/me").status_code == 200  # this session continues
    assert other.get("/portal/me").status_code == 302  # the other one is logged out


def test_edit_profile(client, auth, world):
    auth.login(world.member["phone"])
    response = auth.post(
        "/portal/profile",
        {
            "name": "新名字",
            "work_unit": "新单位",
            "party_org": "新支部",
            "home_cid": "cb",
            "skills": ["teacher"],
            "availability": ["weekend"],
        },
    )
    assert response.status_code == 302
    user = store.get_user(world.member["uid"])
    assert (user["name"], user["home_cid"], user["skills"]) == ("新名字", "cb", ["teacher"])
    html = auth.post("/portal/profile", {"name": "", "home_cid": "cb"}).get_data(as_text=True)
    assert "请填写姓名" in html and store.get_user(world.member["uid"])["name"] == "新名字"


def test_admin_edits_name_without_member_fields(client, auth, world):
    auth.login(world.admin_a["phone"])
    page = client.get("/portal/profile").get_data(as_text=True)
    assert "居住社区" not in page
    assert auth.post("/portal/profile", {"name": "社区管理员甲"}).status_code == 302
    assert store.get_user(world.admin_a["uid"])["name"] == "社区管理员甲"


def test_login_is_throttled_per_account_across_sessions(app, client, auth, world):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = 3
    for _ in range(3):
        assert auth.login(world.member["phone"], "wrongpass1").status_code == 200
    blocked = auth.login(world.member["phone"])  # even the right password now waits
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.get_data(as_text=True)
    assert client.get("/portal/me").status_code == 302
    # another account from the same address is not affected below the address limit
    assert auth.login(world.volunteer["phone"]).status_code == 302


def test_login_is_throttled_per_address(app, client, auth, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 4
    for n in range(4):
        auth.login(f"1350000000{n}", "wrongpass1")
    response = auth.login(world.member["phone"])
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)
