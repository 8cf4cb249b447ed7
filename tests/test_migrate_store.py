"""``run.py migrate-store``: the demo store copied from files into PostgreSQL and back,
verified entry by entry; a target that is not empty is refused and left alone; the
portal then serves the copy."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from portal import create_app, demo, store
from tests.conftest import AuthActions

pytestmark = pytest.mark.processes
ROOT = Path(__file__).resolve().parent.parent


def _run(*args, backups=None):
    env = dict(os.environ, PORTAL_BACKUP_DIR=str(backups)) if backups else None
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def demo_folder(tmp_path):
    folder = tmp_path / "demo"
    store.open_store(folder)
    demo.seed()
    cid = store.list_communities()[0]["id"]
    photo = store.save_need_photo(cid, _jpeg())
    store.create_need(
        cid,
        category="legal",
        description="迁移带照片",
        raised_by="resident",
        photos=[photo],
    )
    store.current_backend().append_line("outbox/delivered", "m1\t2026-12-01 08:00:00")
    return folder


def test_files_to_postgresql_and_back_is_the_same_store(demo_folder, pg_url, tmp_path):
    before = store.store_digests(store.open_store(demo_folder))
    counts = {kind: len(rows) for kind, rows in before.items()}
    assert counts["documents"] > 20 and counts["blobs"] >= 1 and counts["lines"] == 1

    there = _run("migrate-store", "--data-dir", str(demo_folder), "--to", pg_url)
    assert there.returncode == 0, there.stderr
    assert (
        "迁移完成并已逐条校验" in there.stdout and f"文档 {counts['documents']} 个" in there.stdout
    )
    assert store.store_digests(store.open_store(pg_url)) == before

    back = tmp_path / "back"
    again = _run("migrate-store", "--database-url", pg_url, "--to", str(back))
    assert again.returncode == 0, again.stderr
    assert store.store_digests(store.open_store(back)) == before

    # The portal serves the copy in PostgreSQL: a demo admin logs in and sees the posts.
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "DATA_DIR": str(tmp_path / "unused"),
            "SITE_DIR": str(tmp_path / "no-site"),
        }
    )
    client = app.test_client()
    assert client.get("/portal/posts").status_code == 200
    reply = AuthActions(client).login("13900000003", "demo1234")
    assert reply.status_code == 302 and "/portal/admin" in reply.headers["Location"]
    store.close_backends()


def test_a_target_that_is_not_empty_is_refused_and_left_alone(demo_folder, pg_url, tmp_path):
    first = _run("migrate-store", "--data-dir", str(demo_folder), "--to", pg_url)
    assert first.returncode == 0, first.stderr
    target = store.open_store(pg_url)
    store.add_community("tiantan", "迁移后新增社区")
    after = store.store_digests(target)
    second = _run("migrate-store", "--data-dir", str(demo_folder), "--to", pg_url)
    assert second.returncode == 1 and "目标不是空的" in second.stderr
    assert store.store_digests(store.open_store(pg_url)) == after
    same = _run("migrate-store", "--data-dir", str(demo_folder), "--to", str(demo_folder))
    assert same.returncode == 1
    store.close_backends()


def test_a_backup_of_the_file_store_restores_into_postgresql(demo_folder, pg_url, tmp_path):
    """One archive format: a backup taken of the files restores into the database."""
    before = store.store_digests(store.open_store(demo_folder))
    made = _run("backup", "--data-dir", str(demo_folder), "--output", str(tmp_path / "b.tar.gz"))
    assert made.returncode == 0, made.stderr
    assert _run("init-db", "--database-url", pg_url).returncode == 0
    restored = _run(
        "restore", str(tmp_path / "b.tar.gz"), "--database-url", pg_url, backups=tmp_path / "b"
    )
    assert restored.returncode == 0, restored.stderr
    after = store.store_digests(store.open_store(pg_url))
    # secret_key (a file of the data folder) travels as a blob; everything else is equal
    assert after["documents"] == before["documents"] and after["lines"] == before["lines"]
    assert after["blobs"] == before["blobs"]
    store.close_backends()


def test_sessions_survive_a_migration_to_postgresql(demo_folder, pg_url, tmp_path):
    """The folder's secret key travels with the data: a session signed before the
    migration is still valid on the database."""
    folder_app = create_app(
        {"TESTING": True, "DATA_DIR": str(demo_folder), "SITE_DIR": str(tmp_path / "s")}
    )
    client = folder_app.test_client()
    assert AuthActions(client).login("13900000004", "demo1234").status_code == 302
    cookie = client.get_cookie("portal_session").value
    assert _run("migrate-store", "--data-dir", str(demo_folder), "--to", pg_url).returncode == 0
    db_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "DATA_DIR": str(tmp_path / "x"),
            "SITE_DIR": str(tmp_path / "s"),
        }
    )
    assert db_app.config["SECRET_KEY"] == folder_app.config["SECRET_KEY"]
    other = db_app.test_client()
    other.set_cookie("portal_session", cookie)
    assert other.get("/portal/me").status_code == 200
    store.close_backends()
