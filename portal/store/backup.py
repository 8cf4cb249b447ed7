"""Backups: a consistent snapshot of the data folder, and restoring one.

A snapshot holds the lock of every store file while it copies them, so no
write is half in it: writers wait a moment, readers are not disturbed. Writers
never hold two file locks at once (a person's lock is not a file lock), so
taking them all in a fixed order cannot deadlock.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from . import _files
from .base import root

BACKUP_DIR = "backups"
# What a snapshot leaves out: lock files, temp files, earlier backups.
_SKIP_DIRS = {BACKUP_DIR, "locks"}


def _members(folder: Path) -> list[Path]:
    rows = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        if rel.parts and rel.parts[0] in _SKIP_DIRS:
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".lock", ".tmp")) or name.startswith("."):
                continue
            rows.append(Path(dirpath) / name)
    return rows


def backups(folder: Path | None = None) -> list[Path]:
    """Existing backup files, newest first."""
    base = Path(folder or root()) / BACKUP_DIR
    return sorted(base.glob("backup-*.tar.gz"), reverse=True) if base.exists() else []


def snapshot(dest: Path | None = None) -> Path:
    """Write a consistent .tar.gz of the data folder; returns its path."""
    folder = root()
    if dest is None:
        dest = folder / BACKUP_DIR / f"backup-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    files = _members(folder)
    with contextlib.ExitStack() as stack:
        for path in sorted(p for p in files if p.suffix == ".json"):
            stack.enter_context(_files.file_lock(path.with_name(path.name + ".lock")))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in _members(folder):  # again, under the locks: files may have appeared
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    return dest


def _check_archive(tar: tarfile.TarFile) -> None:
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise ValueError(f"备份文件中有不安全的条目：{member.name}")


def restore(archive: Path, data_dir: Path) -> Path:
    """Replace data_dir's contents with the archive's; the old contents are kept aside.

    Every store file in the archive is checked before anything is replaced.
    Returns the folder where the previous data was moved. Run it with the server stopped.
    """
    archive, data_dir = Path(archive), Path(data_dir).resolve()
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir.parent))
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            _check_archive(tar)
            tar.extractall(staging, filter="data")
        for path in staging.rglob("*.json"):
            _files.check_file(path)
    except (tarfile.TarError, OSError, ValueError, _files.CorruptFile, json.JSONDecodeError):
        shutil.rmtree(staging, ignore_errors=True)
        raise
    aside = data_dir.with_name(f"{data_dir.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    if data_dir.exists():
        os.replace(data_dir, aside)
        # Earlier backups stay with the data folder.
        if (aside / BACKUP_DIR).exists():
            shutil.copytree(aside / BACKUP_DIR, staging / BACKUP_DIR, dirs_exist_ok=True)
    os.replace(staging, data_dir)
    _files.forget_caches()
    return aside


def rotate(keep: int, folder: Path | None = None) -> list[Path]:
    """Keep the newest ``keep`` backups (at least one), remove the older ones; returns
    the removed files."""
    gone = backups(folder)[max(int(keep), 1) :]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
