"""Backups: a consistent snapshot of the store in one archive format, and restoring one.

The archive is a .tar.gz laid out like the file backend's data folder, whatever
backend wrote it: ``<key>.json`` per document, ``<key>`` per blob (photos),
``<key>.log`` per set of lines. So a backup of the file store restores into
PostgreSQL and the other way round.

The snapshot is consistent on both backends: the file backend holds every
document's lock while it reads (writers wait a moment, readers are not disturbed);
PostgreSQL reads in one REPEATABLE READ transaction (nobody waits).

Restoring checks the whole archive first, keeps a backup of what is there now
(``before-restore-….tar.gz`` in the backup folder), then replaces everything at once.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from . import backend as docs
from .backend import Backend, Snapshot

BACKUP_DIR = "backups"


def backups(folder: Path | None = None) -> list[Path]:
    """Existing backup files in the backup folder, newest first."""
    base = Path(folder) if folder else docs.current().backup_dir
    return sorted(base.glob("backup-*.tar.gz"), reverse=True) if base.exists() else []


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def write_archive(snap: Snapshot, dest: Path) -> dict:
    """Write ``snap`` to ``dest`` atomically; returns the counts of what it holds."""
    counts = {"documents": 0, "blobs": 0, "lines": 0}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for key, tables in snap.documents():
            _add(tar, f"{key}.json", docs.dumps(tables).encode("utf-8"))
            counts["documents"] += 1
        for key, data in snap.blobs():
            _add(tar, key, data)
            counts["blobs"] += 1
        for key, lines in snap.lines():
            _add(tar, f"{key}.log", "".join(f"{x}\n" for x in lines).encode("utf-8"))
            counts["lines"] += 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    return counts


def snapshot(dest: Path | None = None, backend: Backend | None = None) -> Path:
    """Write a consistent .tar.gz of the store; returns its path."""
    backend = backend or docs.current()
    if dest is None:
        dest = backend.backup_dir / f"backup-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    dest = Path(dest)
    with backend.snapshot() as snap:
        write_archive(snap, dest)
    return dest


class ArchiveSnapshot(Snapshot):
    """A backup archive read whole and checked: every document parses as the store's
    JSON and no entry can land outside the store."""

    def __init__(self, archive: Path):
        self._docs: dict[str, dict] = {}
        self._blobs: dict[str, bytes] = {}
        self._lines: dict[str, list[str]] = {}
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar.getmembers():
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts:
                    raise ValueError(f"备份文件中有不安全的条目：{member.name}")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise ValueError(f"备份文件中有不安全的条目：{member.name}")
                handle = tar.extractfile(member)
                assert handle is not None  # a regular file
                data = handle.read()
                key = name.as_posix()
                if name.suffix == ".json":
                    self._docs[key[: -len(".json")]] = _tables(key, data)
                elif name.suffix == ".log":
                    self._lines[key[: -len(".log")]] = data.decode("utf-8").splitlines()
                else:
                    self._blobs[key] = data

    def documents(self) -> Iterator[tuple[str, dict]]:
        return iter(sorted(self._docs.items()))

    def blobs(self) -> Iterator[tuple[str, bytes]]:
        return iter(sorted(self._blobs.items()))

    def lines(self) -> Iterator[tuple[str, list[str]]]:
        return iter(sorted(self._lines.items()))


def _tables(name: str, data: bytes) -> dict:
    try:
        tables = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"备份中的数据文件无法读取：{name}（{exc}）") from None
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise ValueError(f"备份中的数据文件不是 TinyDB 表结构：{name}")
    return tables


def restore(archive: Path, backend: Backend | None = None) -> Path:
    """Replace everything in the store with the archive's content, all at once.

    The archive is checked whole before anything changes; what was there is first saved
    as ``before-restore-….tar.gz`` in the backup folder, whose path is returned. Run it
    with the servers stopped.
    """
    backend = backend or docs.current()
    incoming = ArchiveSnapshot(Path(archive))
    aside = backend.backup_dir / f"before-restore-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    snapshot(aside, backend)
    backend.load(incoming, replace=True)
    return aside


def rotate(keep: int, folder: Path | None = None) -> list[Path]:
    """Keep the newest ``keep`` backups (at least one), remove the older ones; returns
    the removed files."""
    gone = backups(folder)[max(int(keep), 1) :]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
