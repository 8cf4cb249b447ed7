"""The demo data (示例): shifts that already started (attendance, hours and certificates can
be tried at once), a liaison for every department the demo whistles summon, and README's
table of demo accounts listing every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import demo, store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    import portal.store.accounts.users as users

    folder = tmp_path_factory.mktemp("demo")
    cheap, users.PASSWORD_METHOD = users.PASSWORD_METHOD, "scrypt:4096:8:1"
    try:
        store.open_store(folder)
        counts = demo.seed()
    finally:
        users.PASSWORD_METHOD = cheap
    return counts, folder


@pytest.fixture
def counts(seeded):
    """The seeded store, opened again (other tests of this worker may have moved it)."""
    store.open_store(seeded[1])
    return seeded[0]


def _rows(admin_phone="13900000003"):
    admin = store.find_user_by_phone(admin_phone)
    cid = admin["scope"]
    rows = []
    for post in store.list_posts(cid):
        for shift in store.post_shifts(cid, post["id"]):
            rows.append((post, shift, store.roster(cid, shift["id"])))
    return cid, rows


def test_demo_has_past_and_running_shifts_with_attendance(counts):
    now = store.now()
    cid, rows = _rows()
    started = [(p, s, r) for p, s, r in rows if (st := store.shift_start(s)) and st <= now]
    assert len(started) >= 3
    assert all("示例" in p["title"] for p, _s, _r in started)
    running = [x for x in started if store.shift_end(x[1]) > now]
    assert running and running[0][2]["confirmed"]  # running now, with people on it
    marked = [r for _p, _s, roster in started for r in roster["confirmed"] if r.get("attendance")]
    assert any(r.get("hours_confirmed_at") for r in marked)
    assert any(r.get("attendance") == "present" and not r.get("hours_confirmed_at") for r in marked)
    assert any(r.get("attendance") == "absent" for r in marked)
    member = store.find_user_by_phone("13900000004")
    assert store.summarize_hours(store.hours_rows(member["uid"]))["total"] > 0
    assert [c["status"] for c in store.community_certificates(cid)] == ["pending"]


def test_every_demo_whistle_department_has_a_liaison(counts):
    liaisons = {u["scope"] for u in store.list_admins("dept_liaison") if u.get("demo")}
    summoned = {d for w in store.list_whistles() for d in w["departments"]}
    assert summoned and summoned <= liaisons


def test_readme_lists_every_demo_account(counts):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 演示账号", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\b139\d{8}\b", section))
    for first, last in re.findall(r"\b(139\d{8}) – (139\d{8})\b", section):
        listed |= {str(n) for n in range(int(first), int(last) + 1)}
    phones = {u["phone"] for u in store.all_users() if u.get("demo")}
    assert phones == listed
    assert f"共 {len(phones)} 个账号" in section and counts["accounts"] == len(phones)
