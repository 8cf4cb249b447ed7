"""Behind a reverse proxy (issue 15, item 6): PROXY_HOPS trusted X-Forwarded-For hops.

With 0 (the default) the header is ignored, so nobody can forge an address to get past a
per-address limit; with N the N-th address from the right is the client's.
"""

from __future__ import annotations

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app
from portal.config import proxy_hops
from tests.conftest import AuthActions

WRONG = "手机号或密码不正确"


def _app(data_dir, tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test-secret-" + "k" * 40,
            "SITE_DIR": str(tmp_path / "no-site"),
            "LOGIN_LIMIT_PER_ADDRESS": 3,
            **config,
        }
    )


def _from(app, forwarded_for: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client, AuthActions(client)


def _fail_three_times(actions):
    for n in range(3):
        assert WRONG in actions.login(f"1350000000{n}", "wrongpass1").get_data(as_text=True)


def test_with_one_hop_each_client_address_has_its_own_limit(data_dir, tmp_path):
    app = _app(data_dir, tmp_path, PROXY_HOPS=1)
    assert isinstance(app.wsgi_app, ProxyFix)
    _c, first = _from(app, "203.0.113.1")
    _fail_three_times(first)
    assert first.login("13500000009", "wrongpass1").status_code == 429
    # Another client behind the same proxy is not locked out by the first one.
    _c, second = _from(app, "203.0.113.2")
    response = second.login("13500000009", "wrongpass1")
    assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    # Only the last hop is trusted: a client's own forged entry in front changes nothing.
    _c, forger = _from(app, "198.51.100.1, 203.0.113.1")
    assert forger.login("13500000008", "wrongpass1").status_code == 429


def test_without_hops_a_forged_forwarded_for_is_ignored(data_dir, tmp_path):
    app = _app(data_dir, tmp_path)
    assert app.config["PROXY_HOPS"] == 0 and not isinstance(app.wsgi_app, ProxyFix)
    for n in range(3):
        _c, actions = _from(app, f"203.0.113.{n + 1}")
        assert WRONG in actions.login(f"1350000000{n}", "wrongpass1").get_data(as_text=True)
    _c, actions = _from(app, "203.0.113.99")
    assert actions.login("13500000009", "wrongpass1").status_code == 429


def test_proxy_hops_comes_from_the_environment(monkeypatch, data_dir, tmp_path):
    assert proxy_hops({}) == 0
    assert proxy_hops({"PORTAL_PROXY_HOPS": " 2 "}) == 2
    for bad in ("-1", "abc", "1.5"):
        with pytest.raises(RuntimeError, match="PORTAL_PROXY_HOPS"):
            proxy_hops({"PORTAL_PROXY_HOPS": bad})
    monkeypatch.setenv("PORTAL_PROXY_HOPS", "1")
    app = create_app({"DATA_DIR": str(data_dir), "SITE_DIR": str(tmp_path)})
    assert app.config["PROXY_HOPS"] == 1 and isinstance(app.wsgi_app, ProxyFix)
    assert app.wsgi_app.x_for == 1 and app.wsgi_app.x_proto == 1
