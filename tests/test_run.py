"""run.py: help, build-if-stale, seed-demo, a taken port and a corrupt store."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent


def _run(*args, timeout=120, env=None):
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_help_is_chinese():
    result = _run("--help")
    assert result.returncode == 0
    for word in ("--host", "--port", "--data-dir", "PORTAL_DATA_DIR", "build", "seed-demo"):
        assert word in result.stdout


def test_seed_demo_once(tmp_path):
    first = _run("seed-demo", "--data-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "示例社区" in first.stdout
    # the real cost of werkzeug's scrypt (the tests lower it in-process only)
    hashes = [
        u["pw_hash"]
        for f in (tmp_path / "accounts").glob("*.json")
        for u in json.loads(f.read_text(encoding="utf-8"))["users"].values()
    ]
    assert hashes and all(h.startswith("scrypt:32768:8:1$") for h in hashes)
    second = _run("seed-demo", "--data-dir", str(tmp_path))
    assert second.returncode == 1 and "不是空的" in second.stderr


def test_taken_port_gets_a_clear_message(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        result = _run("--data-dir", str(tmp_path), "--port", str(port), "--no-demo")
    assert result.returncode == 2
    assert f"端口 {port} 已被占用" in result.stderr


def test_corrupt_store_stops_start_up_naming_the_file(tmp_path):
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "5.json").write_text('{"users": {"1": ', encoding="utf-8")
    result = _run("--data-dir", str(tmp_path), "--port", "1", "--no-demo")
    assert result.returncode == 1
    assert "5.json" in result.stderr and "损坏" in result.stderr and "备份" in result.stderr
