"""为我推荐 shows each post once: its reasons once, then each shift as a row with its own
time, free places and 报名 button; pages count posts, not shifts."""

from __future__ import annotations

import re

from flask import render_template_string

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


def test_page_shows_a_post_once_with_a_row_and_button_per_shift(client, auth, world, monkeypatch):
    monkeypatch.setattr(views, "RECOMMEND_SHIFTS", 3)
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
        assert html.count('<li class="shift">') == min(3, views.RECOMMEND_SHIFTS) * len(found)
        titles += found
    assert len(set(titles)) == 5
    assert 'rel="next"' not in client.get("/portal/recommend?page=3").get_data(as_text=True)
    assert 'rel="next"' in client.get("/portal/recommend?page=1").get_data(as_text=True)


def test_a_post_shows_its_next_shifts_and_links_the_rest(client, auth, world):
    days = ["2099-01-05", "2099-01-06", "2099-01-07", "2099-01-08", "2099-01-09"]
    post, shifts = _post_with_shifts(world, "每日巡逻", days)
    auth.login(world.volunteer["phone"])
    page = client.get("/portal/recommend").get_data(as_text=True)
    buttons = [s["id"] for s in shifts if f"/shifts/{s['id']}/signup" in page]
    shown = views.RECOMMEND_SHIFTS
    assert shown < len(days) and buttons == [s["id"] for s in shifts[:shown]]
    assert f"还有 {len(days) - shown} 个班次，查看全部" in page and f"/posts/{post['id']}" in page


def test_store_draws_the_next_shifts_only_when_asked(world):
    # Saturday, Sunday, Monday, Saturday: the two shown are both at the weekend, but
    # the weekend is not a reason every shift of the post shares.
    _post_with_shifts(world, "每日巡逻", [SATURDAY, SUNDAY, MONDAY, "2099-01-10"])
    full, total = store.recommend_posts(world.member["uid"])
    short, same_total = store.recommend_posts(world.member["uid"], shown=2)
    assert total == same_total == 1
    assert full[0]["count"] == short[0]["count"] == 4
    assert len(full[0]["shifts"]) == 4 and len(short[0]["shifts"]) == 2
    assert short[0]["shifts"] == full[0]["shifts"][:2]
    assert short[0]["reasons"] == full[0]["reasons"]
    assert not any("空闲时间" in r for r in short[0]["reasons"])
    assert [s["extra"] for s in short[0]["shifts"]] == [["符合您的空闲时间：周末"]] * 2


def test_post_reasons_are_those_all_its_shifts_share(world):
    """The post's reasons are worked out per post (one slot shared by all its shifts or
    not); they must be what comparing every shift's reasons gives."""
    _post_with_shifts(world, "周末岗", [SATURDAY, SUNDAY])
    _post_with_shifts(world, "混合岗", [MONDAY, SATURDAY])
    _post_with_shifts(world, "工作日岗", [MONDAY, "2099-01-06"], cid="cb")
    _post_with_shifts(world, "文艺岗", [SUNDAY, "2099-01-11"], category="culture")
    groups, total = store.recommend_posts(world.member["uid"])
    assert total == 4
    for group in groups:
        shifts = group["shifts"]
        common = [r for r in shifts[0]["reasons"] if all(r in s["reasons"] for s in shifts)]
        assert group["reasons"] == common, group["post"]["title"]
        for shift in shifts:
            assert shift["extra"] == [r for r in shift["reasons"] if r not in common]
    weekend = next(g for g in groups if g["post"]["title"] == "周末岗")
    assert "符合您的空闲时间：周末" in weekend["reasons"]
    assert [s["extra"] for s in weekend["shifts"]] == [[], []]


def _page_nav(html: str) -> list[tuple[str, ...]]:
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'<a href="([^"]*)"(?: rel="(\w+)")?>([^<]*)</a>|<span class="(\w+)"', nav[0])


def test_page_links_are_those_of_the_shared_pagination(app, client, auth, world, monkeypatch):
    """The page builds its page links from one URL; they must be what _macros.pagination
    draws (the other query arguments kept, gaps, the current page)."""
    monkeypatch.setattr(views, "RECOMMEND_PAGE", 1)
    for n in range(9):
        _post_with_shifts(world, f"岗位{n}号", [SATURDAY])
    auth.login(world.member["phone"])
    macro = "{% import '_macros.html' as m with context %}{{ m.pagination(page, 9) }}"
    for page, query in (
        (5, "page=5&only=1"),
        (1, "only=1&x=__page__"),
        (9, "page=9"),
        (2, "x=%E4%B8%AD&page=2"),
    ):
        html = client.get(f"/portal/recommend?{query}").get_data(as_text=True)
        with app.test_request_context(f"/portal/recommend?{query}"):
            expected = render_template_string(macro, page=page)
        assert _page_nav(html) == _page_nav(expected), query
        assert len(_page_nav(html)) >= 5
