"""Backup while writers run, restore, and the round trip compares every document.

On both backends (one archive format): the documents are compared by content checksum."""

import json
import multiprocessing
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from portal import store
from tests.conftest import make_user

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    # PostgreSQL's backups go to PORTAL_BACKUP_DIR: the backup folder the test opened.
    env = dict(os.environ, PORTAL_BACKUP_DIR=str(store.current_backend().backup_dir))
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _contents(_target=None) -> dict:
    """Every document's checksum, by key (the store opened last in this process)."""
    return store.store_digests(store.current_backend())["documents"]


def _where(target: str) -> list[str]:
    """run.py's option naming this store."""
    return ["--database-url" if target.startswith("postgresql://") else "--data-dir", target]


def _keep_signing_up(target, sid, uids):
    store.open_store(target)
    for uid in uids:
        store.sign_up("ca", sid, uid)


def test_round_trip_restores_everything(world, store_target, store_backend, data_dir, tmp_path):
    _post, shift = world.post(capacity=3)
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.submit_report_in(world.member["uid"], "cb")
    if store_backend == "files":
        (data_dir / "secret_key").write_text("s" * 64)
    before = _contents()
    result = _run("backup", *_where(store_target), "--output", str(tmp_path / "b.tar.gz"))
    assert result.returncode == 0, result.stderr
    assert "备份完成" in result.stdout
    # change things after the backup
    store.cancel_signup("ca", shift["id"], world.member["uid"])
    store.add_community("tiantan", "备份后新增社区")
    assert _contents() != before
    result = _run("restore", str(tmp_path / "b.tar.gz"), *_where(store_target))
    assert result.returncode == 0, result.stderr
    store.open_store(store_target, backup_dir=store.current_backend().backup_dir)
    assert _contents() == before
    assert store.user_signups(world.member["uid"])[0]["status"] == "confirmed"
    assert "备份后新增社区" not in [c["name"] for c in store.list_communities()]
    if store_backend == "files":
        assert (data_dir / "secret_key").read_text() == "s" * 64


def test_snapshot_while_another_process_writes(world, store_target, tmp_path):
    _post, shift = world.post(capacity=50)
    uids = [make_user(f"1350000{n:04d}", "volunteer")["uid"] for n in range(12)]
    ctx = multiprocessing.get_context("fork")
    writer = ctx.Process(target=_keep_signing_up, args=(store_target, shift["id"], uids))
    writer.start()
    archives = [store.backup.snapshot(tmp_path / f"s{n}.tar.gz") for n in range(5)]
    writer.join(60)
    assert writer.exitcode == 0
    for archive in archives:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".json"):
                    json.loads(tar.extractfile(member).read().decode("utf-8"))  # each file whole
                assert not member.name.endswith((".lock", ".tmp"))


def test_bad_archive_changes_nothing(world, store_target, tmp_path):
    before = _contents()
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not an archive")
    result = _run("restore", str(bad), *_where(store_target))
    assert result.returncode == 1 and "恢复失败" in result.stderr
    assert _contents() == before
    missing = _run("restore", str(tmp_path / "none.tar.gz"), *_where(store_target))
    assert missing.returncode == 1 and "找不到备份文件" in missing.stderr


def test_archive_with_corrupt_file_is_refused(world, store_target, tmp_path):
    broken = tmp_path / "broken"
    (broken / "accounts").mkdir(parents=True)
    (broken / "accounts" / "1.json").write_text("{truncated", encoding="utf-8")
    archive = tmp_path / "broken.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(broken / "accounts" / "1.json", arcname="accounts/1.json")
    before = _contents()
    result = _run("restore", str(archive), *_where(store_target))
    assert result.returncode == 1 and "1.json" in result.stderr
    assert _contents() == before


@pytest.mark.backends("files")  # a broken file of the data folder
def test_corrupt_store_names_the_newest_backup(world, data_dir):
    archive = store.backup.snapshot()
    shard = next((data_dir / "accounts").glob("*.json"))
    shard.write_text(shard.read_text(encoding="utf-8")[:20], encoding="utf-8")  # truncated
    result = _run("--data-dir", str(data_dir), "--port", "1", "--no-demo")
    assert result.returncode == 1
    assert shard.name in result.stderr and str(archive) in result.stderr


def _snapshot_with_few_descriptors(folder: str, dest: str) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
    backend = store.open_store(folder)
    for n in range(400):  # far more documents than descriptors
        with backend.transaction(f"people/xx/p{n:04d}") as (db,):
            db.table("pointers").insert({"kind": "signups", "at": ["ca", "2026-12"]})
    store.backup.snapshot(Path(dest), backend)


def test_a_snapshot_does_not_need_a_descriptor_per_document(tmp_path):
    """The file store's snapshot holds one store-wide gate, not a lock per file (a district
    has tens of thousands of documents; a process may open far fewer files)."""
    ctx = multiprocessing.get_context("fork")
    dest = tmp_path / "many.tar.gz"
    proc = ctx.Process(target=_snapshot_with_few_descriptors, args=(str(tmp_path / "d"), str(dest)))
    proc.start()
    proc.join(120)
    assert proc.exitcode == 0
    with tarfile.open(dest) as tar:
        assert len([m for m in tar.getnames() if m.startswith("people/")]) == 400
