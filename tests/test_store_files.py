"""The document layer: transactions across processes, caches that see other writers (on
both backends), and the file backend's atomic replace and open-time checks."""

import multiprocessing
import os

import pytest

from portal import store
from portal.store import _files


@pytest.fixture
def backend(store_target):
    return store.open_backend(store_target)


def _append_many(backend, key, n, start):
    for i in range(n):
        with backend.transaction(key) as (db,):
            db.table("t").insert({"n": start + i})


@pytest.mark.processes
def test_transactions_from_several_processes_lose_nothing(backend):
    ctx = multiprocessing.get_context("fork")
    args = [(backend, "shared/doc", 40, k * 1000) for k in range(4)]
    procs = [ctx.Process(target=_append_many, args=a) for a in args]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = backend.read("shared/doc")["t"]
    assert sorted(r["n"] for r in rows.values()) == sorted(
        k * 1000 + i for k in range(4) for i in range(40)
    )
    assert len(set(rows)) == 160  # no duplicate document ids


@pytest.mark.processes
def test_cache_sees_a_write_by_another_process(backend):
    _append_many(backend, "f", 1, 0)
    assert len(backend.read("f")["t"]) == 1
    version = backend.version("f")
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_append_many, args=(backend, "f", 1, 1))
    p.start()
    p.join(30)
    assert len(backend.read("f")["t"]) == 2 and backend.version("f") != version


def test_a_refused_transaction_writes_nothing(backend):
    _append_many(backend, "f", 1, 0)
    with pytest.raises(store.StoreError), backend.transaction("f", "g") as (f, g):
        f.table("t").insert({"n": 1})
        g.table("t").insert({"n": 2})
        raise store.StoreError("不行")
    assert len(backend.read("f")["t"]) == 1 and not backend.exists("g")


AWKWARD = [
    'quote " and \\ backslash',
    '{"looks": ["like json"]}',
    "中文：楼门院长，小巷管家 ★ 🙂",
    "tab\tnewline\ncarriage\rcontrol\x01\x1f",
    "\\u0000 spelled out",
    "",
]


def test_documents_with_awkward_text_read_back_exactly(backend, store_target):
    """Bodies go to PostgreSQL as binary text arrays: quotes, backslashes, control
    characters and non-BMP characters come back unchanged, from this process's cache
    and from a backend that never saw them (so from the store itself)."""
    with backend.transaction("odd/one", "odd/two") as (one, two):
        one.table("t").insert({"texts": AWKWARD, AWKWARD[0]: AWKWARD[2]})
        two.table("t").insert({"n": 2})
    fresh = store.open_backend(store_target)
    for b in (backend, fresh):
        assert b.read("odd/one")["t"]["1"] == {"texts": AWKWARD, AWKWARD[0]: AWKWARD[2]}
        assert b.read("odd/two")["t"]["1"] == {"n": 2}
    fresh.begin_scope()
    try:
        fresh.prefetch(["odd/one", "odd/two", "odd/none"])
        assert fresh.read("odd/one")["t"]["1"]["texts"] == AWKWARD
        assert not fresh.exists("odd/none")
    finally:
        fresh.end_scope()


def test_keys_blobs_lines_and_locks(backend):
    for key in ("audit/2026-01", "audit/2026-02", "auditx/1"):
        _append_many(backend, key, 1, 0)
    assert backend.keys("audit/") == ["audit/2026-01", "audit/2026-02"]
    backend.put_blob("uploads/ca/a.jpg", b"\xff\xd8 1")
    assert backend.get_blob("uploads/ca/a.jpg") == b"\xff\xd8 1"
    assert backend.blob_keys("uploads/ca/") == ["uploads/ca/a.jpg"]
    backend.delete_blob("uploads/ca/a.jpg")
    assert backend.get_blob("uploads/ca/a.jpg") is None
    backend.append_line("outbox/delivered", "m1\t2026")
    backend.append_line("outbox/delivered", "m2\t2026")
    assert backend.read_lines("outbox/delivered") == ["m1\t2026", "m2\t2026"]
    backend.clear_lines("outbox/delivered")
    assert backend.read_lines("outbox/delivered") == []
    with backend.lock("job"), backend.try_lock("other") as free:
        assert free
    backend.delete("audit/2026-01")
    assert backend.keys("audit/") == ["audit/2026-02"]


def test_district_version_follows_community_writes_only(backend):
    before = backend.district_version()
    _append_many(backend, "audit/2026-01", 1, 0)
    assert backend.district_version() == before
    # A community's other documents (ballots, grids …) are not in the open-shift list.
    _append_many(backend, "communities/ca/ballots-v1-0", 1, 0)
    _append_many(backend, "communities/ca/grids", 1, 0)
    assert backend.district_version() == before
    _append_many(backend, "communities/ca/main", 1, 0)
    after_posts = backend.district_version()
    assert after_posts != before
    _append_many(backend, "communities/ca/signups-2026-03", 1, 0)
    assert backend.district_version() != after_posts


def _hold_try_lock(backend, name, queue):
    with backend.try_lock(name) as mine:
        queue.put(mine)


@pytest.mark.processes
def test_try_lock_is_held_across_processes(backend):
    queue = multiprocessing.get_context("fork").SimpleQueue()
    with backend.try_lock("sender") as mine:
        assert mine
        p = multiprocessing.get_context("fork").Process(
            target=_hold_try_lock, args=(backend, "sender", queue)
        )
        p.start()
        p.join(30)
        assert queue.get() is False
    _hold_try_lock(backend, "sender", queue)
    assert queue.get() is True


def _files_at(tmp_path):
    backend = store.FileBackend(tmp_path)
    return backend, backend.path("f")


def test_write_is_atomic_and_utf8(tmp_path):
    backend, path = _files_at(tmp_path)
    with backend.transaction("f") as (db,):
        db.table("t").insert({"name": "东四街道"})
    raw = path.read_bytes()
    assert "东四街道".encode() in raw  # ensure_ascii=False, utf-8
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    backend, path = _files_at(tmp_path)
    _append_many(backend, "f", 1, 0)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        _append_many(backend, "f", 1, 1)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert len(backend.read("f")["t"]) == 1
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
    backend, _path = _files_at(tmp_path)
    with backend.transaction("f") as (db,):
        db.table("t").insert({"a": 1})

    def child():
        assert len(backend.read("f")["t"]) == 1
        with backend.transaction("f") as (db,):
            db.table("t").insert({"a": 2})

    with _files._cache_lock, _files._registry_lock:  # as if other threads were inside
        proc = multiprocessing.get_context("fork").Process(target=child)
        proc.start()
    proc.join(20)
    alive = proc.is_alive()
    if alive:
        proc.kill()
    assert not alive and proc.exitcode == 0
    assert len(backend.read("f")["t"]) == 2
