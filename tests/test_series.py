"""Repeating posts: shifts generated on chosen weekdays until a date, edited as a series
(one transaction over every file) or one date at a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal import store
from tests.conftest import make_user
from tests.test_crash_between_writes import _each_kill_point


def _series(world, *, first: date, until: date, weekdays=None, capacity=2, **extra):
    return store.create_post(
        "ca",
        world.admin_a["uid"],
        title=extra.pop("title", "周末巡逻"),
        category="legal",
        description="说明",
        place="活动室",
        kind="shifts",
        shifts=[
            {"date": first.isoformat(), "start": "09:00", "end": "11:00", "capacity": capacity}
        ],
        repeat={"weekdays": weekdays or [first.weekday()], "until": until.isoformat()},
        **extra,
    )


def _first():
    return date.today() + timedelta(days=3)


def _people(n, tag):
    return [make_user(f"139{tag:02d}{i:06d}", "volunteer")["uid"] for i in range(n)]


# --- store: generation ---------------------------------------------------------------


def test_generates_shifts_on_chosen_weekdays_until_the_date(world):
    first = _first()
    other = (first.weekday() + 2) % 7
    until = first + timedelta(days=27)
    post = _series(world, first=first, until=until, weekdays=[first.weekday(), other])
    shifts = store.post_shifts("ca", post["id"])
    days = [date.fromisoformat(s["date"]) for s in shifts]
    expected = [
        first + timedelta(days=n)
        for n in range(28)
        if (first + timedelta(days=n)).weekday() in (first.weekday(), other)
    ]
    assert days == expected and len(days) == 8
    assert all((s["start"], s["end"], s["capacity"]) == ("09:00", "11:00", 2) for s in shifts)
    assert post["series"] == {
        "weekdays": sorted([first.weekday(), other]),
        "until": until.isoformat(),
    }


@pytest.mark.parametrize(
    "weekdays, until_days, message",
    [
        ([], 14, "至少选择一个星期几"),
        (None, -1, "不能早于第一个班次"),
        (None, 200, "最多为 180 天以后"),
        ([0, 1, 2, 3, 4, 5, 6], 100, "最多生成 60 个班次"),
    ],
)
def test_repeat_limits(world, weekdays, until_days, message):
    first = _first()
    with pytest.raises(store.StoreError, match=message):
        store.create_post(
            "ca",
            world.admin_a["uid"],
            title="t",
            category="legal",
            description="d",
            place="p",
            kind="shifts",
            shifts=[{"date": first.isoformat(), "start": "09:00", "end": "11:00", "capacity": 1}],
            repeat={
                "weekdays": [first.weekday()] if weekdays is None else weekdays,
                "until": (first + timedelta(days=until_days)).isoformat(),
            },
        )
    assert store.list_posts("ca") == []


# --- store: editing the series ---------------------------------------------------------


def test_series_edit_changes_future_shifts_and_promotes(world):
    first = _first()
    post = _series(world, first=first, until=first + timedelta(days=14), capacity=1)
    shifts = store.post_shifts("ca", post["id"])
    a, b = _people(2, 11)
    store.sign_up("ca", shifts[1]["id"], a)
    store.sign_up("ca", shifts[1]["id"], b)  # waiting
    # As seen after the first shift started: it is left as it was.
    at = datetime.combine(first, datetime.min.time()) + timedelta(hours=10)
    result = store.update_series("ca", post["id"], start="08:00", capacity=2, at=at)
    assert len(result["changes"]) == 2
    after = store.post_shifts("ca", post["id"])
    assert (after[0]["start"], after[0]["capacity"]) == ("09:00", 1)
    assert all((s["start"], s["capacity"]) == ("08:00", 2) for s in after[1:])
    assert [r["uid"] for r in result["changes"][0]["promoted"]] == [b]
    assert len(store.roster("ca", shifts[1]["id"])["confirmed"]) == 2


def test_series_edit_refuses_capacity_below_confirmed_naming_the_date(world):
    first = _first()
    post = _series(world, first=first, until=first + timedelta(days=14), capacity=3)
    shifts = store.post_shifts("ca", post["id"])
    for uid in _people(2, 12):
        store.sign_up("ca", shifts[2]["id"], uid)
    with pytest.raises(store.StoreError, match=shifts[2]["date"]):
        store.update_series("ca", post["id"], start="10:00", end="12:00", capacity=1)
    assert all(
        (s["start"], s["capacity"]) == ("09:00", 3) for s in store.post_shifts("ca", post["id"])
    )
    plain, _shift = world.post()
    with pytest.raises(store.StoreError, match="不是重复系列"):
        store.update_series("ca", plain["id"], capacity=5)


@pytest.mark.backends("files")  # kills between file writes; PostgreSQL: one transaction
def test_series_edit_over_two_months_is_all_or_nothing(world, data_dir):
    tags = iter(range(20, 99))

    def setup():
        first = _first()
        post = _series(world, first=first, until=first + timedelta(days=35), capacity=1)
        shifts = store.post_shifts("ca", post["id"])
        ends = (shifts[0], shifts[-1])  # in two different months
        assert ends[0]["date"][:7] != ends[1]["date"][:7]
        uids = _people(4, next(tags))
        for shift, pair in zip(ends, (uids[:2], uids[2:]), strict=True):
            for uid in pair:
                store.sign_up("ca", shift["id"], uid)
        return post["id"], ends, uids

    def check(state):
        pid, ends, uids = state
        caps = {s["capacity"] for s in store.post_shifts("ca", pid)}
        confirmed = [len(store.roster("ca", s["id"])["confirmed"]) for s in ends]
        assert (caps, confirmed) in (({1}, [1, 1]), ({2}, [2, 2]))

    writes = _each_kill_point(
        data_dir, setup, lambda s: store.update_series("ca", s[0], capacity=2), check
    )
    assert writes == 4  # the journal, the community file, two months' sign-ups


# --- views ---------------------------------------------------------------------------


def test_new_post_form_creates_a_series(client, auth, world):
    first = _first()
    auth.login(world.admin_a["phone"])
    form = {
        "title": "周末义诊",
        "category": "medical",
        "description": "量血压",
        "place": "卫生站",
        "kind": "shifts",
        "shifts-0-day": first.isoformat(),
        "shifts-0-start": "09:00",
        "shifts-0-end": "11:00",
        "shifts-0-capacity": "3",
        "repeat_weekdays": [str(first.weekday())],
        "repeat_until": (first + timedelta(days=21)).isoformat(),
    }
    too_far = dict(form, repeat_until=(date.today() + timedelta(days=200)).isoformat())
    bad = auth.post("/portal/admin/c/ca/posts/new", too_far)
    assert bad.status_code == 200 and "最多为 180 天以后" in bad.get_data(as_text=True)
    assert store.list_posts("ca") == []
    assert auth.post("/portal/admin/c/ca/posts/new", form).status_code == 302
    post = store.list_posts("ca")[0]
    assert len(store.post_shifts("ca", post["id"])) == 4 and post["series"]
    html = client.get(f"/portal/admin/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert "修改整个系列" in html


def _texts(uid):
    return [n["text"] for n in store.inbox(uid)]


def test_series_edit_notifies_only_the_affected_once(client, auth, world):
    first = _first()
    post = _series(world, first=first, until=first + timedelta(days=14), capacity=1)
    shifts = store.post_shifts("ca", post["id"])
    a, b, c = _people(3, 13)
    store.sign_up("ca", shifts[0]["id"], a)
    store.sign_up("ca", shifts[1]["id"], a)
    store.sign_up("ca", shifts[1]["id"], b)  # waiting
    outsider, _s = world.post()
    store.sign_up("ca", _s["id"], c)
    auth.login(world.admin_a["phone"])
    url = f"/portal/admin/c/ca/posts/{post['id']}/series"
    refused = auth.post(url, {"start": "", "end": "", "capacity": ""}, follow=True)
    assert "请填写要修改的时间或名额" in refused.get_data(as_text=True)
    response = auth.post(url, {"start": "", "end": "12:00", "capacity": ""}, follow=True)
    assert "已通知 2 人" in response.get_data(as_text=True)
    mine = [t for t in _texts(a) if "系列" in t]
    assert len(mine) == 1 and mine[0].count("时间 09:00–11:00 → 09:00–12:00") == 2
    assert "名额" not in mine[0]
    assert len([t for t in _texts(b) if "系列" in t]) == 1
    assert _texts(c) == []
    response = auth.post(url, {"start": "", "end": "", "capacity": "2"}, follow=True)
    assert any("从候补转为正式报名" in t for t in _texts(b))


def test_cancelling_one_date_tells_only_that_dates_people(client, auth, world):
    first = _first()
    post = _series(world, first=first, until=first + timedelta(days=14))
    shifts = store.post_shifts("ca", post["id"])
    a, b = _people(2, 14)
    store.sign_up("ca", shifts[0]["id"], a)
    store.sign_up("ca", shifts[1]["id"], b)
    auth.login(world.admin_a["phone"])
    response = auth.post(
        f"/portal/admin/c/ca/shifts/{shifts[0]['id']}/cancel", {"reason": "场地维修"}
    )
    assert response.status_code == 302
    assert any("场地维修" in t for t in _texts(a))
    assert _texts(b) == []
    assert len(store.post_shifts("ca", post["id"])) == len(shifts) - 1
