"""Journey 4, the member: 为我推荐, sign up, waiting list, promotion, cancel in time.

Prepared through the store: a post of 东四示例社区一 asking for 摄影摄像 with two shifts,
the second with one place that another volunteer already holds, and a new 在职党员
whose skill matches. Everything the two people do happens in their browsers.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO_COMMUNITY_ADMIN,
    VIEWPORTS,
    demo_community,
    flash,
    login,
    menu,
    new_person,
    unique,
)

pytestmark = pytest.mark.browser
# The member home's list of confirmed sign-ups (the waiting list is a section of its own).
CONFIRMED_LIST = "main .section-title:has(h2:text-is('已报名的服务')) + .card .shift"


def _label(day) -> str:
    return f"{day.month}月{day.day}日"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_member_signs_up_waits_is_promoted_and_cancels(journey, viewport, live_store):
    store = live_store
    community = demo_community(store)
    admin = store.find_user_by_phone(DEMO_COMMUNITY_ADMIN)
    n = unique()
    today = store.now().date()
    day_a, day_b = today + timedelta(days=5), today + timedelta(days=6)
    title = f"社区影像记录{n}"
    post = store.create_post(
        community["id"],
        admin["uid"],
        title=title,
        category="culture",
        description="为社区活动拍照留档。",
        place="社区活动室",
        kind="shifts",
        skills=[{"skill": "photography", "count": 1}],
        shifts=[
            {"date": day_a.isoformat(), "start": "09:00", "end": "11:00", "capacity": 3},
            {"date": day_b.isoformat(), "start": "14:00", "end": "16:00", "capacity": 1},
        ],
    )
    shift_b = store.post_shifts(community["id"], post["id"])[1]
    other, other_phone = new_person(
        store, f"周先报{n:02d}", "volunteer", community, skills=["photography"]
    )
    store.sign_up(community["id"], shift_b["id"], other["uid"])
    _member, member_phone = new_person(
        store,
        f"吴摄影{n:02d}",
        "member",
        community,
        skills=["photography"],
        availability=["weekday_day", "weekday_evening", "weekend"],
    )

    j = journey("j4-signup", viewport)
    page = j.page()
    login(j, page, member_phone, label="member-login")

    # 为我推荐: the post once, matched to the member's skill, with both shifts as rows.
    menu(j, page, "为我推荐")
    expect(page.locator("h1")).to_have_text("为我推荐")
    cards = page.locator("main article.card").filter(has_text=title)
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("专长匹配（未确认）：摄影摄像")
    rows = cards.locator("li.shift")
    expect(rows).to_have_count(2)
    card_a, card_b = rows.filter(has_text=_label(day_a)), rows.filter(has_text=_label(day_b))
    expect(card_a).to_contain_text("余 3 个名额")
    expect(card_b).to_contain_text("已满，可候补")
    j.step(page, "recommend")

    card_a.get_by_role("button", name="报名", exact=True).click()
    expect(flash(page)).to_have_text(f"报名成功：{title}。")
    expect(card_a.locator(".badge-ok")).to_have_text("已报名")
    j.step(page, "signed-up")

    card_b.get_by_role("button", name="候补报名").click()
    expect(flash(page, "info")).to_contain_text("该班次已满，您已进入候补名单第 1 位")
    expect(card_b.locator(".badge-warn")).to_have_text("候补第 1 位")
    j.step(page, "waiting-list")

    menu(j, page, "我的")
    expect(page.locator(CONFIRMED_LIST).filter(has_text=title)).to_contain_text(_label(day_a))
    signed = page.locator("main .shift").filter(has_text=title)
    expect(signed.filter(has_text=_label(day_b))).to_contain_text("候补第 1 位")
    j.step(page, "home-confirmed-and-waiting")

    # The volunteer holding the full shift cancels, on their own phone.
    other_page = j.page()
    login(j, other_page, other_phone, label="other-login")
    menu(j, other_page, "我的")
    theirs = other_page.locator("main .shift").filter(has_text=title)
    expect(theirs).to_have_count(1)
    j.step(other_page, "other-home")
    theirs.get_by_role("button", name="取消报名").click()
    expect(flash(other_page)).to_have_text("已取消报名。")
    expect(other_page.locator("main .shift").filter(has_text=title)).to_have_count(0)
    j.step(other_page, "other-cancelled")

    # The member was promoted from the waiting list, and was told so.
    page.reload()
    confirmed = page.locator(CONFIRMED_LIST).filter(has_text=title)
    expect(confirmed).to_have_count(2)
    expect(confirmed.filter(has_text=_label(day_b)).locator(".badge-ok")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("候补中")
    j.step(page, "promoted")
    menu(j, page, re.compile(r"^消息"))
    expect(page.locator("h1")).to_have_text("消息")
    expect(page.locator(".inbox-item").filter(has_text=title).first).to_contain_text(
        f"已从候补转为正式报名：“{title}”"
    )
    j.step(page, "inbox-promoted")

    # The member cancels the first shift, days before it starts.
    menu(j, page, "我的")
    mine = page.locator("main .shift").filter(has_text=title)
    mine.filter(has_text=_label(day_a)).get_by_role("button", name="取消报名").click()
    expect(flash(page)).to_have_text("已取消报名。")
    left = page.locator("main .shift").filter(has_text=title)
    expect(left).to_have_count(1)
    expect(left).to_contain_text(_label(day_b))
    j.step(page, "cancelled-in-time")
    j.finish()
