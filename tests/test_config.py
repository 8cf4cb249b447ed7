"""Secrets and session cookies: generated key in the data folder, cookie flags."""

import stat

from portal import create_app
from tests.conftest import PASSWORD, csrf_token


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path):
    data = tmp_path / "data"
    first = create_app({"DATA_DIR": str(data), "SITE_DIR": str(tmp_path)})
    key_file = data / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    second = create_app({"DATA_DIR": str(data), "SITE_DIR": str(tmp_path)})
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app({"DATA_DIR": str(tmp_path / "other"), "SITE_DIR": str(tmp_path)})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def _login_cookie(app, phone):
    client = app.test_client()
    response = client.post(
        "/portal/login",
        data={"phone": phone, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    return response.headers["Set-Cookie"]


def test_session_cookie_flags(app, world):
    cookie = _login_cookie(app, world.member["phone"])
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in _login_cookie(app, world.member["phone"])


def test_workers_starting_together_share_one_whole_secret_key(tmp_path):
    """Several processes create the key at the same moment: all read the same, whole key."""
    import multiprocessing

    from portal.config import load_secret_key

    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()
    barrier = ctx.Barrier(6)

    def start():
        barrier.wait()
        queue.put(load_secret_key(tmp_path / "data"))

    procs = [ctx.Process(target=start) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    keys = {queue.get() for _ in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_the_production_entry_collects_garbage_less_often(tmp_path):
    """portal.wsgi (what gunicorn serves) raises the collector's thresholds; importing the
    app factory alone (tests, scripts) leaves Python's defaults."""
    import os
    import subprocess
    import sys

    def threshold_after_importing(module: str) -> str:
        probe = f"import gc, {module}; print(gc.get_threshold())"
        env = dict(os.environ, PORTAL_DATA_DIR=str(tmp_path / "data"))
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert threshold_after_importing("portal.wsgi") == "(50000, 20, 100)"
    assert threshold_after_importing("portal") == "(700, 10, 10)"
