"""A request's scope on both backends: each document looked up once per request (a stat on
files, a query on PostgreSQL), ``prefetch`` looking up many at once, and a thread's own
writes always seen by its next read."""

from __future__ import annotations

import multiprocessing

import pytest

from portal import store
from portal.store import _files


@pytest.fixture
def backend(store_target):
    return store.open_backend(store_target)


def _write(backend, key: str, n: int) -> None:
    with backend.transaction(key) as (db,):
        db.table("t").insert({"n": n})


def _ns(backend, key: str) -> list[int]:
    return [r["n"] for r in backend.read(key).get("t", {}).values()]


def _write_elsewhere(backend, key: str, n: int) -> None:
    proc = multiprocessing.get_context("fork").Process(target=_write, args=(backend, key, n))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0


@pytest.mark.processes
def test_a_scope_reads_each_document_once_and_sees_its_own_writes(backend):
    _write(backend, "scope/doc", 1)
    backend.begin_scope()
    try:
        assert _ns(backend, "scope/doc") == [1]
        _write_elsewhere(backend, "scope/doc", 2)
        assert _ns(backend, "scope/doc") == [1]  # looked up once in this request
        _write(backend, "scope/doc", 3)  # this thread's write: seen at once
        assert _ns(backend, "scope/doc") == [1, 2, 3]
    finally:
        backend.end_scope()
    _write_elsewhere(backend, "scope/doc", 4)
    assert _ns(backend, "scope/doc") == [1, 2, 3, 4]  # the next request sees everything


@pytest.mark.processes
def test_the_district_version_is_read_once_per_scope_unless_this_thread_writes(backend):
    backend.begin_scope()
    try:
        first = backend.district_version()
        _write_elsewhere(backend, "communities/ca/main", 1)
        assert backend.district_version() == first
        _write(backend, "communities/cb/main", 2)
        assert backend.district_version() != first
    finally:
        backend.end_scope()


def test_prefetch_looks_documents_up_together(backend, store_backend, monkeypatch):
    """PostgreSQL: one query for them all, none when they are read. Files: a stat costs
    less than the batch would, so each file is stat-ed once, when first read."""
    keys = [f"prefetch/doc-{i}" for i in range(6)]
    for n, key in enumerate(keys[:5]):
        _write(backend, key, n)  # the sixth is missing
    asked: list = []
    if store_backend == "postgresql":
        real_query = backend._query
        monkeypatch.setattr(backend, "_query", lambda *a: asked.append(a) or real_query(*a))
    else:
        real_stat = _files.stat_key
        monkeypatch.setattr(_files, "stat_key", lambda p: asked.append(p) or real_stat(p))
    backend.begin_scope()
    try:
        backend.prefetch(keys)
        for _twice in range(2):
            assert [_ns(backend, k) for k in keys] == [[0], [1], [2], [3], [4], []]
    finally:
        backend.end_scope()
    if store_backend == "postgresql":
        assert len(asked) == 2  # the request's change stamps, then the six documents
    else:
        assert sorted(asked) == sorted(backend.path(k) for k in keys)
    monkeypatch.undo()
    _write_elsewhere(backend, keys[0], 99)
    assert _ns(backend, keys[0]) == [0, 99]


@pytest.mark.processes
def test_reads_inside_a_transaction_are_fresh_whatever_the_scope_saw(backend):
    """A decision under a lock (a free place) must see what another process wrote since
    the request first looked, as a change of capacity written under the same lock."""
    _write(backend, "scope/shift", 1)
    backend.begin_scope()
    try:
        assert _ns(backend, "scope/shift") == [1]
        _write_elsewhere(backend, "scope/shift", 2)
        with backend.transaction("scope/month") as (db,):
            assert _ns(backend, "scope/shift") == [1, 2]
            db.table("t").insert({"n": 0})
    finally:
        backend.end_scope()
