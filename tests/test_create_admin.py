"""python run.py create-admin: the first district admin of a real store, from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal import store

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent


def _run(data_dir, *args, stdin=""):
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "create-admin", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_creates_a_district_admin(tmp_path):
    data = tmp_path / "data"
    done = _run(data, "--phone", "13612345678", "--name", "区管理员", stdin="strong1234pw\n")
    assert done.returncode == 0, done.stderr
    assert "已创建区级管理员：区管理员（136****5678）" in done.stdout
    store.open_store(data)
    user = store.authenticate("13612345678", "strong1234pw")
    assert user and user["role"] == "district_admin" and not user["demo"]
    assert [e["action"] for m in store.audit_months() for e in store.list_audit(m)] == [
        "命令行创建区级管理员"
    ]
    # A real store gets no demo accounts from this.
    assert all(not u["demo"] for u in store.all_users())


def test_prompts_when_arguments_are_missing(tmp_path):
    done = _run(tmp_path / "data", stdin="13612345679\n提示管理员\nstrong1234pw\n")
    assert done.returncode == 0, done.stderr
    assert "手机号：" in done.stdout and "姓名：" in done.stdout


def test_refuses_weak_password_bad_phone_and_existing_phone(tmp_path):
    data = tmp_path / "data"
    weak = _run(data, "--phone", "13612345678", "--name", "甲", stdin="abc\n")
    assert weak.returncode == 1 and "密码太弱：密码至少 8 位。" in weak.stderr
    bad = _run(data, "--phone", "12345", "--name", "甲", stdin="strong1234pw\n")
    assert bad.returncode == 1 and "11 位中国大陆手机号" in bad.stderr
    assert (
        _run(data, "--phone", "13612345678", "--name", "甲", stdin="strong1234pw\n").returncode == 0
    )
    again = _run(data, "--phone", "13612345678", "--name", "乙", stdin="other1234pw\n")
    assert again.returncode == 1 and "已经注册" in again.stderr
    contains_phone = _run(data, "--phone", "13612340000", "--name", "丙", stdin="x13612340000\n")
    assert contains_phone.returncode == 1 and "不能包含手机号" in contains_phone.stderr
