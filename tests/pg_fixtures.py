"""pytest plugin: a real, private PostgreSQL cluster per test process (see tests/pg_cluster.py).

Fixtures:
- `pg_cluster` (session): this process's `PrivateCluster`, started once (one per xdist
  worker, each in its own temp folder), stopped and removed at the end of the session.
- `pg_url` (function): the URL of a fresh, empty database made for this test, dropped after it.
- `pg_url_factory` (function): `make(template=None) -> url` for more databases in one
  test; each is dropped after the test.

A test may stop the cluster (`stop_immediate()`, `restart_later()`); the database
fixtures start it again if they find it stopped, so later tests in the process get it back.
"""

from __future__ import annotations

import atexit
import fcntl
import itertools
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import PrivateCluster, find_bindir

DEPS_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres-deps.sh"

_names = itertools.count(1)


def _bindir() -> Path:
    """find_bindir(), after running .ci/postgres-deps.sh once if PostgreSQL is missing.

    xdist workers start at the same moment: a lock file makes one of them install while
    the others wait, then find what it installed."""
    try:
        return find_bindir()
    except RuntimeError:
        pass
    lock_path = Path(tempfile.gettempdir()) / "portal-postgres-deps.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return find_bindir()
        except RuntimeError:
            pass
        result = subprocess.run(["bash", str(DEPS_SCRIPT)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(
                f"{DEPS_SCRIPT.name} 失败（退出码 {result.returncode}）：\n"
                f"{result.stdout}{result.stderr}"
            )
        return find_bindir()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PrivateCluster]:
    """This test process's private PostgreSQL cluster, running."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # mkdtemp under TMPDIR (/tmp or /dev/shm: both world-traversable, so the postgres
    # user reaches the folder when we are root); not tmp_path, whose parents are 0700.
    folder = Path(tempfile.mkdtemp(prefix=f"pg-{worker}-"))
    cluster = PrivateCluster(folder, bindir=_bindir(), remove_folder=True)
    # If the session ends without running fixture teardown, atexit still stops the
    # server and removes the folder; a killed process (SIGKILL, os._exit) is covered by
    # the cluster's watchdog.
    atexit.register(cluster.close)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
        atexit.unregister(cluster.close)


def _ensure_running(cluster: PrivateCluster) -> None:
    if not cluster.is_running():
        cluster.start_again()


@pytest.fixture
def pg_url_factory(
    pg_cluster: PrivateCluster, request: pytest.FixtureRequest
) -> Iterator[Callable[..., str]]:
    """`make(template=None) -> url`: a new database per call, all dropped after the test."""
    _ensure_running(pg_cluster)
    made: list[str] = []
    label = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")

    def make(template: str | None = None) -> str:
        name = f"t{next(_names)}_{label}"[:63]
        url = pg_cluster.create_database(name, template=template)
        made.append(name)
        return url

    yield make
    _ensure_running(pg_cluster)
    for name in made:
        pg_cluster.drop_database(name)


@pytest.fixture
def pg_url(pg_url_factory: Callable[..., str]) -> str:
    """The libpq URL of a fresh, empty database for this test (dropped after it)."""
    return pg_url_factory()
