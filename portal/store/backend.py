"""Where the store's documents live: one small interface, two backends.

The store keeps *documents*: each is a set of TinyDB tables under a key such as
``communities/<cid>/main`` or ``communities/<cid>/signups-2026-03`` (``base.py``
builds the keys). Domain modules name documents by key only; how a key is kept
is the backend's business:

* ``FileBackend`` (``_files.py``, the embedded default): one JSON file per key
  under the data folder, ``flock`` per file, atomic replace, a journal for a
  transaction over several files.
* ``PostgresBackend`` (``_postgres.py``, for several app servers): one row per key
  with a version, advisory locks per key, one database transaction.

Beside documents a backend keeps *blobs* (photos), *lines* (the e-mail sender's
append-only notes) and named *locks*. ``transaction(*keys)`` hands out TinyDB
handles whose writes are buffered and land together when the block ends normally:
all or nothing, on both backends. ``view(key, name, build)`` caches what ``build``
derives from a document per version of it, per process.

The backend in use is opened by the app factory (or ``run.py``) from configuration
and bound to the running context with ``use``; code reaches it through
``current()`` or the module functions below, never through a global it sets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from .base import NotFound

# Keys whose change marks "something of some community changed" for district-wide lists.
DISTRICT_KEYS = ("places", "communities/")


def touches_district(key: str) -> bool:
    """Whether writing this document changes what ``district_version`` guards: the
    district's open-shift list, made of the places, each community's posts (``main``)
    and its sign-ups. A ballot, a grid or a comment in a community's folder does not:
    marking the district changed for those made every worker rebuild the list (≈14 ms)."""
    if key == "places":
        return True
    parts = key.split("/")
    return (
        len(parts) == 3
        and parts[0] == "communities"
        and (parts[2] == "main" or parts[2].startswith("signups-"))
    )


class DocumentStorage(Storage):
    """TinyDB storage over one document, read once, written when the transaction commits.

    TinyDB calls ``write`` after every insert or update; holding the data until the
    transaction ends means an operation that changes a document twice lands as one
    write, and an operation refused or killed half-way writes nothing.
    """

    def __init__(self, load: Callable[[], dict]):
        self._load = load
        self._data: dict | None = None
        self.dirty = False

    def read(self):
        if self._data is None:
            self._data = self._load()
        return self._data or None

    def write(self, data) -> None:
        self._data = data
        self.dirty = True

    @property
    def data(self) -> dict:
        return self._data or {}


def document_handle(load: Callable[[], dict]) -> TinyDB:
    return TinyDB(load, storage=DocumentStorage)


def pending_writes(keys: Iterable[Any], dbs: Iterable[TinyDB]) -> list[tuple[Any, dict]]:
    """The (key, tables) of the handles a transaction changed, in the order given."""
    return [
        (key, db.storage.data)  # type: ignore[attr-defined]
        for key, db in zip(keys, dbs, strict=True)
        if db.storage.dirty  # type: ignore[attr-defined]
    ]


def dumps(tables: dict) -> str:
    """A document as the compact UTF-8 JSON the store keeps: what ``json.dumps(tables,
    ensure_ascii=False, separators=(",", ":"))`` writes, made by orjson about five
    times faster (a sign-up re-writes its whole month document)."""
    return orjson.dumps(tables, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def loads(text: str | bytes) -> Any:
    """A stored document's JSON read back (orjson; its errors are ``ValueError``s)."""
    return orjson.loads(text)


def checksum(tables: dict) -> str:
    """A digest of a document's content that does not depend on key order (JSONB sorts)."""
    canonical = json.dumps(tables, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class BackendUnavailable(Exception):
    """The backend cannot be reached now (the database is down or restarting)."""


class Backend(ABC):
    """What a place to keep the store's documents, blobs, lines and locks must do."""

    kind: str = ""
    # Where backups are written (``run.py backup`` and the nightly job).
    backup_dir: Path

    # ------------------------------------------------------------ documents
    @abstractmethod
    def read(self, key: str) -> dict:
        """All tables of a document (raw dicts, from the cache when unchanged). Do not
        mutate. A missing document reads as ``{}``."""

    @abstractmethod
    def version(self, key: str) -> Hashable | None:
        """Something that changes whenever the document does; None when it is missing."""

    @abstractmethod
    def view(self, key: str, name: str, build: Callable[[dict], Any]) -> Any:
        """``build(tables)`` computed once per version of the document, per process.
        ``build`` may annotate the rows it is given, never remove or change fields."""

    @abstractmethod
    def transaction(
        self, *keys: str, reading: Iterable[str] = ()
    ) -> contextlib.AbstractContextManager[tuple[TinyDB, ...]]:
        """TinyDB handles on these documents, changed together: all or nothing. Each
        key is locked (in one fixed order, so two transactions never wait in a circle)
        and read fresh inside the lock. ``reading``: documents the block will read (not
        write, not lock), which may be read together with the locked ones (PostgreSQL:
        in the same round trip, once the locks are held); every read inside the block is
        fresh either way."""

    @abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """The keys of the documents that exist under ``prefix`` (``"audit/"``), sorted."""

    def exists(self, key: str) -> bool:
        return self.version(key) is not None

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a document (under its lock); nothing when it is missing."""

    @abstractmethod
    def district_version(self) -> Hashable:
        """Changes whenever any community's document (or the places) changes."""

    # ------------------------------------------------------------ blobs and lines
    @abstractmethod
    def put_blob(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def get_blob(self, key: str) -> bytes | None: ...

    @abstractmethod
    def delete_blob(self, key: str) -> None: ...

    @abstractmethod
    def blob_keys(self, prefix: str) -> list[str]:
        """The keys of the blobs under ``prefix``, sorted."""

    @abstractmethod
    def append_line(self, key: str, line: str) -> None:
        """Add one line, durably, in one step: a kill leaves it whole or absent. Safe to
        call from a process forked while the store was open."""

    @abstractmethod
    def read_lines(self, key: str) -> list[str]: ...

    @abstractmethod
    def clear_lines(self, key: str) -> None: ...

    # ------------------------------------------------------------ locks
    @abstractmethod
    def lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Hold the named lock across threads, processes and (PostgreSQL) servers."""

    @abstractmethod
    def try_lock(self, name: str) -> contextlib.AbstractContextManager[bool]:
        """Hold the named lock if nobody does; yields whether it was taken. A holder
        that dies (even by SIGKILL) lets go."""

    # ------------------------------------------------------------ the whole store
    @abstractmethod
    def snapshot(self) -> contextlib.AbstractContextManager[Snapshot]:
        """A consistent view of everything, for backups and migrations."""

    @abstractmethod
    def load(self, snapshot: Snapshot, replace: bool = False) -> None:
        """Fill an empty store with everything of ``snapshot`` (ValueError when it is not
        empty), or with ``replace`` put it in place of everything there, all at once."""

    @abstractmethod
    def is_empty(self) -> bool: ...

    @abstractmethod
    def check(self) -> int:
        """Open-time check: finish interrupted work, verify what is stored; returns how
        many interrupted operations were finished. Raises on a store that must not open."""

    @abstractmethod
    def health(self) -> dict:
        """Whether the store can be written now, for /portal/health."""

    def prefetch(self, keys: Iterable[str]) -> None:  # noqa: B027 - a stat needs no batch
        """Within a scope: look up all these documents now, together (one query on
        PostgreSQL rather than one per document when each is first read)."""

    def begin_scope(self) -> None:  # noqa: B027 - reads that cost nothing need no scope
        """From now until ``end_scope`` (one web request), this thread may reuse what it
        has read: each document is looked up at most once, unless this thread writes it."""

    def end_scope(self) -> None:  # noqa: B027
        """The end of the scope ``begin_scope`` opened."""

    def forget_caches(self) -> None:  # noqa: B027 - nothing to drop unless it caches
        """Drop this process's caches (after a restore)."""

    def close(self) -> None:  # noqa: B027 - nothing to close unless it connects
        """Let go of connections; the backend may be used again (it reconnects)."""


class Snapshot(ABC):
    """Everything a store holds, read at one moment."""

    @abstractmethod
    def documents(self) -> Iterator[tuple[str, dict]]: ...

    @abstractmethod
    def blobs(self) -> Iterator[tuple[str, bytes]]: ...

    @abstractmethod
    def lines(self) -> Iterator[tuple[str, list[str]]]: ...


# ---------------------------------------------------------------- the backend in use

_current: ContextVar[Backend | None] = ContextVar("portal_store_backend", default=None)


def use(backend: Backend) -> None:
    """Bind ``backend`` to the running context (a request, a job, a test)."""
    _current.set(backend)


def current() -> Backend:
    backend = _current.get()
    if backend is None:
        raise RuntimeError("store not opened: call store.open_store(...) first")
    return backend


def read(key: str) -> dict:
    return current().read(key)


def version(key: str) -> Hashable | None:
    return current().version(key)


def view(key: str, name: str, build: Callable[[dict], Any]) -> Any:
    return current().view(key, name, build)


def transaction(
    *keys: str, reading: Iterable[str] = ()
) -> contextlib.AbstractContextManager[tuple[TinyDB, ...]]:
    return current().transaction(*keys, reading=reading)


@contextlib.contextmanager
def transaction_one(key: str, reading: Iterable[str] = ()) -> Iterator[TinyDB]:
    """``transaction`` over one document, for the common case."""
    with current().transaction(key, reading=reading) as (db,):
        yield db


def prefetch(keys: Iterable[str]) -> None:
    current().prefetch(keys)


def district_version() -> Hashable:
    return current().district_version()


def keys(prefix: str) -> list[str]:
    return current().keys(prefix)


def exists(key: str) -> bool:
    return current().exists(key)


def lock(name: str) -> contextlib.AbstractContextManager[None]:
    return current().lock(name)


def try_lock(name: str) -> contextlib.AbstractContextManager[bool]:
    return current().try_lock(name)


def change_row(key: str, table: str, row_id: str, change, missing: str) -> dict:
    """Apply ``change(row) -> fields`` to the row with this id in one transaction.

    Returns the row as changed; raises NotFound(missing) when there is no such row.
    ``change`` may raise StoreError to refuse, and then nothing is written.
    """
    with transaction_one(key) as db:
        rows = db.table(table)
        found = rows.get(Query().id == row_id)
        if found is None:
            raise NotFound(missing)
        fields = change(dict(found))
        rows.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)
