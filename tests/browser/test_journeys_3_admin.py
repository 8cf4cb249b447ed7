"""Journey 3, the community admin: confirms a report-in, posts two shifts, sees the roster.

The waiting report-in is prepared through the store (a new 在职党员 who reported in to
东四示例社区一); after the post is published that member signs up for its first shift
(also through the store), so the roster the admin opens has a name on it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO_COMMUNITY,
    DEMO_COMMUNITY_ADMIN,
    VIEWPORTS,
    demo_community,
    flash,
    login,
    new_person,
    unique,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_admin_confirms_posts_and_sees_roster(journey, viewport, live_store):
    store = live_store
    community = demo_community(store)
    n = unique()
    name = f"孙待审{n:02d}"
    member, phone = new_person(store, name, "member", community)
    store.submit_report_in(member["uid"], community["id"])

    j = journey("j3-admin", viewport)
    page = j.page()
    login(j, page, DEMO_COMMUNITY_ADMIN)
    expect(page.locator("h1")).to_contain_text(f"{DEMO_COMMUNITY} · 概览")

    # The report-in queue: confirm the new member.
    page.locator("nav .subnav").get_by_role("link", name="报到审核").click()
    expect(page.locator("h1")).to_have_text("报到审核")
    card = page.locator("article.card").filter(has=page.locator("h3", has_text=name))
    expect(card).to_have_count(1)
    expect(card).to_contain_text(phone)
    expect(card).to_contain_text("东城区测试单位")
    j.step(page, "report-in-queue")
    card.get_by_role("button", name="确认报到").click()
    expect(flash(page)).to_have_text("已确认报到。")
    expect(
        page.locator("article.card").filter(has=page.locator("h3", has_text=name))
    ).to_have_count(0)
    decided = page.locator("table tr").filter(has_text=name)
    expect(decided).to_contain_text("已报到")
    j.step(page, "report-in-confirmed")

    # A new post with two shifts.
    page.locator("nav .subnav").get_by_role("link", name="发布岗位").click()
    expect(page.locator("h1")).to_have_text("发布岗位")
    title = f"楼门文艺汇演{n}"
    today = store.now().date()
    days = [today + timedelta(days=3), today + timedelta(days=4)]
    form = page.locator("form.form-post")
    form.get_by_label("岗位名称").fill(title)
    form.get_by_label("岗位分类").select_option(label="文体活动")
    form.get_by_label("岗位说明").fill("协助组织楼门院文艺汇演，负责签到和场地引导。")
    form.get_by_label("服务地点").fill("东四示例社区一活动室")
    form.locator("#skills-0-skill").select_option("arts")
    form.locator("#skills-0-count").fill("2")
    expect(form.get_by_label("按班次（指定日期和时段）")).to_be_checked()
    for row, (day, start, end, capacity) in enumerate(
        [(days[0], "09:00", "11:00", "3"), (days[1], "14:00", "16:30", "2")]
    ):
        form.locator(f"#shifts-{row}-day").fill(day.isoformat())
        form.locator(f"#shifts-{row}-start").select_option(start)
        form.locator(f"#shifts-{row}-end").select_option(end)
        form.locator(f"#shifts-{row}-capacity").fill(capacity)
    j.step(page, "new-post-filled")
    form.get_by_role("button", name="发布岗位").click()

    expect(flash(page)).to_have_text("岗位已发布。")
    expect(page.locator("h1")).to_have_text(title)
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"{days[0].month}月{days[0].day}日")
    expect(rows.nth(0)).to_contain_text("09:00–11:00")
    expect(rows.nth(0)).to_contain_text("0 / 3")
    expect(rows.nth(1)).to_contain_text(f"{days[1].month}月{days[1].day}日")
    expect(rows.nth(1)).to_contain_text("14:00–16:30")
    expect(rows.nth(1)).to_contain_text("0 / 2")
    j.step(page, "post-published")

    # The confirmed member signs up for the first shift (elsewhere); the admin sees the roster.
    pid = page.url.rstrip("/").rsplit("/", 1)[-1]
    first_shift = store.post_shifts(community["id"], pid)[0]
    store.sign_up(community["id"], first_shift["id"], member["uid"])
    page.reload()
    expect(rows.nth(0)).to_contain_text("1 / 3")
    j.step(page, "post-with-sign-up")
    rows.nth(0).get_by_role("link", name="查看名单").click()
    expect(page.locator("h1")).to_have_text(f"{title} · 名单")
    expect(page.locator("main")).to_contain_text("名额3 人，已报名 1 人")
    roster = page.locator("main table").first
    expect(roster).to_contain_text(f"1. {name}")
    expect(roster).to_contain_text(phone)
    j.step(page, "roster")
    j.finish()
