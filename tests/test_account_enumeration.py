"""Registered phone numbers cannot be told apart from unknown ones (issue 15, item 8).

Login and reset do the same work (one password-hash check) and give the same answer
whether or not the phone is registered; registration says nothing more than a neutral
refusal, and is throttled per address. Times are compared as ratios of medians over
real HTTP (gunicorn, production-cost scrypt), never as absolute figures.
"""

from __future__ import annotations

import re
import statistics
import time

import pytest

from portal import store
from tests.conftest import csrf_token, make_user
from tests.test_throttles import Client, serve

NEUTRAL = "无法使用这个手机号注册"
TRIES = 8  # two to warm up the two workers, six measured


def _normalised(body: str, phone: str) -> str:
    """The page without what differs by design: the CSRF token and the phone as typed."""
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", body)
    return body.replace(phone, "PHONE")


def _timed(client: Client, path: str, data: dict):
    token = client.token(path)
    started = time.perf_counter()
    status, _location, body = client.request("POST", path, dict(data, csrf_token=token))
    return time.perf_counter() - started, status, body


def _compare(port, path, registered, unknown, fields):
    """Alternate registered and unknown phones; (ratio of medians, answers by kind)."""
    times: dict[str, list[float]] = {"registered": [], "unknown": []}
    answers: dict[str, set] = {"registered": set(), "unknown": set()}
    for known_phone, unknown_phone in zip(registered, unknown, strict=True):
        for kind, phone in (("registered", known_phone), ("unknown", unknown_phone)):
            seconds, status, body = _timed(Client(port), path, dict(fields, phone=phone))
            times[kind].append(seconds)
            answers[kind].add((status, _normalised(body, phone)))
    ratio = statistics.median(times["unknown"]) / statistics.median(times["registered"])
    return ratio, answers, times


@pytest.mark.processes  # a real server: gunicorn
def test_login_answers_and_times_do_not_tell_registered_phones(world, data_dir, monkeypatch):
    monkeypatch.setattr(store.accounts.users, "PASSWORD_METHOD", "scrypt")  # production cost
    registered = [make_user(f"1371000{n:04d}", "volunteer")["phone"] for n in range(TRIES)]
    unknown = [f"1372000{n:04d}" for n in range(TRIES)]
    with serve(data_dir, workers=2) as port:
        fields = {"password": "wrongpass1"}
        _compare(port, "/portal/login", registered[:2], unknown[:2], fields)  # warm up
        ratio, answers, times = _compare(port, "/portal/login", registered[2:], unknown[2:], fields)
    assert answers["registered"] == answers["unknown"] and len(answers["unknown"]) == 1
    ((status, body),) = answers["unknown"]
    assert status == 200 and "手机号或密码不正确" in body
    assert 0.5 <= ratio <= 2, f"unknown/registered = {ratio:.2f} ({times})"


@pytest.mark.processes  # a real server: gunicorn
def test_reset_answers_and_times_do_not_tell_registered_phones(world, data_dir, monkeypatch):
    monkeypatch.setattr(store.accounts.users, "PASSWORD_METHOD", "scrypt")
    registered = []
    for n in range(TRIES):
        user = make_user(f"1373000{n:04d}", "volunteer", home_cid="ca")
        store.issue_reset_code(user["uid"], world.admin_a["uid"], "ca")  # a live code
        registered.append(user["phone"])
    unknown = [f"1374000{n:04d}" for n in range(TRIES)]
    fields = {"code": "ZZZZ-ZZZZ", "password": "fresh9876", "confirm": "fresh9876"}
    with serve(data_dir, workers=2) as port:
        _compare(port, "/portal/reset", registered[:2], unknown[:2], fields)  # warm up
        ratio, answers, times = _compare(port, "/portal/reset", registered[2:], unknown[2:], fields)
        # A registered phone without a live code answers the same, too.
        _s, status, body = _timed(
            Client(port), "/portal/reset", dict(fields, phone=world.volunteer["phone"])
        )
        assert {(status, _normalised(body, world.volunteer["phone"]))} == answers["unknown"]
    assert answers["registered"] == answers["unknown"] and len(answers["unknown"]) == 1
    ((status, body),) = answers["unknown"]
    assert "重置码不正确" in body
    assert 0.5 <= ratio <= 2, f"unknown/registered = {ratio:.2f} ({times})"


def _register(client, phone, **overrides):
    data = {
        "phone": phone,
        "password": "goodpass123",
        "confirm": "goodpass123",
        "name": "赵六",
        "kind": "volunteer",
        "home_cid": "ca",
        "consent": "y",
        "csrf_token": csrf_token(client, "/portal/register"),
    }
    data.update(overrides)
    return client.post("/portal/register", data=data)


def test_registration_is_neutral_and_throttled_per_address(app, world):
    app.config["REGISTER_LIMIT_PER_ADDRESS"] = 3
    client = app.test_client()
    html = _register(client, world.member["phone"]).get_data(as_text=True)
    assert NEUTRAL in html and "已经注册" not in html and "请直接登录或找回密码" in html
    # A successful registration does not count against the address.
    assert _register(client, "13912345601").status_code == 302
    client.post("/portal/logout", data={"csrf_token": csrf_token(client, "/portal/me")})
    for phone in (world.volunteer["phone"], world.admin_a["phone"]):
        assert NEUTRAL in _register(client, phone).get_data(as_text=True)
    # The limit is reached: any attempt from this address now waits, new phone or not.
    for phone in (world.street["phone"], "13912345602"):
        response = _register(client, phone)
        assert response.status_code == 429
        assert "注册尝试次数过多" in response.get_data(as_text=True)
    assert store.find_user_by_phone("13912345602") is None
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert _register(other, "13912345602").status_code == 302
