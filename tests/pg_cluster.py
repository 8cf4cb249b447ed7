"""A private, throwaway PostgreSQL cluster for the tests.

The tests need a real PostgreSQL server (no mocks), but no system service: each test
process runs its own cluster in a temp folder, made by `initdb` and driven by `pg_ctl`.
It listens on no TCP port at all, only on a Unix socket inside its folder, and trusts
every local connection, so several clusters (one per xdist worker) coexist without
ports, passwords or shared state.

`initdb` and `pg_ctl` refuse to run as root; as root they run as the `postgres` user
(`runuser -u postgres --`) on a folder handed over to that user.

This module imports nothing from `portal`: it is test infrastructure, usable by any
test or fixture (see tests/pg_fixtures.py), and it must not depend on the code under test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

# Linux limits a Unix socket's path (sun_path) to 107 bytes plus the final NUL.
_MAX_SOCKET_PATH = 107


def find_bindir() -> Path:
    """The folder of `initdb` and `pg_ctl`: Debian's highest installed version, else
    whatever `pg_config --bindir` says."""
    candidates = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        version = initdb.parent.parent.name
        key = tuple(int(part) for part in re.findall(r"\d+", version))
        candidates.append((key, initdb.parent))
    if candidates:
        return max(candidates)[1]
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and (bindir / "initdb").is_file():
            return bindir
    raise RuntimeError(
        "找不到 PostgreSQL 的 initdb（/usr/lib/postgresql/*/bin/ 和 pg_config --bindir 都没有）："
        "请以 root 运行 .ci/postgres-deps.sh 安装 Debian 的 postgresql 软件包。"
    )


def _free_port() -> int:
    """A port number no TCP socket on this host uses right now.

    The server opens no TCP socket; the number only names its Unix socket
    (`.s.PGSQL.<port>`) and goes into the URL. A free TCP port still makes the number
    distinct per cluster, and lets a test check that nothing answers on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateCluster:
    """A PostgreSQL cluster in `folder`: data in `folder/data`, the Unix socket and the
    server log (`folder/server.log`) directly in `folder`.

    `start()` creates and starts it; `stop()` / `stop_immediate()` and `start_again()`
    stop and restart the same data directory. `close()` stops it for good, and removes
    the folder if `remove_folder` is set.
    """

    def __init__(self, folder: Path, bindir: Path | None = None, *, remove_folder: bool = False):
        self.folder = Path(folder).absolute()
        # Whether close() (or the watchdog, if this process dies) removes the folder.
        self.remove_folder = remove_folder
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.bindir = bindir or find_bindir()
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._watchdog: subprocess.Popen | None = None
        self._watchdog_pipe: int | None = None

    # ------------------------------------------------------------------ processes

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bindir / program), *args]
        if self.as_root:
            return ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        # cwd: as root the child runs as postgres, which may not enter the caller's cwd.
        result = subprocess.run(
            self._command(program, *args),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} 失败（退出码 {result.returncode}）：\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n--- server.log ---\n" + "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """initdb a new cluster in the folder, configure it and start it."""
        socket_path = self.folder / f".s.PGSQL.{self.port}"
        if len(os.fsencode(socket_path)) > _MAX_SOCKET_PATH:
            raise RuntimeError(
                f"Unix socket 路径太长（最多 {_MAX_SOCKET_PATH} 字节）：{socket_path}"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            self._hand_folder_to_postgres()
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            # Skips only initdb's own final fsync of the fresh files: a test never
            # survives an OS crash. The server itself runs with fsync=on.
            "--no-sync",
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": _conf_string(str(self.folder)),
            "port": str(self.port),
            "max_connections": "300",
            "shared_buffers": "64MB",
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
            "logging_collector": "off",
            "log_line_prefix": "'%m [%p] %q%u@%d '",
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# Private test cluster (tests/pg_cluster.py); later lines win.\n")
            for name, value in settings.items():
                conf.write(f"{name} = {value}\n")
        self.start_again()
        self._start_watchdog()

    def _hand_folder_to_postgres(self) -> None:
        """As root: the folder belongs to postgres, and postgres must reach it."""
        self.folder.chmod(0o755)
        for path in [self.folder, *self.folder.rglob("*")]:
            shutil.chown(path, "postgres", "postgres")
        probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(self.folder)])
        if probe.returncode != 0:
            raise RuntimeError(
                f"postgres 用户进不去 {self.folder}：它的上级目录必须允许其他用户进入（o+x）。"
                "请把集群放在 /tmp 或 /dev/shm 下（TMPDIR）。"
            )

    def start_again(self) -> None:
        """Start the server on the existing data directory (after a stop or a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`smart`, `fast` or `immediate`); nothing if it is not running."""
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def stop_immediate(self) -> None:
        """Stop like a crash: every server process quits at once, without a checkpoint;
        the next start replays the WAL."""
        self.stop("immediate")

    def restart_later(self, delay: float) -> threading.Thread:
        """Stop the server at once (like a crash) and start it again after `delay`
        seconds, in a background thread; join the thread to wait for the restart."""
        self.stop_immediate()

        def restart():
            time.sleep(delay)
            self.start_again()

        thread = threading.Thread(target=restart, name="pg-restart", daemon=True)
        thread.start()
        return thread

    def is_running(self) -> bool:
        """Whether the postmaster of this data directory is alive (what `pg_ctl status`
        checks: the pid in postmaster.pid names a live process)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # alive, owned by another user (postgres, when we are not root)
        return True

    def close(self) -> None:
        """Stop the server if it runs, end the watchdog, remove the folder if asked to."""
        try:
            self.stop()
        finally:
            self._stop_watchdog()
            if self.remove_folder:
                shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ watchdog

    def _start_watchdog(self) -> None:
        """A tiny shell that outlives us only to clean up: it waits for the end of a pipe
        whose writing end only this process holds; when that closes (a normal close(),
        or this process dying in any way, even SIGKILL), it stops the server at once if
        it is still running, and removes the folder if `remove_folder` is set. atexit
        alone misses killed processes."""
        read_end, write_end = os.pipe()  # both non-inheritable: no other child keeps them
        script = (
            'data=$1; remove=$2; shift 2; read -r _ || :; if [ -f "$data/postmaster.pid" ]; then '
            '"$@" >/dev/null 2>&1; fi; if [ -n "$remove" ]; then rm -rf -- "$remove"; fi'
        )
        remove = str(self.folder) if self.remove_folder else ""
        stop = self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        try:
            self._watchdog = subprocess.Popen(
                ["sh", "-c", script, "pg-watchdog", str(self.data), remove, *stop],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,  # a Ctrl-C to pytest's process group spares it
            )
        finally:
            os.close(read_end)
        self._watchdog_pipe = write_end

    def _stop_watchdog(self) -> None:
        if self._watchdog_pipe is not None:
            os.close(self._watchdog_pipe)
            self._watchdog_pipe = None
        if self._watchdog is not None:
            try:
                self._watchdog.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._watchdog.kill()
                self._watchdog.wait()
            self._watchdog = None

    # ------------------------------------------------------------------ databases

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL for `dbname` over this cluster's Unix socket, as user postgres."""
        host = quote(str(self.folder), safe="")
        return f"postgresql://postgres@/{quote(dbname, safe='')}?host={host}&port={self.port}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10)

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE `name` (from `template`, else template1); returns its URL."""
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        with self._admin() as conn:
            conn.execute(query)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE `name`, ending its open connections first (WITH (FORCE))."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with self._admin() as conn:
            conn.execute(query)


def _conf_string(value: str) -> str:
    """A quoted string value for postgresql.conf."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
