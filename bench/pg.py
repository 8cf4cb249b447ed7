"""The PostgreSQL side of the bench: a private cluster for one run, and the migration.

The cluster is ``tests/pg_cluster.py``'s ``PrivateCluster`` (initdb in a temp folder, a
Unix socket only, no TCP port): the same server the tests use, with the settings they
use (fsync and synchronous commit on). Its watchdog stops it even if the bench is
killed, and ``close()`` removes its folder, so no postgres process outlives the run.

Each generated file store is copied into a fresh database with ``store.copy_store``
(what ``python run.py migrate-store --to URL`` does); the largest one is also copied
back into an empty folder and the checksums of both folders are compared: the
migration round trip on the bench store.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

SETTINGS = {
    # Keep the whole bench database in PostgreSQL's own cache, as a server sized for a
    # district would; the tests' 64 MB would have every worker re-read bodies from the
    # OS cache. Everything else stays as the tests run it (fsync, synchronous commit).
    "shared_buffers": "512MB",
}


OPEN_FILES = 262_144


def raise_open_files() -> tuple[int, int]:
    """Raise this process's limit on open files as far as allowed; returns (before, after).

    ``FileBackend.snapshot`` (used by ``copy_store`` and ``store_digests``) holds the
    lock file of every document open at once: the full bench store has about 22,500
    documents, more than a common limit (1,024 soft; 20,000 on the bench machine)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in ((OPEN_FILES, max(hard, OPEN_FILES)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, want)
            break
        except (ValueError, OSError):
            continue
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def bindir_or_none() -> Path | None:
    from tests.pg_cluster import find_bindir

    try:
        return find_bindir()
    except RuntimeError:
        return None


def server_version(bindir: Path) -> str:
    import subprocess

    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True)
    found = re.search(r"\) (\d+[.\d]*)", out.stdout)  # "postgres (PostgreSQL) 15.18 (…)"
    return found.group(1) if found else "?"


class Cluster:
    """A PrivateCluster started for this run, stopped and removed by ``close``."""

    def __init__(self):
        from tests.pg_cluster import PrivateCluster

        # Directly in the temp folder: as root the server runs as postgres, which must be
        # able to enter every parent folder (a mkdtemp folder is 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.cluster = PrivateCluster(self.folder, remove_folder=True)
        self.version = server_version(self.cluster.bindir)

    def start(self) -> Cluster:
        self.cluster.start()
        with open(self.cluster.data / "postgresql.conf", "a") as conf:
            conf.write("\n# bench/pg.py\n")
            for name, value in SETTINGS.items():
                conf.write(f"{name} = {value}\n")
        self.cluster.stop()
        self.cluster.start_again()
        return self

    def create_database(self, name: str) -> str:
        return self.cluster.create_database(name)

    def settings(self) -> dict:
        import psycopg

        names = ("shared_buffers", "fsync", "synchronous_commit", "max_connections")
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}  # type: ignore[index]

    def close(self) -> None:
        self.cluster.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


def folder_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


def _documents(folder: Path) -> int:
    return sum(
        name.endswith(".json") for _dirpath, _dirs, files in os.walk(folder) for name in files
    )


def folder_backend(folder: Path, documents: int | None = None):
    """The file backend of ``folder`` for ``copy_store`` and ``store_digests``, with the
    product's own snapshot (one store-wide gate, whatever the number of documents).
    Returns (backend, True); ``documents`` is accepted for the callers' sake."""
    from portal import store

    return store.open_backend(folder), True


def migrate(folder: Path, url: str) -> dict:
    """Copy the file store in ``folder`` into the empty database at ``url`` (schema made
    first, as ``run.py init-db``); returns counts and seconds."""
    from portal import store

    t = time.perf_counter()
    store.init_database(url)
    init_seconds = time.perf_counter() - t
    (source, locked), target = folder_backend(folder), store.open_backend(url)
    t = time.perf_counter()
    counts = store.copy_store(source, target)
    seconds = time.perf_counter() - t
    target.close()
    return {
        "counts": counts,
        "seconds": seconds,
        "locked_snapshot": locked,
        "init_seconds": init_seconds,
        "folder_bytes": folder_bytes(folder),
        "database_bytes": database_bytes(url),
    }


def round_trip(folder: Path, url: str, back: Path) -> dict:
    """Copy the database back into the empty folder ``back`` and compare the checksums of
    every document, blob and set of lines with those of the original folder."""
    from portal import store

    source = store.open_backend(url)
    target, _locked = folder_backend(back, documents=_documents(folder))
    t = time.perf_counter()
    counts = store.copy_store(source, target)
    seconds = time.perf_counter() - t
    t = time.perf_counter()
    original = store.store_digests(folder_backend(folder)[0])
    digest_seconds = time.perf_counter() - t
    returned = store.store_digests(target)
    in_database = store.store_digests(source)
    source.close()
    differ = {
        kind: sorted(
            k
            for k in original[kind].keys() | returned[kind].keys()
            if original[kind].get(k) != returned[kind].get(k)
        )
        for kind in original
    }
    return {
        "counts": counts,
        "seconds": seconds,
        "digest_seconds": digest_seconds,
        "equal": original == returned == in_database,
        "differ": {k: v[:5] for k, v in differ.items() if v},
        "back_bytes": folder_bytes(back),
    }
