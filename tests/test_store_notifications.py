"""The inbox store: notify, unread count, mark read, reminders, shift changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal import store
from portal.store import notifications

from tests.conftest import make_user

NOW = datetime(2026, 12, 1, 10, 0)


@pytest.fixture
def person(mem_store):
    return make_user("13811110001")


def _community_with_shift(day="2026-12-02", start="09:00", end="11:00", capacity=1):
    store.add_community("dongsi", "通知测试社区", cid="cn")
    admin = make_user("13811110009", "community_admin", scope="cn")
    post = store.create_post(
        "cn",
        admin["uid"],
        title="垃圾分类值守",
        category="waste",
        description="说明",
        place="驿站",
        kind="shifts",
        shifts=[{"date": day, "start": start, "end": end, "capacity": capacity}],
        at=NOW - timedelta(days=3),
    )
    return post, store.post_shifts("cn", post["id"])[0]


def test_notify_inbox_unread_and_mark_read(person):
    uid = person["uid"]
    assert store.inbox(uid) == [] and store.unread_count(uid) == 0
    first = store.notify(uid, "message", "第一条", at=NOW)
    second = store.notify(
        uid, "report_confirmed", "第二条", link="/portal/me", at=NOW + timedelta(minutes=1)
    )
    rows = store.inbox(uid)
    assert [r["text"] for r in rows] == ["第二条", "第一条"]  # newest first
    assert rows[0]["kind_name"] == "报到已确认" and rows[0]["link"] == "/portal/me"
    assert store.unread_count(uid) == 2
    assert store.mark_read(uid, [first["id"]]) == 1
    assert store.unread_count(uid) == 1
    assert store.mark_read(uid, "all") == 1
    assert store.unread_count(uid) == 0
    assert store.get_notification(uid, second["id"])["read"] is True


def test_each_person_has_their_own_file(person, tmp_path):
    other = make_user("13811110002")
    store.notify(person["uid"], "message", "给甲")
    assert store.inbox(other["uid"]) == []
    keys = store.current_backend().keys("notifications/")
    assert keys == [f"notifications/{person['uid'][0]}/{person['uid']}"]


def test_unknown_kind_and_key_idempotency(person):
    with pytest.raises(store.StoreError):
        store.notify(person["uid"], "nonsense", "x")
    assert store.notify(person["uid"], "message", "一次", key="k1") is not None
    assert store.notify(person["uid"], "message", "两次", key="k1") is None
    assert len(store.inbox(person["uid"])) == 1


def test_inbox_is_bounded(person, monkeypatch):
    monkeypatch.setattr(notifications, "KEEP", 5)
    for n in range(8):
        store.notify(person["uid"], "message", f"第{n}条", at=NOW + timedelta(minutes=n))
    texts = [r["text"] for r in store.inbox(person["uid"])]
    assert texts == [f"第{n}条" for n in range(7, 2, -1)]


def test_reminder_within_24_hours_once_per_shift(person):
    _post, shift = _community_with_shift(day="2026-12-02", start="09:00")
    store.sign_up("cn", shift["id"], person["uid"], at=NOW - timedelta(days=1))
    # 23 hours before the start: one reminder, and only one however often the portal opens.
    made = store.remind_upcoming(person["uid"], at=NOW)
    assert len(made) == 1 and made[0]["kind"] == "reminder"
    assert "垃圾分类值守" in made[0]["text"] and "2026-12-02 09:00" in made[0]["text"]
    assert store.remind_upcoming(person["uid"], at=NOW + timedelta(hours=1)) == []
    assert len(store.inbox(person["uid"])) == 1


def test_no_reminder_for_far_shifts_or_the_waiting_list(person):
    _post, shift = _community_with_shift(day="2026-12-03", start="09:00", capacity=1)
    other = make_user("13811110003")
    store.sign_up("cn", shift["id"], other["uid"], at=NOW - timedelta(days=1))
    store.sign_up("cn", shift["id"], person["uid"], at=NOW - timedelta(days=1))  # waiting
    assert store.remind_upcoming(other["uid"], at=NOW) == []  # 47 hours ahead
    assert store.remind_upcoming(person["uid"], at=NOW + timedelta(days=1)) == []  # waiting
    assert len(store.remind_upcoming(other["uid"], at=NOW + timedelta(days=1))) == 1


def test_update_shift_changes_time_and_promotes_on_more_places(person):
    _post, shift = _community_with_shift(day="2026-12-05", capacity=1)
    other = make_user("13811110004")
    store.sign_up("cn", shift["id"], person["uid"], at=NOW)
    store.sign_up("cn", shift["id"], other["uid"], at=NOW)  # waiting
    result = store.update_shift("cn", shift["id"], start="14:00", end="16:00", capacity=2, at=NOW)
    assert set(result["uids"]) == {person["uid"], other["uid"]}
    assert [r["uid"] for r in result["promoted"]] == [other["uid"]]
    moved, _ = store.get_shift("cn", shift["id"])
    assert (moved["start"], moved["end"], moved["capacity"]) == ("14:00", "16:00", 2)
    roster = store.roster("cn", shift["id"])
    assert {r["uid"] for r in roster["confirmed"]} == {person["uid"], other["uid"]}


def test_update_shift_refusals(person):
    _post, shift = _community_with_shift(day="2026-12-05", capacity=2)
    store.sign_up("cn", shift["id"], person["uid"], at=NOW)
    store.sign_up("cn", shift["id"], make_user("13811110005")["uid"], at=NOW)
    with pytest.raises(store.StoreError, match="不能少于已报名人数"):
        store.update_shift("cn", shift["id"], capacity=1, at=NOW)
    with pytest.raises(store.StoreError, match="已经过去"):
        store.update_shift("cn", shift["id"], date="2026-11-05", at=NOW)
    with pytest.raises(store.StoreError, match="结束时间"):
        store.update_shift("cn", shift["id"], start="12:00", end="10:00", at=NOW)
    with pytest.raises(store.StoreError, match="没有需要修改"):
        store.update_shift("cn", shift["id"], capacity=2, at=NOW)


def test_cancel_shift_cancels_sign_ups_with_the_reason(person):
    post, shift = _community_with_shift(day="2026-12-05", capacity=1)
    other = make_user("13811110006")
    store.sign_up("cn", shift["id"], person["uid"], at=NOW)
    store.sign_up("cn", shift["id"], other["uid"], at=NOW)
    with pytest.raises(store.StoreError, match="原因"):
        store.cancel_shift("cn", shift["id"], "  ")
    result = store.cancel_shift("cn", shift["id"], "场地维修", at=NOW)
    assert {r["uid"] for r in result["cancelled"]} == {person["uid"], other["uid"]}
    with pytest.raises(store.NotFound):
        store.get_shift("cn", shift["id"])  # gone from every list, cannot be signed up for
    assert store.post_shifts("cn", post["id"]) == []
    assert store.get_cancelled_shift("cn", shift["id"])["cancel_reason"] == "场地维修"
    assert store.user_signups(person["uid"]) == []
    data = store.personal_data(person["uid"])
    assert data["signups"][0]["status"] == "cancelled"
    assert data["signups"][0]["cancel_reason"] == "场地维修"
    assert data["signups"][0]["shift_date"] == "2026-12-05"
