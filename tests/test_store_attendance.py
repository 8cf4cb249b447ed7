"""Attendance, hours and the no-show block at the store level (real files, injected clock)."""

from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import make_user


def _signed(world, uid=None, **post_args):
    """A shift and a confirmed sign-up for it, made before the shift starts."""
    _post, shift = world.post(**post_args)
    start = store.shift_start(shift)
    row = store.sign_up(
        shift["community_id"], shift["id"], uid or world.member["uid"], at=start - timedelta(days=1)
    )
    return shift, row, start


def test_marking_is_refused_before_the_shift_starts(world):
    shift, row, start = _signed(world)
    with pytest.raises(store.StoreError, match="还没有开始"):
        store.mark_attendance(
            "ca",
            shift["id"],
            row["id"],
            "present",
            world.admin_a["uid"],
            at=start - timedelta(minutes=1),
        )
    assert "attendance" not in store.get_signup("ca", shift["id"], row["id"])
    marked = store.mark_attendance(
        "ca", shift["id"], row["id"], "present", world.admin_a["uid"], at=start
    )
    assert marked["attendance"] == "present"


def test_present_gets_shift_length_pending_until_confirmed(world):
    shift, row, start = _signed(world, start="09:00", end="11:30")
    store.mark_attendance(
        "ca",
        shift["id"],
        row["id"],
        "present",
        world.admin_a["uid"],
        note="准时",
        at=start + timedelta(hours=3),
    )
    saved = store.get_signup("ca", shift["id"], row["id"])
    assert saved["hours"] == 2.5 and saved["attendance_note"] == "准时"
    assert saved["hours_confirmed_at"] is None and saved["marked_by"] == world.admin_a["uid"]
    summary = store.summarize_hours(store.hours_rows(world.member["uid"]))
    assert summary["total"] == 0 and summary["pending"] == 2.5

    confirmed = store.confirm_hours(
        "ca", shift["id"], world.admin_a["uid"], at=start + timedelta(hours=4)
    )
    assert [r["id"] for r in confirmed] == [row["id"]]
    summary = store.summarize_hours(store.hours_rows(world.member["uid"]))
    assert summary["total"] == 2.5 and summary["pending"] == 0
    assert summary["by_category"] == {"legal": 2.5}
    assert summary["by_month"] == {shift["date"][:7]: 2.5}
    # confirmed hours are final
    with pytest.raises(store.StoreError, match="已经确认"):
        store.mark_attendance(
            "ca",
            shift["id"],
            row["id"],
            "absent",
            world.admin_a["uid"],
            at=start + timedelta(hours=5),
        )
    with pytest.raises(store.StoreError, match="没有待确认"):
        store.confirm_hours("ca", shift["id"], world.admin_a["uid"])


def test_adjusting_hours_needs_a_reason(world):
    shift, row, start = _signed(world)
    later = start + timedelta(hours=3)
    with pytest.raises(store.StoreError, match="先登记"):
        store.adjust_hours(
            "ca", shift["id"], row["id"], 3, "提前到场", world.admin_a["uid"], at=later
        )
    store.mark_attendance("ca", shift["id"], row["id"], "present", world.admin_a["uid"], at=later)
    with pytest.raises(store.StoreError, match="填写原因"):
        store.adjust_hours("ca", shift["id"], row["id"], 3, "  ", world.admin_a["uid"], at=later)
    with pytest.raises(store.StoreError, match="不超过 24"):
        store.adjust_hours("ca", shift["id"], row["id"], 30, "多算", world.admin_a["uid"], at=later)
    assert store.get_signup("ca", shift["id"], row["id"])["hours"] == 2.0
    store.adjust_hours(
        "ca", shift["id"], row["id"], 3.5, "提前到场布置", world.admin_a["uid"], at=later
    )
    saved = store.get_signup("ca", shift["id"], row["id"])
    assert saved["hours"] == 3.5 and saved["hours_reason"] == "提前到场布置"


def test_absent_gets_no_hours_and_waiting_rows_cannot_be_marked(world):
    shift, row, start = _signed(world, capacity=1)
    waiter = make_user("13700000009", "volunteer")
    waiting = store.sign_up("ca", shift["id"], waiter["uid"], at=start - timedelta(hours=5))
    assert waiting["status"] == "waiting"
    later = start + timedelta(hours=1)
    store.mark_attendance(
        "ca", shift["id"], row["id"], "absent", world.admin_a["uid"], note="未请假", at=later
    )
    saved = store.get_signup("ca", shift["id"], row["id"])
    assert saved["attendance"] == "absent" and saved["hours"] == 0
    with pytest.raises(store.StoreError, match="非候补"):
        store.mark_attendance(
            "ca", shift["id"], waiting["id"], "present", world.admin_a["uid"], at=later
        )
    with pytest.raises(store.NotFound):
        store.mark_attendance(
            "ca", shift["id"], "nosuchrow", "present", world.admin_a["uid"], at=later
        )


def _absent(world, day, uid=None, cid="ca"):
    shift, row, start = _signed(world, uid=uid, cid=cid, day=day)
    store.mark_attendance(
        cid, shift["id"], row["id"], "absent", world.admin_a["uid"], at=start + timedelta(hours=2)
    )
    return shift, start


def test_two_no_shows_in_90_days_block_until_cleared(world):
    uid = world.member["uid"]
    base = datetime(2026, 3, 2, 9, 0)
    _absent(world, "2026-03-02")
    _shift, second = _absent(world, "2026-03-20")
    _p, upcoming = world.post(day="2026-04-10")
    when = second + timedelta(days=1)
    assert len(store.user_no_shows(uid, when, 90)) == 2
    with pytest.raises(store.StoreError, match="缺席 2 次，暂时不能报名"):
        store.sign_up("ca", upcoming["id"], uid, at=when, no_show_limit=2, no_show_days=90)
    # a higher configured limit lets them through the check
    store.no_show_block(uid, when, limit=3, days=90)
    # outside the window the old absences no longer count
    assert (
        store.user_no_shows(uid, base + timedelta(days=100), 90)[0]["shift"]["date"] == "2026-03-20"
    )
    assert len(store.user_no_shows(uid, base + timedelta(days=100), 90)) == 1

    assert [r["user"]["uid"] for r in store.blocked_members("ca", when)] == [uid]
    assert store.blocked_members("cb", when) == []
    store.clear_no_show_block(uid, at=when)
    assert store.blocked_members("ca", when) == []
    row = store.sign_up("ca", upcoming["id"], uid, at=when, no_show_limit=2, no_show_days=90)
    assert row["status"] == "confirmed"


def test_only_no_shows_after_clearing_count(world):
    uid = world.member["uid"]
    _absent(world, "2026-03-02")
    _s, second = _absent(world, "2026-03-10")
    store.clear_no_show_block(uid, at=second + timedelta(days=1))
    _s, third = _absent(world, "2026-03-20")
    when = third + timedelta(days=1)
    assert [r["shift"]["date"] for r in store.user_no_shows(uid, when, 90)] == ["2026-03-20"]
    store.no_show_block(uid, when, 2, 90)  # one counted absence: not blocked
    _s, fourth = _absent(world, "2026-03-25")
    with pytest.raises(store.StoreError, match="缺席 2 次"):
        store.no_show_block(uid, fourth + timedelta(days=1), 2, 90)


def test_attendance_is_stored_on_the_signup_row_in_its_month_file(world, data_dir):
    shift, row, start = _signed(world, day="2026-05-04")
    store.mark_attendance(
        "ca", shift["id"], row["id"], "present", world.admin_a["uid"], at=start + timedelta(hours=2)
    )
    rows = store.current_backend().read("communities/ca/signups-2026-05")["signups"].values()
    assert [(r["attendance"], r["hours"]) for r in rows] == [("present", 2.0)]
