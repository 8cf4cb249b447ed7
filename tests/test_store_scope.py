"""A request's scope on both backends: each document looked up once per request (a stat on
files, a query on PostgreSQL), ``prefetch`` looking up many at once, and a thread's own
writes always seen by its next read."""

from __future__ import annotations

import multiprocessing

import pytest

from portal import store
from portal.store import _files, _postgres


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


@pytest.mark.processes
def test_documents_read_with_a_transaction_are_fresh_and_served_once(
    backend, store_backend, monkeypatch
):
    """``reading=``: documents the block reads besides the locked ones. On PostgreSQL they
    come with the locked rows (no query of their own, however often they are read), as
    they are once the locks are held, even when this process has an older copy cached;
    a missing one reads as missing; one that a block inside this one writes is read
    anew. Files read them fresh anyway."""
    _write(backend, "with/shift", 1)
    assert _ns(backend, "with/shift") == [1]  # cached here
    _write_elsewhere(backend, "with/shift", 2)
    asked: list = []
    if store_backend == "postgresql":
        real_query = backend._query
        monkeypatch.setattr(backend, "_query", lambda *a: asked.append(a) or real_query(*a))
    backend.begin_scope()
    try:
        with backend.transaction("with/month", reading=["with/shift", "with/none"]) as (db,):
            assert _ns(backend, "with/shift") == [1, 2]
            assert not backend.exists("with/none")
            assert _ns(backend, "with/shift") == [1, 2]
            assert asked == []  # both came with the locked row
            _write(backend, "with/shift", 3)  # a transaction of its own, inside this one
            assert _ns(backend, "with/shift") == [1, 2, 3]
            db.table("t").insert({"n": 0})
    finally:
        backend.end_scope()
    monkeypatch.undo()
    assert _ns(backend, "with/month") == [0]


@pytest.mark.backends("postgresql")
def test_the_first_read_of_a_request_comes_with_the_change_stamps(backend, monkeypatch):
    """PostgreSQL: a request's first document is looked up in the query that reads the
    change stamps: after a write elsewhere, one query for the stamps and the document,
    not two; the district version needs no query of its own."""
    _write(backend, "first/doc", 1)
    assert _ns(backend, "first/doc") == [1]
    _write(backend, "first/doc", 2)
    backend.forget_caches()
    asked: list = []
    real_query = backend._query
    monkeypatch.setattr(backend, "_query", lambda *a: asked.append(a) or real_query(*a))
    backend.begin_scope()
    try:
        assert _ns(backend, "first/doc") == [1, 2]
        assert not backend.exists("first/missing")  # the second document: a query of its own
        backend.district_version()
        assert _ns(backend, "first/doc") == [1, 2]
    finally:
        backend.end_scope()
    assert len(asked) == 2
    backend.begin_scope()
    try:
        assert not backend.exists("first/missing")  # first read, and missing
        assert _ns(backend, "first/doc") == [1, 2]  # nothing changed: no query
    finally:
        backend.end_scope()
    assert len(asked) == 3


@pytest.mark.backends("postgresql")
def test_the_change_stamp_moves_with_every_commit_and_its_tables_stay_small(backend):
    """Every committed write changes the store-wide stamp (and a community's the
    district's), across trims of the tables counted on every request, which stay small."""
    import psycopg

    seen, districts = set(), set()
    for n in range(150):
        key = f"communities/c{n % 3}/main" if n % 5 == 0 else f"stamp/doc-{n % 7}"
        _write(backend, key, n)
        backend.begin_scope()
        try:
            stamp = backend._store_stamp(backend._local.scope)
            district = backend.district_version()
        finally:
            backend.end_scope()
        assert stamp not in seen
        seen.add(stamp)
        if n % 5 == 0:
            assert district not in districts
        districts.add(district)
    with psycopg.connect(backend.url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM district_changes)"
        ).fetchone()
    most = _postgres.TRIM_EVERY + _postgres.TRIM_KEEP
    assert rows[0] <= most and rows[1] <= most
