"""Posts and shifts: creation checks, open/close, weekly copy, accounts and places."""

from datetime import date, timedelta

import pytest

from portal import store
from tests.conftest import PASSWORD, make_user


def test_create_post_with_shifts_and_skills(world):
    post = store.create_post(
        "ca",
        world.admin_a["uid"],
        title=" 义诊 ",
        category="medical",
        description="d",
        place="p",
        kind="shifts",
        skills=[{"skill": "doctor", "count": 2}],
        shifts=[
            {"date": "2099-03-02", "start": "14:00", "end": "16:00", "capacity": 3},
            {"date": "2099-03-01", "start": "09:00", "end": "11:00", "capacity": 2},
        ],
    )
    assert post["title"] == "义诊" and post["status"] == "open"
    shifts = store.post_shifts("ca", post["id"])
    assert [s["date"] for s in shifts] == ["2099-03-01", "2099-03-02"]  # sorted by start
    assert store.get_post("ca", post["id"])["skills"] == [{"skill": "doctor", "count": 2}]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"category": "nope"}, "分类"),
        ({"skills": [{"skill": "nope", "count": 1}]}, "专长"),
        ({"shifts": []}, "至少设置一个班次"),
        (
            {"shifts": [{"date": "2099-01-01", "start": "10:00", "end": "09:00", "capacity": 1}]},
            "结束时间",
        ),
        (
            {"shifts": [{"date": "2099-01-01", "start": "09:00", "end": "10:00", "capacity": 0}]},
            "名额",
        ),
    ],
)
def test_create_post_refusals_store_nothing(world, change, message):
    fields = dict(
        title="t",
        category="legal",
        description="d",
        place="p",
        kind="shifts",
        shifts=[{"date": "2099-01-01", "start": "09:00", "end": "10:00", "capacity": 1}],
    )
    fields.update(change)
    with pytest.raises(store.StoreError, match=message):
        store.create_post("ca", world.admin_a["uid"], **fields)
    assert store.list_posts("ca") == []


def test_copy_post_moves_shifts_by_a_week(world):
    post, shift = world.post(day="2099-05-01")
    copy = store.copy_post("ca", post["id"], world.admin_a["uid"])
    moved = store.post_shifts("ca", copy["id"])
    assert moved[0]["date"] == (date(2099, 5, 1) + timedelta(days=7)).isoformat()
    assert moved[0]["capacity"] == shift["capacity"] and copy["id"] != post["id"]
    assert len(store.list_posts("ca")) == 2


def test_open_close(world):
    post, _shift = world.post()
    assert store.set_post_status("ca", post["id"], "closed")["status"] == "closed"
    assert store.list_posts("ca", "open") == []
    store.set_post_status("ca", post["id"], "open")
    assert len(store.list_posts("ca", "open")) == 1


def test_accounts_phone_unique_and_login(world):
    with pytest.raises(store.StoreError, match="已经注册"):
        make_user(world.member["phone"])
    assert store.authenticate(world.member["phone"], PASSWORD)["uid"] == world.member["uid"]
    assert store.authenticate(world.member["phone"], "wrong-pass1") is None
    assert store.get_user(world.member["uid"])["pw_hash"].startswith("scrypt:")


def test_profile_update_keeps_only_declared_confirmed_skills(world):
    store.confirm_skills(world.member["uid"], ["lawyer", "doctor"])
    assert store.get_user(world.member["uid"])["skills_confirmed"] == ["lawyer"]
    store.update_profile(world.member["uid"], skills=["mediator"])
    assert store.get_user(world.member["uid"])["skills_confirmed"] == []
    with pytest.raises(store.StoreError):
        store.update_profile(world.member["uid"], phone="13900009999")


def test_change_password_checks_old(world):
    with pytest.raises(store.StoreError, match="当前密码不正确"):
        store.change_password(world.member["uid"], "bad-old-1", "newpass123")
    store.change_password(world.member["uid"], PASSWORD, "newpass123")
    assert store.authenticate(world.member["phone"], "newpass123")


def test_communities_unique_per_street(world):
    with pytest.raises(store.StoreError, match="同名"):
        store.add_community("dongsi", "测试甲社区")
    assert store.add_community("jingshan", "测试甲社区")["street_id"] == "jingshan"
    assert [c["id"] for c in store.list_communities("dongsi")] == ["ca", "cb"]
    with pytest.raises(store.NotFound):
        store.add_community("nowhere", "x")
