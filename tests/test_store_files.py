"""The safe-file layer: atomic replace, locks across processes, caches that see other writers."""

import json
import multiprocessing
import os

import pytest

from portal import store
from portal.store import _files


def _append_many(path, n, start):
    for i in range(n):
        with _files.transaction(path) as db:
            db.table("t").insert({"n": start + i})


@pytest.mark.processes
def test_transactions_from_several_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, 40, k * 1000)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = json.loads(path.read_text(encoding="utf-8"))["t"]
    assert sorted(r["n"] for r in rows.values()) == sorted(
        k * 1000 + i for k in range(4) for i in range(40)
    )
    assert len(set(rows)) == 160  # no duplicate document ids


@pytest.mark.processes
def test_cache_sees_a_write_by_another_process(tmp_path):
    path = tmp_path / "f.json"
    _append_many(path, 1, 0)
    assert len(_files.read_tables(path)["t"]) == 1
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_append_many, args=(path, 1, 1))
    p.start()
    p.join(30)
    assert len(_files.read_tables(path)["t"]) == 2


def test_write_is_atomic_and_utf8(tmp_path):
    path = tmp_path / "f.json"
    with _files.transaction(path) as db:
        db.table("t").insert({"name": "东四街道"})
    raw = path.read_bytes()
    assert "东四街道".encode() in raw  # ensure_ascii=False, utf-8
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    _append_many(path, 1, 0)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        _append_many(path, 1, 1)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert len(_files.read_tables(path)["t"]) == 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


@pytest.mark.parametrize("content", ["", "{not json", '{"t": [1, 2]}', "[]"])
def test_corrupt_file_stops_open_store_naming_it(tmp_path, content):
    folder = tmp_path / "data"
    (folder / "accounts").mkdir(parents=True)
    bad = folder / "accounts" / "3.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(store.CorruptFile) as err:
        store.open_store(folder)
    assert str(bad) in str(err.value) and "损坏" in str(err.value)


def test_ids_from_urls_cannot_name_paths(mem_store):
    for bad in ("../x", "a/b", "", "A" * 5, ".."):
        with pytest.raises(store.NotFound):
            store.get_community(bad)
    with pytest.raises(store.NotFound):
        store.get_user("../../secret_key")


def test_a_process_forked_while_a_lock_is_held_can_still_use_the_store(tmp_path):
    """The mail sender forks a delivery process from a threaded server: a lock another
    thread held at that moment must not freeze the child."""
    import multiprocessing

    path = tmp_path / "f.json"
    with _files.transaction(path) as db:
        db.table("t").insert({"a": 1})

    def child():
        assert len(_files.read_tables(path)["t"]) == 1
        with _files.transaction(path) as db:
            db.table("t").insert({"a": 2})

    with _files._cache_lock, _files._registry_lock:  # as if other threads were inside
        proc = multiprocessing.get_context("fork").Process(target=child)
        proc.start()
    proc.join(20)
    alive = proc.is_alive()
    if alive:
        proc.kill()
    assert not alive and proc.exitcode == 0
    assert len(_files.read_tables(path)["t"]) == 2
