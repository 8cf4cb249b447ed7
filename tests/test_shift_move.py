"""Moving a shift to another month: its sign-ups (confirmed, waiting, cancelled) move with
it to the new month's file in one transaction, in arrival order, and every reader finds
them there; a process killed between the writes leaves the move all-or-nothing. The
notice sent to the people on a changed shift lists only what changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import make_user
from tests.test_crash_between_writes import _each_kill_point

NOW = datetime(2026, 12, 1, 10, 0)
DAY, NEXT_MONTH_DAY = "2026-12-20", "2027-01-09"


def _shift(world, capacity=2, day=DAY):
    _post, shift = world.post(capacity=capacity, day=day)
    return shift


def _month_rows(cid, month):
    key = f"communities/{cid}/signups-{month}"
    return list(store.current_backend().read(key).get("signups", {}).values())


def test_move_to_another_month_keeps_confirmed_waiting_and_their_order(world):
    shift = _shift(world, capacity=2)
    uids = [make_user(f"1370000{n:04d}", "volunteer")["uid"] for n in range(5)]
    for uid in uids:
        store.sign_up("ca", shift["id"], uid, at=NOW)
    store.cancel_signup("ca", shift["id"], uids[1], at=NOW)  # uids[2] moves up
    other = _shift(world, day="2027-01-03")  # the new month's file already has other rows
    store.sign_up("ca", other["id"], world.volunteer["uid"], at=NOW)

    result = store.update_shift("ca", shift["id"], date=NEXT_MONTH_DAY, at=NOW)
    assert result["shift"]["date"] == NEXT_MONTH_DAY
    assert set(result["uids"]) == {uids[0], uids[2], uids[3], uids[4]}
    assert store.get_shift("ca", shift["id"])[0]["date"] == NEXT_MONTH_DAY

    assert [r for r in _month_rows("ca", "2026-12") if r["shift_id"] == shift["id"]] == []
    moved = [r for r in _month_rows("ca", "2027-01") if r["shift_id"] == shift["id"]]
    assert [r["uid"] for r in moved] == uids  # arrival order, the cancelled row included
    roster = store.roster("ca", shift["id"])
    assert [r["uid"] for r in roster["confirmed"]] == [uids[0], uids[2]]
    assert [r["uid"] for r in roster["waiting"]] == [uids[3], uids[4]]
    assert store.shift_counts("ca", store.get_shift("ca", shift["id"])[0]) == {
        "confirmed": 2,
        "waiting": 2,
        "free": 0,
    }
    # the other shift of the new month is untouched
    assert [r["uid"] for r in store.roster("ca", other["id"])["confirmed"]] == [
        world.volunteer["uid"]
    ]

    # each person's list finds the moved sign-up, with their place on the waiting list
    mine = store.user_signups(uids[4])
    assert [(r["shift_id"], r["status"], r["position"]) for r in mine] == [
        (shift["id"], "waiting", 2)
    ]
    assert mine[0]["shift"]["date"] == NEXT_MONTH_DAY
    cancelled = store.user_signups(uids[1], include_cancelled=True)
    assert [(r["shift_id"], r["status"]) for r in cancelled] == [(shift["id"], "cancelled")]

    # the waiting list still moves up in order, in the new month's file
    store.cancel_signup("ca", shift["id"], uids[0], at=NOW)
    roster = store.roster("ca", shift["id"])
    assert [r["uid"] for r in roster["confirmed"]] == [uids[2], uids[3]]
    assert [r["uid"] for r in roster["waiting"]] == [uids[4]]
    with pytest.raises(store.StoreError, match="已经报名"):
        store.sign_up("ca", shift["id"], uids[2], at=NOW)


def test_moved_and_capacity_raised_promotes_in_order(world):
    shift = _shift(world, capacity=1)
    uids = [make_user(f"1370001{n:04d}", "volunteer")["uid"] for n in range(3)]
    for uid in uids:
        store.sign_up("ca", shift["id"], uid, at=NOW)
    result = store.update_shift("ca", shift["id"], date=NEXT_MONTH_DAY, capacity=2, at=NOW)
    assert [r["uid"] for r in result["promoted"]] == [uids[1]]
    roster = store.roster("ca", shift["id"])
    assert [r["uid"] for r in roster["confirmed"]] == uids[:2]
    assert [r["uid"] for r in roster["waiting"]] == [uids[2]]


def test_attendance_and_hours_find_moved_rows(world):
    shift = _shift(world, capacity=2)
    row = store.sign_up("ca", shift["id"], world.member["uid"], at=NOW)
    store.update_shift("ca", shift["id"], date=NEXT_MONTH_DAY, at=NOW)
    assert store.get_signup("ca", shift["id"], row["id"])["uid"] == world.member["uid"]
    later = datetime(2027, 1, 9, 12, 0)
    store.mark_attendance("ca", shift["id"], row["id"], store.PRESENT, "admin", at=later)
    store.confirm_hours("ca", shift["id"], "admin", at=later)
    hours = store.hours_rows(world.member["uid"])
    assert [(r["date"], r["hours"], r["confirmed"]) for r in hours] == [(NEXT_MONTH_DAY, 2.0, True)]


def test_moving_back_and_a_standing_role(world):
    shift = _shift(world)
    store.sign_up("ca", shift["id"], world.member["uid"], at=NOW)
    store.update_shift("ca", shift["id"], date=NEXT_MONTH_DAY, at=NOW)
    store.update_shift("ca", shift["id"], date="2026-12-28", at=NOW)
    assert [r["shift_id"] for r in _month_rows("ca", "2026-12")] == [shift["id"]]
    assert _month_rows("ca", "2027-01") == []
    assert [r["shift"]["date"] for r in store.user_signups(world.member["uid"])] == ["2026-12-28"]
    # a standing role has no date: a date given is ignored, and nothing moves
    post = store.create_post(
        "ca",
        world.admin_a["uid"],
        title="长期岗位",
        category="legal",
        description="d",
        place="p",
        kind="standing",
        shifts=[{"capacity": 2}],
    )
    standing = store.post_shifts("ca", post["id"])[0]
    store.update_shift("ca", standing["id"], date=NEXT_MONTH_DAY, capacity=3, at=NOW)
    assert store.get_shift("ca", standing["id"])[0]["date"] is None


@pytest.mark.processes
@pytest.mark.backends("files")  # kills between file writes; PostgreSQL: one transaction
def test_moving_a_shift_is_all_or_nothing(world, data_dir):
    tags = iter(range(10, 99))
    day = (store.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    new_day = (store.now() + timedelta(days=40)).strftime("%Y-%m-%d")

    def setup():
        shift = _shift(world, capacity=2, day=day)
        uids = [make_user(f"1371{next(tags):02d}{n:05d}", "volunteer")["uid"] for n in range(4)]
        for uid in uids:
            store.sign_up("ca", shift["id"], uid)
        return shift["id"], uids

    def check(state):
        sid, uids = state
        shift = store.get_shift("ca", sid)[0]
        assert shift["date"] in (day, new_day)
        roster = store.roster("ca", sid)
        assert [r["uid"] for r in roster["confirmed"]] == uids[:2]
        assert [r["uid"] for r in roster["waiting"]] == uids[2:]
        for n, uid in enumerate(uids):  # each person still finds their sign-up, in place
            mine = [r for r in store.user_signups(uid) if r["shift_id"] == sid]
            assert [(r["status"], r["position"]) for r in mine] == [
                ("confirmed", None) if n < 2 else ("waiting", n - 1)
            ]
            assert mine[0]["shift"]["date"] == shift["date"]
        other = {day: new_day, new_day: day}[shift["date"]]
        rows = _month_rows("ca", other[:7])
        assert [r for r in rows if r["shift_id"] == sid] == []

    writes = _each_kill_point(
        data_dir, setup, lambda s: store.update_shift("ca", s[0], date=new_day), check
    )
    # four pointers, then the journal, the community file and the two months' files
    assert writes == 8


def test_change_notice_lists_only_what_changed(client, auth, world):
    shift = _shift(world, capacity=2, day=(store.now() + timedelta(days=3)).strftime("%Y-%m-%d"))
    store.sign_up("ca", shift["id"], world.member["uid"])
    auth.login(world.admin_a["phone"])
    url = f"/portal/admin/c/ca/shifts/{shift['id']}/change"
    auth.post(url, {"start": "09:00", "end": "11:00", "capacity": "3"})
    text = store.inbox(world.member["uid"])[0]["text"]
    assert "名额 2 → 3 人" in text
    assert "09:00–11:00 →" not in text and "时间" not in text and "日期" not in text

    auth.post(url, {"start": "14:00", "end": "16:00", "capacity": "3"})
    text = store.inbox(world.member["uid"])[0]["text"]
    assert "时间 09:00–11:00 → 14:00–16:00" in text and "名额" not in text

    new_day = (store.now() + timedelta(days=40)).date()
    resp = auth.post(url, {"day": new_day.isoformat(), "start": "14:00", "end": "16:00"})
    assert resp.status_code == 302
    text = store.inbox(world.member["uid"])[0]["text"]
    assert f"→ {new_day.month}月{new_day.day}日" in text and "时间" not in text
    mine = store.user_signups(world.member["uid"])
    assert [r["shift"]["date"] for r in mine] == [new_day.isoformat()]
