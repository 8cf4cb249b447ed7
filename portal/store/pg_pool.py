"""A small connection pool for the PostgreSQL backend: no background threads, and a
database that comes back is used again on the very next request.

Why not psycopg_pool: its pool refills itself from a background thread that, after the
database went away, retries with a growing back-off, so requests kept failing for
seconds after the database was back; and its threads do not survive ``fork`` (the mail
sender forks). Here a request that finds no idle connection opens one itself, so
recovery is as fast as one connect; broken connections are dropped when returned.
At most ``max_size`` connections are open per process; a request waits ``timeout``
seconds for one, then fails like a database that cannot be reached.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import psycopg
from psycopg import pq


class PoolTimeout(psycopg.OperationalError):
    """Every connection of this process is in use and none came free in time."""


class ConnectionPool:
    def __init__(self, url: str, max_size: int = 12, timeout: float = 5.0):
        self.url, self.timeout = url, timeout
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_size)
        self._closed = False

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if not self._slots.acquire(timeout=self.timeout):
            raise PoolTimeout("数据库连接已用尽")
        conn = None
        try:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = self._connect()
            yield conn
        finally:
            if conn is not None:
                self._give_back(conn)
            self._slots.release()

    def _give_back(self, conn: psycopg.Connection) -> None:
        healthy = (
            not self._closed
            and not conn.closed
            and conn.pgconn.status == pq.ConnStatus.OK
            and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
        )
        if healthy:
            with self._lock:
                self._idle.append(conn)
        else:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(psycopg.Error):
                conn.close()
