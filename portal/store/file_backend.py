"""The embedded backend: each document a JSON file in the data folder (``make run``).

The mapping from keys to files is this module's private business::

    document  <key>.json     e.g. communities/<cid>/signups-2026-03.json
    its lock  <key>.json.lock
    blob      <key>          e.g. uploads/<cid>/<name>.jpg
    lines     <key>.log      e.g. outbox/delivered.log
    lock      locks/<name>.lock

What a crash can leave, and how opening repairs it: a single-file write is an
atomic replace (old or new file, never half); a transaction over several files
goes through a journal (``_files.commit``) that ``check`` finishes at open, so a
sign-up's pointer and its month's sign-ups land together or not at all. Temp files
of interrupted writes are removed at open too.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Hashable, Iterator
from pathlib import Path

from . import _files
from .backend import Backend, Snapshot, document_handle, pending_writes

# What a snapshot leaves out: lock files, temp files, backups, the journal.
_SKIP_DIRS = {"backups", "locks", _files.JOURNAL_DIR}
PROBE_BYTES = 4096  # at least one block: an empty file can be created on a full disk
_DISTRICT = "\0district"  # the scope's entry for district_version (no key looks like it)


class FileBackend(Backend):
    kind = "files"

    def __init__(self, folder, backup_dir=None):
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.backup_dir = Path(backup_dir) if backup_dir else self.folder / "backups"
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"FileBackend({str(self.folder)!r})"

    # Paths are built on every read of the hot paths; building each once keeps
    # pathlib's parsing out of each request.
    @functools.lru_cache(maxsize=65536)  # noqa: B019 - backends live as long as the process
    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    # ------------------------------------------------------------ documents
    # A request's scope (begin_scope … end_scope): the stat of each file it has looked
    # at, so a page that reads a document five times stats it once. What this thread
    # writes is dropped from it; other processes' writes are seen by the next request.
    def begin_scope(self) -> None:
        self._local.scope = {}

    def end_scope(self) -> None:
        self._local.scope = None

    def _stat(self, key: str):
        path = self.path(key)
        scope = getattr(self._local, "scope", None)
        # Inside a transaction every read is fresh: decisions taken under a lock (a free
        # place, a shift's capacity) must see what other processes wrote before it.
        if scope is None or self._local.__dict__.get("depth"):
            return path, _files.stat_key(path)
        try:
            return path, scope[key]
        except KeyError:
            found = scope[key] = _files.stat_key(path)
            return path, found

    def _drop_from_scope(self, keys) -> None:
        scope = getattr(self._local, "scope", None)
        if scope:
            for key in keys:
                scope.pop(key, None)
            scope.pop(_DISTRICT, None)

    def read(self, key: str) -> dict:
        return _files.read_tables(*self._stat(key))

    def version(self, key: str) -> Hashable | None:
        return self._stat(key)[1]

    def view(self, key, name, build):
        path, found = self._stat(key)
        return _files.view(path, name, build, found)

    @contextlib.contextmanager
    def transaction(self, *keys: str, reading=()):
        # ``reading`` needs nothing here: a read inside the block stats its file afresh.
        paths = [self.path(k) for k in keys]
        with contextlib.ExitStack() as stack:
            stack.enter_context(_files.gate(self.folder).shared())
            for path in sorted(set(paths)):
                stack.enter_context(_files.file_lock(_files.lock_path(path)))
            dbs = tuple(document_handle(functools.partial(_files.load, p)) for p in paths)
            depth = self._local.__dict__.get("depth", 0)
            self._local.depth = depth + 1
            try:
                yield dbs
                writes = pending_writes(paths, dbs)
                _files.commit(self.folder, writes)
            finally:
                self._local.depth = depth
                self._drop_from_scope(keys)

    def keys(self, prefix: str) -> list[str]:
        head, _slash, _rest = prefix.rpartition("/")
        base = self.folder / head if head else self.folder
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*.json"):
            if path.name.startswith("."):
                continue
            key = path.relative_to(self.folder).as_posix()[: -len(".json")]
            if key.startswith(prefix) and key.split("/", 1)[0] not in _SKIP_DIRS:
                found.append(key)
        return sorted(found)

    def delete(self, key: str) -> None:
        path = self.path(key)
        with _files.gate(self.folder).shared(), _files.file_lock(_files.lock_path(path)):
            path.unlink(missing_ok=True)
            _files.forget(path)
        self._drop_from_scope([key])

    def district_version(self) -> Hashable:
        scope = getattr(self._local, "scope", None)
        if scope is not None and _DISTRICT in scope:
            return scope[_DISTRICT]
        found = _files.stat_key(self.folder / _files.DISTRICT_STAMP)
        if scope is not None:
            scope[_DISTRICT] = found
        return found

    # ------------------------------------------------------------ blobs and lines
    def put_blob(self, key: str, data: bytes) -> None:
        _files.write_atomic(self.folder / key, data)

    def get_blob(self, key: str) -> bytes | None:
        try:
            return (self.folder / key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def delete_blob(self, key: str) -> None:
        (self.folder / key).unlink(missing_ok=True)

    def blob_keys(self, prefix: str) -> list[str]:
        head = prefix.rpartition("/")[0]
        base = self.folder / head if head else self.folder
        if not base.is_dir():
            return []
        found = (p.relative_to(self.folder).as_posix() for p in base.rglob("*") if p.is_file())
        return sorted(
            k for k in found if k.startswith(prefix) and not k.rpartition("/")[2].startswith(".")
        )

    def append_line(self, key: str, line: str) -> None:
        # One write, then fsync: plain system calls, so a forked process can use it.
        path = self.folder / f"{key}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_lines(self, key: str) -> list[str]:
        try:
            return (self.folder / f"{key}.log").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def clear_lines(self, key: str) -> None:
        path = self.folder / f"{key}.log"
        if path.exists():
            with open(path, "r+b") as fh:
                fh.truncate(0)
                os.fsync(fh.fileno())

    # ------------------------------------------------------------ locks
    def lock(self, name: str):
        return _files.file_lock(self.folder / "locks" / f"{name}.lock")

    def try_lock(self, name: str):
        return _files.try_file_lock(self.folder / "locks" / f"{name}.lock")

    # ------------------------------------------------------------ the whole store
    def _files(self) -> list[Path]:
        rows = []
        for dirpath, dirnames, filenames in os.walk(self.folder):
            rel = Path(dirpath).relative_to(self.folder)
            if rel.parts and rel.parts[0] in _SKIP_DIRS:
                dirnames[:] = []
                continue
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".lock", ".tmp", ".stamp")) or name.startswith("."):
                    continue
                rows.append(Path(dirpath) / name)
        return rows

    @contextlib.contextmanager
    def snapshot(self):
        # The store-wide gate, exclusive, while everything is read: no transaction runs
        # meanwhile (writers wait a moment; readers are not disturbed), so no write is
        # half in it.
        with _files.exclusive_gate(self.folder):
            yield _FileSnapshot(self.folder, self._files())

    def load(self, snapshot: Snapshot, replace: bool = False) -> None:
        if not replace:
            if not self.is_empty():
                raise ValueError(f"目标数据目录不是空的：{self.folder}")
            _write_all(self.folder, snapshot)
        else:
            # Written beside the folder, then swapped in: readers see the old store or
            # the new one. The backups stay with the data folder.
            staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.folder.parent))
            try:
                _write_all(staging, snapshot)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            if (self.folder / "backups").is_dir():
                os.replace(self.folder / "backups", staging / "backups")
            old = self.folder.with_name(f".{self.folder.name}.replaced-{os.getpid()}")
            os.replace(self.folder, old)
            os.replace(staging, self.folder)
            shutil.rmtree(old, ignore_errors=True)
        _files.touch_district_stamp(self.folder)
        _files.forget_caches()

    def is_empty(self) -> bool:
        return not any(p.suffix == ".json" for p in self._files())

    def check(self) -> int:
        _files.forget_caches()
        finished = _files.recover(self.folder)
        for path in self._files():
            if path.suffix == ".json":
                _files.check_file(path)
        if not (self.folder / _files.DISTRICT_STAMP).exists():
            _files.touch_district_stamp(self.folder)
        return finished

    def health(self) -> dict:
        """Whether a small file can be written, synced and removed in the data folder."""
        cause = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".health.", suffix=".tmp", dir=self.folder)
            try:
                os.write(fd, b"\0" * PROBE_BYTES)
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(tmp)
        except OSError as exc:
            cause = f"{errno.errorcode.get(exc.errno or 0, exc.errno)}: {exc.strerror}"
        free = None
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(self.folder).free
        return {"error": cause, "free_bytes": free, "backend": self.kind}

    def forget_caches(self) -> None:
        _files.forget_caches()
        if getattr(self._local, "scope", None) is not None:
            self._local.scope = {}


def _write_all(folder: Path, snapshot: Snapshot) -> None:
    for key, tables in snapshot.documents():
        _files.write_atomic(folder / f"{key}.json", json.dumps(tables, ensure_ascii=False))
    for key, data in snapshot.blobs():
        _files.write_atomic(folder / key, data)
    for key, lines in snapshot.lines():
        _files.write_atomic(folder / f"{key}.log", "".join(f"{x}\n" for x in lines))


class _FileSnapshot(Snapshot):
    def __init__(self, folder: Path, files: list[Path]):
        self.folder, self.files = folder, files

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def documents(self) -> Iterator[tuple[str, dict]]:
        for path in self.files:
            if path.suffix == ".json":
                yield self._rel(path)[: -len(".json")], _files.load(path)

    def blobs(self) -> Iterator[tuple[str, bytes]]:
        for path in self.files:
            if path.suffix not in (".json", ".log"):
                yield self._rel(path), path.read_bytes()

    def lines(self) -> Iterator[tuple[str, list[str]]]:
        for path in self.files:
            if path.suffix == ".log":
                yield self._rel(path)[: -len(".log")], path.read_text("utf-8").splitlines()
