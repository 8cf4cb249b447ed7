"""The PostgreSQL backend: the same documents for several app servers on one database.

Selected by ``PORTAL_DATABASE_URL=postgresql://…`` (or ``--database-url``); the schema
is ``pg_schema.py``. How each part of the interface is kept:

* A document is one row ``(key, body json, version)``; every write gives it a new
  version from one sequence. A transaction takes a transaction-level advisory lock
  per key (in one fixed order: by lock id), reads the rows, and writes the changed
  ones in the same database transaction: all or nothing. Advisory locks rather than
  ``SELECT … FOR UPDATE`` because a document may not exist yet (the first sign-up of
  a month) and must be locked all the same.
* Reads are cached per process by version: a read costs one query that returns the
  body only when the version differs from the cached one. Other servers' writes are
  seen on the next read: there is no invalidation message to lose.
* District-wide lists watch ``district_changes`` (a row per committed change of a
  community or the places): its count, min and max id change with every commit in
  any order, and are read in one index-only query.
* Blobs (photos) and lines (the e-mail sender's notes) are rows too; named locks are
  session-level advisory locks on a connection held for the block, released by the
  server when the holder dies. Nothing of the store is on an app server's disk.
* One connection pool per process (``pg_pool.py``), created on first use (a process
  forked from one that used it starts its own and never touches the parent's
  connections). A database that is down or restarting raises ``BackendUnavailable``
  (the portal answers 503); the next request after it is back connects again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from pathlib import Path

import psycopg

from . import pg_schema
from .pg_pool import ConnectionPool, PoolTimeout
from .backend import (
    Backend,
    BackendUnavailable,
    Snapshot,
    document_handle,
    dumps,
    loads,
    pending_writes,
    touches_district,
)

MAX_CACHED_BYTES = 48 * 1024 * 1024
_DOCUMENT_LOCKS, _NAMED_LOCKS = 1, 2  # advisory lock namespaces
_DISTRICT = "\0district"  # the scope's entry for district_version (no key looks like it)
_STAMP = "\0stamp"  # the scope's store-wide change stamp
MAX_MISSING = 20000
# ``changes`` and ``district_changes`` are counted on every request: kept between 16 and
# 48 rows (the stamp query took 110-170 us at the 256-768 rows kept before, 95 us now).
# Any window works: every commit adds a row and a trim removes only rows older than its
# own, so (count, min, max) changes with every commit.
TRIM_EVERY, TRIM_KEEP = 32, 16
_TRIM = (TRIM_EVERY, TRIM_KEEP)
POOL_TIMEOUT = 5.0  # seconds a request waits for a connection before it is a 503
_orphans: list = []  # pools inherited over fork: kept referenced, never used or closed


def _lock_id(namespace: int, name: str) -> tuple[int, int]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return namespace, int.from_bytes(digest, "big", signed=True)


class _Entry:
    __slots__ = ("version", "tables", "views", "size", "stamp")

    def __init__(self, version: int, tables: dict, size: int):
        self.version, self.tables, self.size = version, tables, size
        self.views: dict[str, object] = {}
        # The store-wide change stamp read before this entry was last checked: while the
        # stamp is still the same, no commit has happened since, and the entry is current.
        self.stamp: tuple | None = None


def _parsed(rows: dict[str, str], key: str) -> dict:
    return loads(rows[key]) if key in rows else {}


def _unavailable(exc: BaseException) -> BackendUnavailable:
    return BackendUnavailable(f"数据库暂时无法连接：{type(exc).__name__}")


class PostgresBackend(Backend):
    kind = "postgresql"

    def __init__(self, url: str, backup_dir=None, pool_size: int = 12):
        self.url = url
        self.backup_dir = Path(backup_dir or os.environ.get("PORTAL_BACKUP_DIR") or "backups")
        self._pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pid = os.getpid()
        self._pool_lock = threading.Lock()
        self._local = threading.local()
        # Versions are per database; the token keeps two databases' apart in caches
        # that outlive one backend (tests open many).
        self._token = secrets.token_hex(4)
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._missing: dict[str, tuple] = {}  # key -> the stamp at which it did not exist
        self._cached_bytes = 0
        self._cache_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresBackend({self.url.split('@')[-1]!r})"

    # ------------------------------------------------------------ connections
    def _get_pool(self) -> ConnectionPool:
        if self._pid != os.getpid():  # forked: the parent's connections are not ours
            with contextlib.suppress(Exception):
                _orphans.append(self._pool)
            self._pool, self._pid = None, os.getpid()
            self._pool_lock, self._local = threading.Lock(), threading.local()
            self._cache_lock = threading.Lock()
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ConnectionPool(
                        self.url, max_size=self._pool_size, timeout=POOL_TIMEOUT
                    )
        return self._pool

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A connection for reads: the thread's transaction's own while one is open (it
        sees what it wrote), else one from the pool."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        try:
            with self._get_pool().connection() as conn:
                yield conn
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc

    def _query(self, sql: str, params=()) -> list[tuple]:
        """A read-only query; tried twice, since a pooled connection may have been cut by
        a database restart that the pool has not noticed yet."""
        for attempt in (1, 2):
            try:
                with self._connection() as conn:
                    return conn.execute(sql, params).fetchall()
            except BackendUnavailable:
                if attempt == 2 or getattr(self._local, "conn", None) is not None:
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ documents
    # A request's scope (begin_scope … end_scope): what this thread has looked up, so a
    # page that reads a document five times asks the database once. Writes of this thread
    # drop what they change from it; other servers' writes are seen by the next request.
    def begin_scope(self) -> None:
        self._local.scope = {}

    def end_scope(self) -> None:
        self._local.scope = None

    def _scoped(self) -> dict | None:
        # Inside a transaction every read is fresh: decisions taken under a lock (a free
        # place, a shift's capacity) must see what other servers committed before it.
        if getattr(self._local, "conn", None) is not None:
            return None
        return getattr(self._local, "scope", None)

    def _store_stamp(self, scope: dict) -> tuple:
        """The store-wide change stamp, read once per request (count, min and max id of
        ``changes``: every commit that writes a document adds a row)."""
        stamp = scope.get(_STAMP)
        if stamp is None:
            self._read_stamps(scope)
            stamp = scope[_STAMP]
        return stamp

    def _read_stamps(self, scope: dict) -> None:
        """Both change stamps of the request in one round trip: the store-wide one and
        the district's (most pages that need one need the other)."""
        rows = self._query(
            "SELECT c.n, c.lo, c.hi, d.n, d.lo, d.hi"
            " FROM (SELECT count(*) n, min(id) lo, max(id) hi FROM changes) c,"
            " (SELECT count(*) n, min(id) lo, max(id) hi FROM district_changes) d"
        )
        row = rows[0]
        scope[_STAMP] = tuple(row[:3])
        scope[_DISTRICT] = (self._token, *row[3:])

    def _entry(self, key: str) -> _Entry | None:
        scope = self._scoped()
        if scope is None:
            return self._lookup(key)
        if key in scope:
            return scope[key]
        if _STAMP not in scope:
            return self._first_lookup(scope, key)
        # Nothing was committed anywhere since this entry (or this document's absence)
        # was checked: it is current without asking about it (one query per request,
        # not one per document, while the store does not change).
        stamp = self._store_stamp(scope)
        with self._cache_lock:
            hit = self._cache.get(key)
            missing = self._missing.get(key)
        if hit is not None and hit.stamp == stamp:
            scope[key] = hit
            return hit
        if hit is None and missing == stamp:
            scope[key] = None
            return None
        return self._checked(scope, key, self._lookup(key), stamp)

    def _checked(self, scope: dict, key: str, entry: _Entry | None, stamp: tuple) -> _Entry | None:
        """Note that ``key`` was checked against the store at ``stamp`` (found as
        ``entry``, or missing), for this request and for later ones at the same stamp."""
        if entry is None:
            self._forget(key)
        with self._cache_lock:
            if entry is None:
                if len(self._missing) > MAX_MISSING:
                    self._missing.clear()
                self._missing[key] = stamp
            else:
                entry.stamp = stamp
                self._missing.pop(key, None)
        scope[key] = entry
        return entry

    def _first_lookup(self, scope: dict, key: str) -> _Entry | None:
        """The request's first document, looked up in the query that reads the change
        stamps (one round trip, not two, whenever something changed since the cached
        copy was checked); both come from one snapshot, so the entry is exactly as
        current as the stamp it is marked with."""
        with self._cache_lock:
            hit = self._cache.get(key)
        row = self._query(
            "SELECT c.n, c.lo, c.hi, d.n, d.lo, d.hi, x.version, x.body"
            " FROM (SELECT count(*) n, min(id) lo, max(id) hi FROM changes) c"
            " CROSS JOIN (SELECT count(*) n, min(id) lo, max(id) hi FROM district_changes) d"
            " LEFT JOIN (SELECT version, CASE WHEN version = %s THEN NULL ELSE body::text END"
            " AS body FROM documents WHERE key = %s) x ON true",
            (hit.version if hit else -1, key),
        )[0]
        stamp = scope[_STAMP] = tuple(row[:3])
        scope[_DISTRICT] = (self._token, *row[3:6])
        version, text = row[6], row[7]
        entry = None if version is None else self._remember(key, hit, version, text)
        return self._checked(scope, key, entry, stamp)

    def _lookup(self, key: str) -> _Entry | None:
        with self._cache_lock:
            hit = self._cache.get(key)
        fresh = getattr(self._local, "fresh", None)
        if fresh and key in fresh:  # read with the transaction's locked documents
            row = fresh[key]
            if row is None:
                self._forget(key)
                return None
            version, text = row
            if text is not None or (hit is not None and hit.version == version):
                return self._remember(key, hit, version, text)
            # (the copy the query relied on was evicted meanwhile: ask again below)
        rows = self._query(
            "SELECT version, CASE WHEN version = %s THEN NULL ELSE body::text END"
            " FROM documents WHERE key = %s",
            (hit.version if hit else -1, key),
        )
        if not rows:
            self._forget(key)
            return None
        return self._remember(key, hit, *rows[0])

    def _remember(self, key: str, hit: _Entry | None, version: int, text: str | None) -> _Entry:
        """The cache entry for a row just read: the cached one when its version is still
        the row's (the query returned no body), else a new one."""
        if text is None and hit is not None:
            with self._cache_lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
            return hit
        assert text is not None  # no body only when the cached version was current
        entry = _Entry(version, loads(text), len(text))
        with self._cache_lock:
            old = self._cache.pop(key, None)
            self._cached_bytes += entry.size - (old.size if old else 0)
            self._cache[key] = entry
            while self._cached_bytes > MAX_CACHED_BYTES and len(self._cache) > 1:
                _key, evicted = self._cache.popitem(last=False)
                self._cached_bytes -= evicted.size
        return entry

    def prefetch(self, keys) -> None:
        """Check every one of ``keys`` this request has not looked up yet in one query
        (bodies only of those that changed), instead of one query per document later."""
        scope = self._scoped()
        if scope is None:
            return
        stamp = self._store_stamp(scope)
        want: dict[str, _Entry | None] = {}
        with self._cache_lock:
            for key in keys:
                if key in scope or key in want:
                    continue
                hit = self._cache.get(key)
                if hit is not None and hit.stamp == stamp:
                    scope[key] = hit
                elif hit is None and self._missing.get(key) == stamp:
                    scope[key] = None
                else:
                    want[key] = hit
        if not want:
            return
        rows = self._query(
            "SELECT d.key, d.version, CASE WHEN d.version = w.v THEN NULL ELSE d.body::text END"
            " FROM unnest(%b::text[], %b::bigint[]) AS w(k, v) JOIN documents d ON d.key = w.k",
            (list(want), [hit.version if hit else -1 for hit in want.values()]),
        )
        found = {key: self._remember(key, want[key], version, text) for key, version, text in rows}
        for key in want:
            self._checked(scope, key, found.get(key), stamp)

    def _forget(self, key: str) -> None:
        with self._cache_lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cached_bytes -= old.size

    def read(self, key: str) -> dict:
        entry = self._entry(key)
        return entry.tables if entry else {}

    def version(self, key: str) -> Hashable | None:
        entry = self._entry(key)
        return (self._token, entry.version) if entry else None

    def view(self, key, name, build):
        entry = self._entry(key)
        if entry is None:
            return build({})
        try:
            return entry.views[name]
        except KeyError:
            value = entry.views[name] = build(entry.tables)
            return value

    def _begin(
        self, keys: tuple[str, ...], reading: tuple[str, ...] = ()
    ) -> tuple[contextlib.ExitStack, dict]:
        """Open a database transaction, lock the keys, read their rows and those of
        ``reading``: one round trip (pipeline mode sends BEGIN, the locks and the read
        together; each statement still runs after the one before, so the read's snapshot
        is taken after the locks are held). Tried twice: a pooled connection cut by a
        restart fails here, before anything was done."""
        for attempt in (1, 2):
            stack = contextlib.ExitStack()
            try:
                conn = stack.enter_context(self._get_pool().connection())
                # The whole transaction runs in pipeline mode, so that the write and the
                # COMMIT also go in one round trip (see ``_write_rows``).
                stack.enter_context(conn.pipeline())
                stack.enter_context(conn.transaction())
                # One statement takes them all: a select list is evaluated left to
                # right, so the locks are taken in this fixed order.
                locks = sorted({_lock_id(_DOCUMENT_LOCKS, k) for k in keys})
                conn.execute(
                    "SELECT " + ", ".join(["pg_advisory_xact_lock(%s, %s)"] * len(locks)),
                    [part for lock in locks for part in lock],
                )
                # The locked rows whole (they become the block's handles); the others
                # only when this process's copy is not their current version.
                wanted = dict.fromkeys(reading, -1)
                with self._cache_lock:
                    for key in wanted:
                        hit = self._cache.get(key)
                        wanted[key] = hit.version if hit is not None else -1
                wanted.update(dict.fromkeys(keys, -1))
                found = conn.execute(
                    "SELECT d.key, d.version,"
                    " CASE WHEN d.version = w.v THEN NULL ELSE d.body::text END"
                    " FROM unnest(%b::text[], %b::bigint[]) AS w(k, v)"
                    " JOIN documents d ON d.key = w.k",
                    (list(wanted), list(wanted.values())),
                ).fetchall()
                rows = {key: text for key, _version, text in found if key in keys}
                # Reads inside the block of any of these, locked or not, are served from
                # this: as they were once the locks were held (absent: None). For the
                # locked ones that is what the database holds until this block commits.
                fresh: dict[str, tuple[int, str | None] | None] = dict.fromkeys(wanted)
                fresh.update((k, (v, t)) for k, v, t in found)
                return stack, {"conn": conn, "rows": rows, "fresh": fresh}
            except psycopg.OperationalError as exc:
                with contextlib.suppress(psycopg.Error):
                    stack.close()
                if attempt == 2 or isinstance(exc, PoolTimeout):
                    raise _unavailable(exc) from exc
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def transaction(self, *keys: str, reading=()):
        stack, opened = self._begin(keys, tuple(reading))
        conn, rows = opened["conn"], opened["rows"]
        outer = getattr(self._local, "conn", None)
        outer_fresh = getattr(self._local, "fresh", None)
        self._local.conn, self._local.fresh = conn, opened["fresh"]
        try:
            with stack:
                dbs = tuple(document_handle(functools.partial(_parsed, rows, k)) for k in keys)
                yield dbs
                writes = pending_writes(keys, dbs)
                if writes:
                    self._write_rows(conn, writes)
            self._drop_from_scope([k for k, _ in writes])
            if outer_fresh:  # a block inside another's: the outer one reads these anew
                for key, _tables in writes:
                    outer_fresh.pop(key, None)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc
        finally:
            self._local.conn, self._local.fresh = outer, outer_fresh

    def _drop_from_scope(self, keys: list[str]) -> None:
        scope = getattr(self._local, "scope", None)  # also right after a commit
        if scope is not None and keys:
            scope.pop(_STAMP, None)  # this commit changed it: the rest of the request checks
            for key in keys:
                scope.pop(key, None)
            if any(touches_district(k) for k in keys):
                scope.pop(_DISTRICT, None)

    def _write_rows(self, conn, writes: list[tuple[str, dict]]) -> None:
        """Write the changed documents and note the change (and a district change when a
        community's document is among them) in one statement whose result is not
        waited for: it goes to the server with the COMMIT, in one round trip."""
        bodies = {key: dumps(tables) for key, tables in writes}
        district = any(touches_district(k) for k in bodies)
        conn.execute(
            "WITH written AS (INSERT INTO documents (key, body)"
            " SELECT k, b::json FROM unnest(%b::text[], %b::text[]) AS t(k, b)"
            " ON CONFLICT (key) DO UPDATE SET body = EXCLUDED.body,"
            " version = nextval('document_versions') RETURNING 1),"
            " change AS (INSERT INTO changes DEFAULT VALUES RETURNING id),"
            " district AS (INSERT INTO district_changes SELECT WHERE %s RETURNING id),"
            # Both tables are counted on every request: every TRIM_EVERY-th id drops
            # the rows more than TRIM_KEEP ids older (never the statement's own row).
            " trim AS (DELETE FROM changes WHERE (SELECT id %% %s FROM change) = 0"
            " AND id < (SELECT id - %s FROM change)),"
            " trim_district AS (DELETE FROM district_changes"
            " WHERE (SELECT id %% %s FROM district) = 0 AND id < (SELECT id - %s FROM district))"
            " SELECT (SELECT count(*) FROM written)",
            # The arrays go in binary form (%b): in text form psycopg escapes every quote
            # of every body through a Python callback, which grows with the documents
            # (12 ms of CPU per sign-up on a 30 KB month, most of a large import's time).
            (list(bodies), list(bodies.values()), district, *_TRIM, *_TRIM),
        )

    def _note_change(self, conn) -> None:
        row = conn.execute("INSERT INTO changes DEFAULT VALUES RETURNING id").fetchone()
        new_id = row[0] if row else 0
        if new_id % TRIM_EVERY == 0:  # keep the table small: it is counted on every request
            conn.execute("DELETE FROM changes WHERE id < %s", (new_id - TRIM_KEEP,))

    def _note_district_change(self, conn) -> None:
        row = conn.execute("INSERT INTO district_changes DEFAULT VALUES RETURNING id").fetchone()
        new_id = row[0] if row else 0
        if new_id % TRIM_EVERY == 0:  # keep the table small: its count is read on every list
            conn.execute("DELETE FROM district_changes WHERE id < %s", (new_id - TRIM_KEEP,))

    def keys(self, prefix: str) -> list[str]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._query("SELECT key FROM documents WHERE key LIKE %s ORDER BY key", (pattern,))
        return [r[0] for r in rows]

    def delete(self, key: str) -> None:
        with self.transaction(key):
            conn = self._local_conn_for_write()
            conn.execute("DELETE FROM documents WHERE key = %s", (key,))
            self._note_change(conn)
            if touches_district(key):
                self._note_district_change(conn)
        self._forget(key)
        self._drop_from_scope([key])

    def _local_conn_for_write(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        assert conn is not None, "only inside a transaction"
        return conn

    def district_version(self) -> Hashable:
        scope = self._scoped()
        if scope is not None:
            if _DISTRICT not in scope:
                self._read_stamps(scope)
            return scope[_DISTRICT]
        rows = self._query("SELECT count(*), min(id), max(id) FROM district_changes")
        return (self._token, *rows[0])

    # ------------------------------------------------------------ blobs and lines
    def _write(self, sql: str, params) -> None:
        try:
            with self._get_pool().connection() as conn:
                conn.execute(sql, params)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc

    def put_blob(self, key: str, data: bytes) -> None:
        self._write(
            "INSERT INTO blobs (key, data) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data",
            (key, data),
        )

    def get_blob(self, key: str) -> bytes | None:
        rows = self._query("SELECT data FROM blobs WHERE key = %s", (key,))
        return bytes(rows[0][0]) if rows else None

    def delete_blob(self, key: str) -> None:
        self._write("DELETE FROM blobs WHERE key = %s", (key,))

    def blob_keys(self, prefix: str) -> list[str]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._query("SELECT key FROM blobs WHERE key LIKE %s ORDER BY key", (pattern,))
        return [r[0] for r in rows]

    def append_line(self, key: str, line: str) -> None:
        self._write("INSERT INTO lines (key, line) VALUES (%s, %s)", (key, line))

    def read_lines(self, key: str) -> list[str]:
        return [
            r[0] for r in self._query("SELECT line FROM lines WHERE key = %s ORDER BY id", (key,))
        ]

    def clear_lines(self, key: str) -> None:
        self._write("DELETE FROM lines WHERE key = %s", (key,))

    # ------------------------------------------------------------ locks
    @contextlib.contextmanager
    def lock(self, name: str):
        lock = _lock_id(_NAMED_LOCKS, name)
        try:
            with self._get_pool().connection() as conn:
                conn.execute("SELECT pg_advisory_lock(%s, %s)", lock)
                try:
                    yield
                finally:
                    with contextlib.suppress(psycopg.OperationalError):
                        conn.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc

    @contextlib.contextmanager
    def try_lock(self, name: str):
        lock = _lock_id(_NAMED_LOCKS, name)
        try:
            with self._get_pool().connection() as conn:
                mine = bool(
                    conn.execute("SELECT pg_try_advisory_lock(%s, %s)", lock).fetchall()[0][0]
                )
                try:
                    yield mine
                finally:
                    if mine:
                        with contextlib.suppress(psycopg.OperationalError):
                            conn.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc

    # ------------------------------------------------------------ the whole store
    @contextlib.contextmanager
    def snapshot(self):
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    yield _PostgresSnapshot(conn)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc

    def load(self, snapshot: Snapshot, replace: bool = False) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
            # Nobody writes meanwhile: every writer's first step waits on this lock.
            conn.execute("LOCK TABLE documents, blobs, lines IN EXCLUSIVE MODE")
            if replace:
                conn.execute("DELETE FROM documents; DELETE FROM blobs; DELETE FROM lines")
            elif conn.execute("SELECT 1 FROM documents LIMIT 1").fetchall():
                raise ValueError("目标数据库不是空的：请换一个新建的空数据库。")
            with conn.cursor().copy("COPY documents (key, body) FROM STDIN") as copy:
                for key, tables in snapshot.documents():
                    copy.write_row((key, dumps(tables)))
            with conn.cursor().copy("COPY blobs (key, data) FROM STDIN") as copy:
                for key, data in snapshot.blobs():
                    copy.write_row((key, data))
            with conn.cursor().copy("COPY lines (key, line) FROM STDIN") as copy:
                for key, lines in snapshot.lines():
                    for line in lines:
                        copy.write_row((key, line))
            self._note_change(conn)
            self._note_district_change(conn)
        self.forget_caches()

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM documents LIMIT 1")

    def check(self) -> int:
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                pg_schema.check_version(conn)
        except psycopg.OperationalError as exc:
            raise _unavailable(exc) from exc
        return 0

    def health(self) -> dict:
        try:
            with self._get_pool().connection() as conn, conn.transaction():
                recovering = conn.execute("SELECT pg_is_in_recovery()").fetchall()[0][0]
                if not recovering:
                    conn.execute("SELECT txid_current()")  # needs a writable primary
            cause = "数据库是只读的备库（恢复中）" if recovering else None
        except psycopg.Error as exc:
            cause = f"数据库无法连接：{type(exc).__name__}"
        return {"error": cause, "free_bytes": None, "backend": self.kind}

    def forget_caches(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._missing.clear()
            self._cached_bytes = 0

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None


class _PostgresSnapshot(Snapshot):
    """What one REPEATABLE READ transaction sees: every row as of its first query."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def documents(self) -> Iterator[tuple[str, dict]]:
        with self.conn.cursor(name="snapshot_documents") as cur:
            cur.execute("SELECT key, body::text FROM documents ORDER BY key")
            for key, text in cur:
                yield key, loads(text)

    def blobs(self) -> Iterator[tuple[str, bytes]]:
        with self.conn.cursor(name="snapshot_blobs") as cur:
            cur.execute("SELECT key, data FROM blobs ORDER BY key")
            for key, data in cur:
                yield key, bytes(data)

    def lines(self) -> Iterator[tuple[str, list[str]]]:
        rows = self.conn.execute("SELECT key, line FROM lines ORDER BY key, id").fetchall()
        grouped: dict[str, list[str]] = {}
        for key, line in rows:
            grouped.setdefault(key, []).append(line)
        return iter(grouped.items())


def init_database(url: str) -> list[int]:
    """Create or upgrade the schema (``run.py init-db``); returns the versions applied."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            return pg_schema.migrate(conn)
    except psycopg.OperationalError as exc:
        raise BackendUnavailable(f"无法连接数据库：{exc}".strip()) from exc
