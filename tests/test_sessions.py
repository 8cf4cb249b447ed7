"""Sessions end on the server (issue 15, item 4): logout, disabling, 退出所有设备, password
change and reset. A session is a random id kept (as a digest) in the user's record."""

from __future__ import annotations

import pytest

from portal import store
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.test_throttles import Client, serve


@pytest.mark.processes  # a real server: gunicorn
def test_copied_cookie_stops_working_after_logout(world, store_target):
    with serve(store_target, workers=2) as port:
        browser = Client(port)
        status, location, _ = browser.login(world.member["phone"])
        assert status == 302 and location.endswith("/portal/me")
        copied = Client(port)
        copied.cookie = browser.cookie  # e.g. taken from a shared computer before logout
        assert copied.get("/portal/me")[0] == 200
        status, _l, _b = browser.post("/portal/logout", {}, token_from="/portal/me")
        assert status == 302
        assert browser.get("/portal/me")[0] == 302
        status, location, _ = copied.get("/portal/me")
        assert status == 302 and "/portal/login" in location


def _logged_in(app, phone):
    client = app.test_client()
    actions = AuthActions(client)
    assert actions.login(phone).status_code == 302
    return client, actions


def test_logout_ends_only_this_session(app, world):
    first, first_actions = _logged_in(app, world.member["phone"])
    second, _ = _logged_in(app, world.member["phone"])
    copy = app.test_client()
    copy.set_cookie("portal_session", first.get_cookie("portal_session").value)
    first_actions.logout()
    assert first.get("/portal/me").status_code == 302
    assert copy.get("/portal/me").status_code == 302
    assert second.get("/portal/me").status_code == 200  # another device stays logged in


def test_log_out_everywhere_ends_every_session(app, world):
    phone = world.member["phone"]
    laptop, laptop_actions = _logged_in(app, phone)
    phone_client, _ = _logged_in(app, phone)
    page = laptop.get("/portal/profile").get_data(as_text=True)
    assert "退出所有设备" in page and 'name="everywhere"' in page
    assert "退出所有设备" in laptop.get("/portal/password").get_data(as_text=True)
    response = laptop_actions.post("/portal/logout", {"everywhere": "1"}, follow=True)
    assert "已退出所有设备上的登录" in response.get_data(as_text=True)
    assert laptop.get("/portal/me").status_code == 302
    assert phone_client.get("/portal/me").status_code == 302
    assert store.get_user(world.member["uid"])["sessions"] == []
    # logging in again works
    _logged_in(app, phone)


def test_disabling_ends_the_session_and_enabling_does_not_revive_it(app, world):
    admin, _ = _logged_in(app, world.admin_a["phone"])
    copy = app.test_client()
    copy.set_cookie("portal_session", admin.get_cookie("portal_session").value)
    assert admin.get("/portal/admin/c/ca/").status_code == 200
    _street, street = _logged_in(app, world.street["phone"])
    street.post(f"/portal/admin/accounts/{world.admin_a['uid']}/disable")
    assert admin.get("/portal/admin/c/ca/").status_code == 302
    street.post(f"/portal/admin/accounts/{world.admin_a['uid']}/enable")
    assert copy.get("/portal/admin/c/ca/").status_code == 302  # the old session stays ended
    again, _ = _logged_in(app, world.admin_a["phone"])
    assert again.get("/portal/admin/c/ca/").status_code == 200


def test_password_change_ends_other_sessions_and_says_so(app, world):
    phone = world.member["phone"]
    other, _ = _logged_in(app, phone)
    this, actions = _logged_in(app, phone)
    response = actions.post(
        "/portal/password",
        {"old_password": PASSWORD, "password": "newpass123", "confirm": "newpass123"},
        follow=True,
    )
    assert "其他设备上的登录已退出" in response.get_data(as_text=True)
    assert this.get("/portal/me").status_code == 200
    assert other.get("/portal/me").status_code == 302


def test_reset_ends_every_session_and_says_so(app, world):
    phone = world.member["phone"]
    other, _ = _logged_in(app, phone)
    code = store.issue_reset_code(world.member["uid"], world.admin_a["uid"], "ca")["code"]
    client = app.test_client()
    response = client.post(
        "/portal/reset",
        data={
            "phone": phone,
            "code": code,
            "password": "fresh9876",
            "confirm": "fresh9876",
            "csrf_token": csrf_token(client, "/portal/reset"),
        },
        follow_redirects=True,
    )
    assert "所有设备上的登录均已退出" in response.get_data(as_text=True)
    assert other.get("/portal/me").status_code == 302


def test_sessions_are_bounded_and_not_in_the_data_export(app, world):
    uid = world.member["uid"]
    for _ in range(store.MAX_SESSIONS + 3):
        store.start_session(uid)
    user = store.get_user(uid)
    assert len(user["sessions"]) == store.MAX_SESSIONS
    assert "sessions" not in store.personal_data(uid)["account"]
    token, _user = store.start_session(uid)
    assert token not in str(store.get_user(uid))  # only a digest is kept
    assert store.session_is_live(store.get_user(uid), token)
    store.end_session(uid, token)
    assert not store.session_is_live(store.get_user(uid), token)


def _cookie_header(response) -> str:
    return ";".join(v for k, v in response.headers.items() if k == "Set-Cookie")


def test_cookie_is_re_signed_only_when_changed_or_stale(app, world):
    """Each response used to re-sign the cookie; now only a change or an old cookie does,
    and an old one still slides its expiry forward."""
    client, _ = _logged_in(app, world.member["phone"])
    client.get("/portal/me")  # the page's form puts the CSRF secret into the session
    assert "portal_session=" not in _cookie_header(client.get("/portal/me"))
    app.config["SESSION_REFRESH_AFTER"] = 0  # every cookie is now old enough
    refreshed = _cookie_header(client.get("/portal/me"))
    assert "portal_session=" in refreshed and "Expires=" in refreshed
    app.config["SESSION_REFRESH_AFTER"] = 600
    assert "portal_session=" not in _cookie_header(client.get("/portal/me"))
    # a change is always written: logging out clears the session cookie
    token = csrf_token(client, "/portal/me")
    out = client.post("/portal/logout", data={"csrf_token": token})
    assert out.status_code == 302 and "portal_session=" in _cookie_header(out)
    assert client.get("/portal/me").status_code == 302


def test_signed_csrf_token_is_reused_and_still_checked(app, world, monkeypatch):
    from portal import security

    signed = []
    real = security.generate_csrf
    monkeypatch.setattr(security, "generate_csrf", lambda: signed.append(1) or real())
    client, _ = _logged_in(app, world.member["phone"])
    client.get("/portal/me")  # the first form puts the raw token into the session
    first = csrf_token(client, "/portal/me")  # signed by the hook, then cached
    before = len(signed)
    for _ in range(3):
        assert csrf_token(client, "/portal/me") == first
    assert len(signed) == before  # served from the cache, not signed again
    monkeypatch.setattr(security, "TOKEN_REUSE_SECONDS", 0)  # past the reuse window
    csrf_token(client, "/portal/profile")
    assert len(signed) == before + 1
    response = client.post("/portal/logout", data={"csrf_token": first + "x"})
    assert response.status_code == 400  # a tampered token is still refused
    another, _ = _logged_in(app, world.member["phone"])
    foreign = another.post("/portal/logout", data={"csrf_token": first})
    assert foreign.status_code == 400  # another session's token is refused
    assert client.post("/portal/logout", data={"csrf_token": first}).status_code == 302
