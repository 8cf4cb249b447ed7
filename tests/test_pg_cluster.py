"""The private PostgreSQL cluster of the tests (tests/pg_cluster.py, tests/pg_fixtures.py):
a real server, reached through its Unix socket only, one fresh database per test, and
committed data that survives a crash-like stop."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.pg_cluster import PrivateCluster

pytestmark = pytest.mark.processes


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=5)


def _user_tables(url: str) -> list[str]:
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return [row[0] for row in rows]


def test_select_one(pg_url):
    with _connect(pg_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
        assert conn.execute("SHOW fsync").fetchone() == ("on",)


def test_each_database_is_new_and_empty(pg_url, pg_url_factory):
    other = pg_url_factory()
    assert other != pg_url
    assert _user_tables(pg_url) == []
    assert _user_tables(other) == []

    with _connect(pg_url) as conn:
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES ('只在第一个库里')")
        first = conn.execute("SELECT current_database()").fetchone()
    with _connect(other) as conn:
        second = conn.execute("SELECT current_database()").fetchone()
    assert first != second
    assert _user_tables(pg_url) == ["public.notes"]
    assert _user_tables(other) == []


def test_committed_row_survives_an_immediate_stop(pg_cluster, pg_url):
    with _connect(pg_url) as conn:
        conn.execute("CREATE TABLE t (n int)")
        conn.execute("INSERT INTO t VALUES (42)")
        conn.commit()
    log_before = pg_cluster.log.read_text()

    pg_cluster.stop_immediate()
    try:
        assert not pg_cluster.is_running()
        with pytest.raises(psycopg.OperationalError):
            _connect(pg_url)
    finally:
        pg_cluster.start_again()

    assert pg_cluster.is_running()
    # The start really replayed the WAL of a crashed server.
    log_after = pg_cluster.log.read_text()[len(log_before) :]
    assert "automatic recovery in progress" in log_after
    with _connect(pg_url) as conn:
        assert conn.execute("SELECT n FROM t").fetchall() == [(42,)]


def test_restart_later_comes_back(pg_cluster, pg_url):
    thread = pg_cluster.restart_later(0.5)
    with pytest.raises(psycopg.OperationalError):
        _connect(pg_url)
    deadline = time.monotonic() + 30
    while True:
        try:
            with _connect(pg_url) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
            break
        except psycopg.OperationalError:
            assert time.monotonic() < deadline, "集群 30 秒内没有重新启动"
            time.sleep(0.1)
    thread.join(timeout=30)
    assert pg_cluster.is_running()


def test_no_tcp_port_only_a_unix_socket(pg_cluster, pg_url):
    with _connect(pg_url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SHOW port").fetchone() == (str(pg_cluster.port),)
    assert (pg_cluster.folder / f".s.PGSQL.{pg_cluster.port}").is_socket()

    addresses = [(socket.AF_INET, "127.0.0.1")]
    if socket.has_ipv6:
        addresses.append((socket.AF_INET6, "::1"))
    for family, host in addresses:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(5)
            try:
                probe.connect((host, pg_cluster.port))
            except ConnectionRefusedError:
                continue
            except OSError as error:  # e.g. ::1 not configured in this container
                if family == socket.AF_INET6:
                    continue
                raise AssertionError(f"{host}:{pg_cluster.port}: {error}") from error
            raise AssertionError(f"{host}:{pg_cluster.port} 接受了 TCP 连接")


def test_two_clusters_side_by_side(pg_cluster, pg_url):
    folder = Path(tempfile.mkdtemp(prefix="pg-second-"))
    second = PrivateCluster(folder, remove_folder=True)
    try:
        second.start()
        assert second.port != pg_cluster.port
        url = second.create_database("extra")
        with _connect(url) as conn, _connect(pg_url) as mine:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert mine.execute("SELECT 1").fetchone() == (1,)
            theirs = conn.execute("SHOW data_directory").fetchone()
            assert theirs == (str(second.data),)
            assert mine.execute("SHOW data_directory").fetchone() == (str(pg_cluster.data),)
        second.drop_database("extra")
        second.stop()
        assert not second.is_running()
        assert not (folder / f".s.PGSQL.{second.port}").exists()
        assert pg_cluster.is_running()
    finally:
        second.close()
    assert not folder.exists()
