"""The file backend's journal slots: where a transaction over several files is made
durable before any of its files is replaced.

A transaction over several files (a first sign-up of the month writes the month's
sign-ups and the person's pointer) must land whole or not at all. ``_files.commit``
writes its *record* (every file's new content) here first, replaces the files, makes
them durable, and then marks the record done; ``_files.recover`` replays a record
that is not done when its writer is gone.

Each record goes to a *slot*: a file of this process in ``journal/``, filled with
zeros once when it is made and then overwritten in place. Overwriting blocks a file
already has and ``fdatasync`` change no file-system metadata, so making a record
durable, and marking it done, each cost one data write and flush, not a commit of
the file system's own journal as creating, renaming and removing a journal file did
(three of them per transaction, each waiting for every other writer's metadata).

A slot is held with ``flock`` for as long as its process lives: a locked slot
belongs to a live writer and recovery leaves it alone; a slot whose lock is free was
left by a dead process and is replayed (when its record is not done) and removed.

Layout: a 32-byte header (magic, state, body length, BLAKE2b digest of the body),
then the body (UTF-8 JSON). A torn write fails the digest and counts as no record:
the files are replaced only after the record is durable.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"PJS1"
READY, DONE = b"R", b"D"
_HEADER = struct.Struct(">4sc3xQ16s")  # magic, state, padding, body length, digest
SLOT_BYTES = 1 << 20  # enough for a sign-up's two documents many times over
_ZEROS = bytes(64 * 1024)


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


def _fill_zeros(fd: int, start: int, end: int) -> None:
    """Write real zeros (not a hole or an unwritten extent: writing into those later
    would change metadata again)."""
    pos = start
    while pos < end:
        pos += os.pwrite(fd, _ZEROS[: min(len(_ZEROS), end - pos)], pos)


class Slot:
    """One preallocated journal file of this process, used by one transaction at a time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / f"slot-{os.getpid()}-{secrets.token_hex(4)}.wal"
        folder.mkdir(parents=True, exist_ok=True)
        # Made under another name and renamed once locked and filled: recovery only
        # looks at slot-*.wal, so it never takes a slot being made for a dead one's.
        making = folder / f".{self.path.name}.tmp"
        fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # ours until the process ends
            _fill_zeros(fd, 0, SLOT_BYTES)
            os.fsync(fd)
            os.replace(making, self.path)
            _fsync_dir(folder)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(making)
            raise
        self.fd, self.size = fd, SLOT_BYTES

    def write(self, body: bytes) -> None:
        """Make the record durable (state READY)."""
        need = _HEADER.size + len(body)
        if need > self.size:  # a rare large transaction: grow once, durably
            size = max(need, 2 * self.size)
            _fill_zeros(self.fd, self.size, size)
            os.fsync(self.fd)
            self.size = size
        header = _HEADER.pack(MAGIC, READY, len(body), _digest(body))
        os.pwrite(self.fd, header + body, 0)
        os.fdatasync(self.fd)

    def done(self) -> None:
        """Mark the record done, durably: its files are durable and it must never be
        replayed over a later write. The header is one sector, written whole."""
        os.pwrite(self.fd, _HEADER.pack(MAGIC, DONE, 0, b"\0" * 16), 0)
        os.fdatasync(self.fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_free: dict[str, list[Slot]] = {}
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # The parent's slots are the parent's: a child writing into them would mix records.
    global _lock
    _lock = threading.Lock()
    for slots in _free.values():
        for slot in slots:
            with contextlib.suppress(OSError):
                os.close(slot.fd)  # the parent's descriptor keeps its lock
    _free.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def take(folder: Path) -> Slot:
    """A slot of this process in ``folder`` for one transaction (``give_back`` after it)."""
    with _lock:
        pool = _free.get(str(folder))
        if pool:
            return pool.pop()
    return Slot(folder)


def give_back(slot: Slot) -> None:
    """Return a slot whose record is done. A slot whose record may still be pending is
    never given back: it stays locked and unused until the process ends, and then
    recovery replays its record."""
    with _lock:
        _free.setdefault(str(slot.folder), []).append(slot)


def read_record(path: Path) -> bytes | None:
    """The body of the slot's record when it is READY and whole; else None."""
    with open(path, "rb") as fh:
        head = fh.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return None
        magic, state, length, digest = _HEADER.unpack(head)
        if magic != MAGIC or state != READY:
            return None
        body = fh.read(length)
    return body if len(body) == length and _digest(body) == digest else None


@contextlib.contextmanager
def abandoned(folder: Path) -> Iterator[list[tuple[Path, bytes | None]]]:
    """The slots of dead processes (their locks are free), each with its pending record
    or None, held locked during the block; the caller replays them, then they are removed."""
    held: list[tuple[Path, int]] = []
    found: list[tuple[Path, bytes | None]] = []
    try:
        for path in sorted(folder.glob("slot-*.wal")):
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # a live process's slot
                continue
            held.append((path, fd))
            found.append((path, read_record(path)))
        yield found
        for path, _fd in held:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        if held:
            _fsync_dir(folder)
    finally:
        for _path, fd in held:
            os.close(fd)
