"""Safe TinyDB files, the file backend's machinery: atomic writes, locks, a journal, caches.

TinyDB's own JSONStorage rewrites its file in place and keeps no lock, so two
gunicorn workers (or a crash mid-write) can destroy data. The file backend
(``file_backend.py``) keeps every document through this module instead:

* ``write_atomic`` writes to a temp file, fsyncs it and ``os.replace``-s it over
  the old one, then fsyncs the folder: a reader or a crash sees either the old
  file or the new one, never half of each.
* ``file_lock`` holds an ``flock`` on ``<file>.lock`` (blocking, so a waiter wakes
  the moment the holder is done) for a whole read-modify-write.
* ``commit`` writes one file directly and several through a journal slot in
  ``journal/`` (``_journal.py``); ``recover`` (at open) finishes a record a crash
  left behind, so a change of several files is all or nothing.
* ``read_tables(path)`` serves plain reads from a per-process cache keyed by the
  file's inode, size and mtime: every write replaces the inode, so a write by
  another process is seen on the next read at the cost of one ``stat``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import orjson

from . import _journal
from .backend import dumps, loads, touches_district


class CorruptFile(Exception):
    """A data file exists but cannot be read as the store's JSON."""

    def __init__(self, path: Path, detail: str):
        self.path = Path(path)
        super().__init__(f"数据文件已损坏或无法读取：{path}（{detail}）")


# Per-process cache: path -> _Entry, least recently used first. It is bounded by
# the bytes of the files it holds, so a worker that has touched every file of the
# district keeps only the ones in use (the recent months), not the whole history.
MAX_CACHED_BYTES = 48 * 1024 * 1024
_cache: OrderedDict[str, _Entry] = OrderedDict()
_cached_bytes = 0
_thread_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()
_cache_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # A process forked while another thread held one of these locks would wait on it
    # forever; the child starts with fresh ones (and an empty cache) instead.
    global _registry_lock, _cache_lock, _cached_bytes
    _registry_lock, _cache_lock = threading.Lock(), threading.Lock()
    _thread_locks.clear()
    _gates.clear()  # the parent's shared holds are the parent's (the child holds none)
    _cache.clear()
    _cached_bytes = 0


os.register_at_fork(after_in_child=_after_fork_in_child)


def stat_key(path: Path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def load(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CorruptFile(path, str(exc)) from None
    if not raw.strip():
        raise CorruptFile(path, "文件为空")
    try:
        data = loads(raw)  # also refuses bytes that are not UTF-8
    except ValueError as exc:
        raise CorruptFile(path, f"JSON 解析失败：{exc}") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise CorruptFile(path, "内容不是 TinyDB 表结构")
    return data


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Called after each file is replaced; tests set it to kill the process between two
# writes of one operation.
after_write: Callable[[Path], None] | None = None


def write_atomic(path: Path, content: str | bytes) -> None:
    """Replace path's content (text as UTF-8, or bytes such as a photo) so that a crash
    leaves the old or the new file, never a part of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    if after_write is not None:
        after_write(path)


class _Entry:
    """One file's parsed tables and the views built from them, for one version of it."""

    __slots__ = ("key", "tables", "views")

    def __init__(self, key, tables):
        self.key, self.tables, self.views = key, tables, {}


def _entry(path: Path, key) -> _Entry:
    global _cached_bytes
    name = str(path)
    with _cache_lock:
        hit = _cache.get(name)
        if hit is not None and hit.key == key:
            _cache.move_to_end(name)
            return hit
    entry = _Entry(key, load(Path(path)))
    with _cache_lock:
        old = _cache.pop(name, None)
        _cached_bytes += key[1] - (old.key[1] if old else 0)
        _cache[name] = entry
        while _cached_bytes > MAX_CACHED_BYTES and len(_cache) > 1:
            _gone, evicted = _cache.popitem(last=False)
            _cached_bytes -= evicted.key[1]
    return entry


def _forget(path: Path) -> None:
    global _cached_bytes
    with _cache_lock:
        old = _cache.pop(str(path), None)
        if old is not None:
            _cached_bytes -= old.key[1]


def read_tables(path: Path, key=False) -> dict:
    """All tables of a file (raw dicts), from cache unless the file changed. Do not mutate.
    ``key``: the file's ``stat_key`` when the caller has it already (None: missing)."""
    key = stat_key(path) if key is False else key
    return _entry(path, key).tables if key else {}


def view(path: Path, name: str, build, key=False):
    """``build(tables)`` computed once per version of the file and cached per process.

    Costs one ``stat`` when nothing changed (none when the caller gives ``key``, the
    file's ``stat_key``). ``build`` may annotate the raw rows it is given (they belong
    to this cache), but must not remove or change their fields.
    """
    key = stat_key(path) if key is False else key
    if key is None:
        return build({})
    entry = _entry(path, key)
    try:
        return entry.views[name]
    except KeyError:
        value = entry.views[name] = build(entry.tables)
        return value


def _apply(folder: Path, writes: list[tuple[Path, str]]) -> None:
    district = False
    for path, text in writes:
        try:
            write_atomic(path, text)
        finally:
            # Whatever happened, the next plain read must look at the disk again.
            _forget(path)
        rel = path.relative_to(folder).as_posix()
        district = district or touches_district(rel.removesuffix(".json"))
    if district:
        touch_district_stamp(folder)


def commit(folder: Path, writes: list[tuple[Path, dict]]) -> None:
    """Write what a transaction changed: one file directly; several through a journal.

    For several files the record of every file's new content is made durable in one of
    this process's journal slots (``_journal``) before the first file is replaced; the
    files are then replaced and made durable, and the record marked done, all under the
    files' locks. A crash in between leaves the record, and ``recover`` finishes its
    writes, so an operation on several files is all-or-nothing.
    """
    texts = [(path, dumps(tables)) for path, tables in writes]
    if len(texts) <= 1:
        _apply(folder, texts)
        return
    record = {"writes": [[str(path.relative_to(folder)), text] for path, text in texts]}
    slot = _journal.take(folder / JOURNAL_DIR)
    replaced = 0
    try:
        slot.write(orjson.dumps(record))
        if after_write is not None:
            after_write(slot.path)
        for _path in _replace_all(folder, texts):
            replaced += 1
        slot.done()
    except BaseException:
        if replaced == 0:
            # No file was touched: the record must not be replayed later (the caller
            # reports that nothing was saved). Voided, the slot can serve again.
            with contextlib.suppress(OSError):
                slot.done()
                _journal.give_back(slot)
        raise
    _journal.give_back(slot)


def _replace_all(folder: Path, texts: list[tuple[Path, str]]):
    """Replace each file (temp file, rename), then make them all durable: their data,
    then their folders. Yields each path once it is replaced. Syncing after the renames
    rather than before each one lets the file system commit them together; the record
    in the journal covers a crash before the end."""
    opened: list[int] = []
    folders: dict[str, Path] = {}
    district = False
    try:
        for path, text in texts:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            opened.append(fd)
            try:
                data = text.encode("utf-8")
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            finally:
                _forget(path)
            folders[str(path.parent)] = path.parent
            rel = path.relative_to(folder).as_posix()
            district = district or touches_district(rel.removesuffix(".json"))
            if after_write is not None:
                after_write(path)
            yield path
        for fd in opened:
            os.fsync(fd)
        for parent in folders.values():
            _fsync_dir(parent)
    finally:
        for fd in opened:
            os.close(fd)
    if district:
        touch_district_stamp(folder)


JOURNAL_DIR = "journal"
DISTRICT_STAMP = "communities.stamp"


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def touch_district_stamp(folder: Path) -> None:
    """Mark that some community's posts, shifts or sign-ups changed (in any process).

    Readers of district-wide lists stat this one file instead of every community's
    files; its modification time is all it carries, so no fsync is needed.
    """
    path = Path(folder) / DISTRICT_STAMP
    stamp = time.time_ns()
    try:
        os.utime(path, ns=(stamp, stamp))
    except FileNotFoundError:
        path.touch()


class _Gate:
    """The store-wide gate of one data folder: every transaction of this process holds it
    shared (one ``flock(LOCK_SH)`` on one descriptor, however many threads are inside),
    a snapshot holds it exclusive. So a snapshot waits until no transaction of any process
    is running, and none starts until it is done — with one descriptor, not one per file
    (a district has tens of thousands of documents; a process may open far fewer files)."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.count = 0
        self.fd: int | None = None

    @contextlib.contextmanager
    def shared(self):
        with self.lock:
            if self.count == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a snapshot is being taken
                self.fd = fd
            self.count += 1
        try:
            yield
        finally:
            with self.lock:
                self.count -= 1
                if self.count == 0 and self.fd is not None:
                    os.close(self.fd)  # closing releases the shared flock
                    self.fd = None


_gates: dict[str, _Gate] = {}


def gate(folder: Path) -> _Gate:
    with _registry_lock:
        found = _gates.get(str(folder))
        if found is None:
            found = _gates[str(folder)] = _Gate(Path(folder) / "locks" / "store.gate")
        return found


@contextlib.contextmanager
def exclusive_gate(folder: Path):
    """Hold the data folder's gate alone (a snapshot): no transaction runs meanwhile."""
    path = Path(folder) / "locks" / "store.gate"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _thread_lock(path: Path) -> threading.Lock:
    with _registry_lock:
        return _thread_locks.setdefault(str(path), threading.Lock())


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold an exclusive lock on the lock file ``path``, across threads and processes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock


@contextlib.contextmanager
def try_file_lock(path: Path):
    """Hold an exclusive lock on ``path`` if nobody holds it; yields whether it was taken.

    Each call opens its own descriptor, so another thread of this process holding it
    counts as somebody; the kernel lets go when the holder dies (even SIGKILL).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)


def recover(folder: Path) -> int:
    """Finish the writes of operations a crash interrupted; remove their temp files.

    Run when the store opens. A journal slot still locked belongs to a live process and
    is left to it; a dead process's slot with a record not marked done is replayed under
    the files' locks, then removed. Journal files of the earlier format
    (``journal/*.json``, one per transaction) are finished the same way. Returns how
    many records were finished.
    """
    finished = 0
    with _journal.abandoned(folder / JOURNAL_DIR) as slots:
        for _path, body in slots:
            if body is not None:
                _replay(folder, json.loads(body.decode("utf-8")))
                finished += 1
    for journal in sorted((folder / JOURNAL_DIR).glob("*.json")):
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # its owner finished it meanwhile
        except ValueError:
            continue  # never happens: a journal is written atomically
        if _replay(folder, record, journal):
            finished += 1
    _remove_temp_files(folder)
    return finished


def _replay(folder: Path, record: dict, journal: Path | None = None) -> bool:
    """Write every file of a record under the files' locks; a journal file (the earlier
    format) only if it is still there once they are held (its owner removes it before
    letting go of them), and then removed."""
    writes = [(folder / rel, text) for rel, text in record["writes"]]
    with contextlib.ExitStack() as stack:
        for path, _text in sorted(writes):
            stack.enter_context(file_lock(lock_path(path)))
        if journal is not None and not journal.exists():
            return False
        _apply(folder, writes)
        if journal is not None:
            journal.unlink()
    return True


_TEMP_GRACE_SECONDS = 600


def _remove_temp_files(folder: Path) -> None:
    """Temp files a crash left behind. One whose file's lock is free is nobody's; others
    (photos, which have no lock) only when they are old enough to be nobody's."""
    now = time.time()
    for tmp in folder.rglob(".*.tmp"):
        target = tmp.name[1:].rsplit(".", 2)[0]
        lock = tmp.with_name(target + ".lock")
        if lock.exists():
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            else:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            finally:
                os.close(fd)
        elif now - tmp.stat().st_mtime > _TEMP_GRACE_SECONDS:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def check_file(path: Path) -> None:
    """Raise CorruptFile if path exists and is not a readable store file."""
    load(Path(path))


def forget(path: Path) -> None:
    _forget(path)


def forget_caches() -> None:
    """Drop every cached file and view (used when the data folder is switched)."""
    global _cached_bytes
    with _cache_lock:
        _cache.clear()
        _cached_bytes = 0
