"""A full disk (ENOSPC; EDQUOT and EROFS alike): every write answers a Chinese 503 that
says nothing was saved, through the portal's error page; the stored data is unchanged;
the cause is logged at ERROR and shown to district admins on /portal/health.
"""

from __future__ import annotations

import errno
import io
import json
import logging
from pathlib import Path

import pytest
from PIL import Image

from portal import create_app, errors, store
from portal.store import _files
from tests.conftest import AuthActions, csrf_token
from tests.test_views_account import _register


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def full_disk(monkeypatch):
    """Call it to make every write of the store fail as on a full disk (fsync and the
    final rename of the atomic writer), from then until the end of the test."""

    def fill():
        monkeypatch.setattr(_files.os, "fsync", _no_space)
        monkeypatch.setattr(_files.os, "replace", _no_space)

    return fill


def _stored(data_dir: Path) -> dict:
    """Every data file and photo, byte for byte (not the lock files or change stamps)."""
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and p.suffix in (".json", ".jpg")
    }


def _jpeg() -> tuple:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(buf, "JPEG")
    return (io.BytesIO(buf.getvalue()), "a.jpg", "image/jpeg")


def _cannot_save(resp) -> None:
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503, html[:300]
    assert "无法保存" in html and "没有保存" in html
    assert "返回平台首页" in html  # the portal's error page, not a bare message
    assert "Traceback" not in html and "No space" not in html


def test_sign_up_on_a_full_disk(world, client, auth, data_dir, full_disk, caplog):
    _post, shift = world.post()
    auth.login(world.member["phone"])
    token = csrf_token(client)
    before = _stored(data_dir)
    full_disk()
    with caplog.at_level(logging.ERROR, logger="portal"):
        resp = client.post(f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token})
    _cannot_save(resp)
    assert _stored(data_dir) == before
    assert store.user_signups(world.member["uid"]) == []
    [record] = [r for r in caplog.records if "ENOSPC" in r.getMessage()]
    assert record.levelno == logging.ERROR and "No space left on device" in record.getMessage()


def test_need_with_photo_on_a_full_disk(world, client, data_dir, full_disk):
    token = csrf_token(client, "/portal/needs/new/ca")
    before = _stored(data_dir)
    full_disk()
    resp = client.post(
        "/portal/needs/new/ca",
        data={
            "category": "elderly",
            "description": "楼道灯坏了",
            "urgency": "urgent",
            "raised_by": "resident",
            "phone": "13900000001",
            "csrf_token": token,
            "photo": _jpeg(),
        },
        content_type="multipart/form-data",
    )
    _cannot_save(resp)
    assert _stored(data_dir) == before and store.list_needs("ca") == []
    assert not [p for p in (data_dir / "uploads").rglob("*") if p.is_file()]  # no temp file left


def test_register_on_a_full_disk(world, client, auth, data_dir, full_disk):
    csrf_token(client)
    before = _stored(data_dir)
    full_disk()
    _cannot_save(_register(auth))
    assert _stored(data_dir) == before
    assert store.find_user_by_phone("13912345678") is None


def test_whistle_with_photo_on_a_full_disk(world, client, auth, data_dir, full_disk):
    auth.login(world.street["phone"])
    token = csrf_token(client, "/portal/whistles/new")
    before = _stored(data_dir)
    full_disk()
    resp = client.post(
        "/portal/whistles/new",
        data={
            "item": "W05-1",
            "description": "胡同违停堵住消防车",
            "place": "东四三条 5 号",
            "departments": ["gongan"],
            "csrf_token": token,
            "photo": _jpeg(),
        },
        content_type="multipart/form-data",
    )
    _cannot_save(resp)
    assert _stored(data_dir) == before and store.list_whistles(["dongsi"]) == []


def test_report_in_and_admin_confirm_on_a_full_disk(world, client, auth, data_dir, full_disk):
    report = store.submit_report_in(world.member["uid"], "ca")
    auth.login(world.admin_a["phone"])
    token = csrf_token(client)
    before = _stored(data_dir)
    full_disk()
    resp = client.post(
        f"/portal/admin/c/ca/report-ins/{report['id']}/confirm", data={"csrf_token": token}
    )
    _cannot_save(resp)
    assert _stored(data_dir) == before
    assert store.list_report_ins("ca", "待确认")[0]["id"] == report["id"]


def test_health_shows_the_cause_to_district_admins_only(app, world, client, auth, full_disk):
    anonymous = client.get("/portal/health")
    assert anonymous.status_code == 200 and json.loads(anonymous.data)["store_writable"] is True
    assert "details" not in json.loads(anonymous.data)
    district = app.test_client()
    AuthActions(district).login(world.district["phone"])
    _post, shift = world.post()
    auth.login(world.member["phone"])
    token = csrf_token(client)
    full_disk()
    _cannot_save(
        client.post(f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token})
    )
    down = client.get("/portal/health")  # a member: the state, no details
    body = json.loads(down.data)
    assert down.status_code == 503 and body["store_writable"] is False and "details" not in body
    assert "不可写" in body["message"]
    details = json.loads(district.get("/portal/health").data)["details"]
    assert details["store_error"].startswith("ENOSPC")
    last = details["last_storage_error"]
    assert last["cause"].startswith("ENOSPC") and last["endpoint"] == "member.sign_up"
    assert last["at"] and details["storage_errors"] >= 1
    assert world.member["phone"] not in json.dumps(details)  # no personal data


@pytest.fixture
def failing_app(data_dir, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SITE_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-" + "k" * 40,
        }
    )

    @app.route("/portal/raise/<int:code>")
    def fail(code):
        try:
            raise OSError(code, "simulated")
        except OSError as exc:
            raise RuntimeError("wrapped") from exc

    return app


@pytest.mark.parametrize(
    "code,status",
    [(errno.ENOSPC, 503), (errno.EDQUOT, 503), (errno.EROFS, 503), (errno.EACCES, 500)],
)
def test_only_storage_errors_are_503_even_when_wrapped(failing_app, code, status):
    resp = failing_app.test_client().get(f"/portal/raise/{code}")
    assert resp.status_code == status
    assert ("无法保存" in resp.get_data(as_text=True)) == (status == 503)
    assert (errors.storage_error(OSError(code, "x")) is not None) == (status == 503)
