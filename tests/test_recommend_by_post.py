"""为我推荐 shows each post once: its reasons once, then each shift as a row with its own
time, free places and 报名 button; pages count posts, not shifts."""

from __future__ import annotations

import re

from portal import store
from portal.signups import views

SATURDAY, SUNDAY, MONDAY = "2099-01-03", "2099-01-04", "2099-01-05"


def _post_with_shifts(world, title, days, cid="ca", category="legal", capacity=2):
    post = store.create_post(
        cid,
        world.admin_a["uid"],
        title=title,
        category=category,
        description="说明",
        place="活动室",
        kind="shifts",
        shifts=[{"date": d, "start": "09:00", "end": "11:00", "capacity": capacity} for d in days],
    )
    return post, store.post_shifts(cid, post["id"])


def test_store_groups_shifts_by_post_with_shared_reasons(world):
    post, shifts = _post_with_shifts(world, "普法宣传", [MONDAY, SATURDAY, SUNDAY])
    _post_with_shifts(world, "文艺演出", [SATURDAY], cid="cb", category="culture")
    groups, total = store.recommend_posts(world.member["uid"])
    assert total == 2
    first = groups[0]
    assert first["post"]["id"] == post["id"]
    # by date: Saturday, Sunday, Monday (post_shifts lists them by date too)
    assert [s["shift"]["id"] for s in first["shifts"]] == [s["id"] for s in shifts]
    assert [s["shift"]["date"] for s in first["shifts"]] == [SATURDAY, SUNDAY, MONDAY]
    assert "在您所在的社区" in first["reasons"]
    assert any(r.startswith("专长匹配（未确认）") for r in first["reasons"])
    # the weekend reason belongs to the weekend shifts only, not to the post
    assert not any("空闲时间" in r for r in first["reasons"])
    assert first["shifts"][0]["extra"] == ["符合您的空闲时间：周末"]
    assert first["shifts"][2]["extra"] == []
    # the same ranking as shift by shift
    by_shift = store.recommend_shifts(world.member["uid"])
    assert {r["shift"]["id"] for r in by_shift} == {
        s["shift"]["id"] for g in groups for s in g["shifts"]
    }


def test_page_shows_a_post_once_with_a_row_and_button_per_shift(client, auth, world):
    _post, shifts = _post_with_shifts(world, "普法宣传", [MONDAY, SATURDAY, SUNDAY], capacity=1)
    saturday, sunday, monday = shifts
    store.sign_up("ca", sunday["id"], world.volunteer["uid"])  # Sunday is full
    store.sign_up("ca", saturday["id"], world.member["uid"])  # Saturday is mine
    auth.login(world.member["phone"])
    html = client.get("/portal/recommend").get_data(as_text=True)
    cards = re.findall(r'<article class="card recommend-post">(.*?)</article>', html, re.S)
    assert len(cards) == 1
    card = cards[0]
    assert card.count("专长匹配（未确认）") == 1
    assert card.count('<li class="shift">') == 3
    assert card.count(">报名</button>") == 1 and card.count(">候补报名</button>") == 1
    assert "已报名" in card and "余 1 个名额" in card
    assert f"/portal/c/ca/shifts/{monday['id']}/signup" in card
    assert f"/portal/c/ca/shifts/{sunday['id']}/signup" in card
    assert f"/portal/c/ca/shifts/{saturday['id']}/signup" not in card


def test_pages_count_posts(client, auth, world, monkeypatch):
    monkeypatch.setattr(views, "RECOMMEND_PAGE", 2)
    for n in range(5):
        _post_with_shifts(world, f"岗位{n}号", [SATURDAY, SUNDAY, MONDAY])
    auth.login(world.member["phone"])
    titles = []
    for page in (1, 2, 3):
        html = client.get(f"/portal/recommend?page={page}").get_data(as_text=True)
        found = re.findall(r"岗位\d号</a></h3>", html)
        assert len(found) == (2 if page < 3 else 1)
        assert html.count('<li class="shift">') == 3 * len(found)
        titles += found
    assert len(set(titles)) == 5
    assert 'rel="next"' not in client.get("/portal/recommend?page=3").get_data(as_text=True)
    assert 'rel="next"' in client.get("/portal/recommend?page=1").get_data(as_text=True)


def test_a_post_shows_its_first_three_shifts_and_links_the_rest(client, auth, world):
    days = ["2099-01-05", "2099-01-06", "2099-01-07", "2099-01-08", "2099-01-09"]
    post, shifts = _post_with_shifts(world, "每日巡逻", days)
    auth.login(world.volunteer["phone"])
    page = client.get("/portal/recommend").get_data(as_text=True)
    buttons = [s["id"] for s in shifts if f"/shifts/{s['id']}/signup" in page]
    assert buttons == [s["id"] for s in shifts[:3]]
    assert "还有 2 个班次，查看全部" in page and f"/posts/{post['id']}" in page
