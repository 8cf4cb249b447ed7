"""Journey 6: a resident raises a need through the public form; the community admin turns
it into a post and closes it with an evaluation; the resident's status link shows it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO_COMMUNITY,
    DEMO_COMMUNITY_ADMIN,
    VIEWPORTS,
    flash,
    login,
    menu,
    new_phone,
    unique,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_need_to_post_to_closed_with_evaluation(journey, viewport, live_server):
    j = journey("j6-needs", viewport)
    n = unique()
    text = f"3号楼{n}单元楼道灯坏了，老人晚上上下楼看不清，希望尽快维修。"
    building = f"3号楼{n}单元"

    # The resident: the community page's 我要提需求, no account.
    resident = j.page()
    j.goto(resident, "/portal/", "resident-portal")
    menu(j, resident, "社区")
    resident.get_by_role("link", name=DEMO_COMMUNITY, exact=True).first.click()
    expect(resident.locator("h1")).to_have_text(DEMO_COMMUNITY)
    j.step(resident, "resident-community")
    resident.get_by_role("link", name="我要提需求").click()
    expect(resident.locator("h1")).to_have_text("我要提需求")
    form = resident.locator("main form")
    form.get_by_label("需求分类").select_option(label="环境整治（服务需求）")
    form.get_by_label("需求描述").fill(text)
    form.get_by_label("楼栋/院落").fill(building)
    form.get_by_label("较急").check()
    expect(form.get_by_label("居民", exact=True)).to_be_checked()
    form.get_by_label("称呼").fill("刘阿姨")
    form.get_by_label("手机号").fill(new_phone())
    j.step(resident, "resident-need-filled")
    form.get_by_role("button", name="提交需求").click()
    expect(flash(resident)).to_contain_text("需求已提交")
    expect(resident.locator("h1")).to_have_text("需求进度")
    expect(resident.locator("main")).to_contain_text(text)
    expect(resident.locator(".card-title .badge").first).to_have_text("待处理")
    status_url = resident.locator(".link-box").inner_text().strip()
    assert status_url.startswith(f"{live_server}/portal/needs/status/"), status_url
    j.step(resident, "resident-status-submitted")

    # The community admin: 需求清单 → the need → a post from it → start → close with evaluation.
    admin = j.page()
    login(j, admin, DEMO_COMMUNITY_ADMIN, label="admin-login")
    admin.locator("main").get_by_role("link", name="需求清单").first.click()
    expect(admin.locator("h1")).to_have_text("需求清单")
    item = admin.locator(".need-item").filter(has_text=text)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("待处理")
    j.step(admin, "admin-needs")
    item.get_by_role("link", name="环境整治").click()
    expect(admin.locator("h1")).to_have_text("需求详情")
    expect(admin.locator("main")).to_contain_text("居民在线提交")
    j.step(admin, "admin-need")

    admin.get_by_role("link", name="由此需求发布岗位").click()
    expect(admin.locator("h1")).to_have_text("由需求发布岗位")
    form = admin.locator("form.form-post")
    expect(form.get_by_label("岗位名称")).to_have_value("环境整治服务")
    expect(form.get_by_label("岗位说明")).to_have_value(text)
    expect(form.get_by_label("服务地点")).to_have_value(building)
    title = f"楼道照明维修{n}"
    form.get_by_label("岗位名称").fill(title)
    day = date.today() + timedelta(days=2)
    form.locator("#shifts-0-day").fill(day.isoformat())
    form.locator("#shifts-0-start").select_option("15:00")
    form.locator("#shifts-0-end").select_option("17:00")
    form.locator("#shifts-0-capacity").fill("2")
    j.step(admin, "admin-post-from-need")
    form.get_by_role("button", name="发布岗位").click()
    expect(flash(admin)).to_have_text("岗位已发布，并已关联到这条需求。")
    expect(admin.locator("h1")).to_have_text("需求详情")
    expect(admin.locator("main").get_by_role("link", name=title)).to_be_visible()
    j.step(admin, "admin-post-linked")

    admin.get_by_label("受理说明（可选）").fill("已联系物业电工，明天上门。")
    admin.get_by_role("button", name="开始处理").click()
    expect(flash(admin)).to_have_text("已开始处理。")
    j.step(admin, "admin-started")
    # The admin closes without a satisfaction: the resident rates it on the status link.
    expect(admin.get_by_label("5 分 非常满意")).to_have_count(0)
    admin.get_by_label("办结说明（可选）").fill("楼道灯已更换，党员志愿者协助检查了其他楼层。")
    j.step(admin, "admin-closing")
    admin.get_by_role("button", name="办结").click()
    expect(flash(admin)).to_contain_text("需求已办结。")
    expect(admin.locator(".card-title .badge").first).to_have_text("已办结")
    expect(admin.locator("main")).to_contain_text("等待提出人在进度页面评价")
    j.step(admin, "admin-closed")

    # The resident's status link shows the outcome, and the resident rates it there.
    j.goto(resident, status_url, "resident-status-closed")
    expect(resident.locator(".card-title .badge").first).to_have_text("已办结")
    expect(resident.locator("main")).to_contain_text("已联系物业电工，明天上门。")
    expect(resident.locator("main")).to_contain_text("楼道灯已更换")
    resident.get_by_label("5 分 非常满意").check()
    resident.get_by_label("评价（可选）").fill("修得很快，谢谢社区。")
    resident.get_by_role("button", name="提交评价").click()
    expect(flash(resident)).to_have_text("感谢您的评价，社区已收到。")
    expect(resident.locator("main")).to_contain_text("修得很快，谢谢社区。")
    expect(resident.locator("main")).to_contain_text("居民评价")
    j.step(resident, "resident-rated")
    j.finish()
