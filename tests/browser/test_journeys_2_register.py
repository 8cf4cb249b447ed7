"""Journey 2, a new 在职党员: registers, reports in through the join link, waits.

The first attempt has a wrong phone number and a weak password: the Chinese errors
show and what was typed stays. The join link is the one the community page shows
next to its QR code.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_COMMUNITY, VIEWPORTS, menu, new_phone, unique

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_new_member_registers_and_reports_in(journey, viewport, live_server):
    j = journey("j2-register", viewport)
    page = j.page()
    n = unique()
    name, phone = f"钱报到{n:02d}", new_phone()
    unit, org = f"东城区测试局{n}处", f"测试局第{n}党支部"

    # The community's page shows its join link and QR code (what a poster would carry).
    j.goto(page, "/portal/", "portal-home")
    menu(j, page, "社区")
    page.get_by_role("link", name=DEMO_COMMUNITY, exact=True).first.click()
    expect(page.locator("h1")).to_have_text(DEMO_COMMUNITY)
    qr = page.locator("section .qr img")
    expect(qr).to_be_visible()
    # Visible is not loaded: wait (bounded) until the image has really decoded.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=10_000
    )
    join_url = page.locator(".link-box").first.inner_text().strip()
    assert join_url.startswith(live_server + "/portal/join/"), join_url
    j.step(page, "community-page-with-qr")

    # Scanning the QR code opens the join link.
    j.goto(page, join_url, "join-link")
    expect(page.locator("h1")).to_have_text(f"回{DEMO_COMMUNITY}报到")
    page.get_by_role("link", name="注册并报到").click()
    expect(page.locator("h1")).to_have_text("注册账号")
    j.step(page, "register-form")

    # First attempt: a wrong phone number and a weak password.
    form = page.locator("form.form-register")
    form.locator("#phone").fill("1380000")
    form.locator("#password").fill("abc12")
    form.locator("#confirm").fill("abc12")
    form.get_by_label("在职党员", exact=True).check()
    form.locator("#name").fill(name)
    form.locator("#work_unit").fill(unit)
    form.locator("#party_org").fill(org)
    expect(form.locator("#home_cid option:checked")).to_have_text(DEMO_COMMUNITY)
    form.get_by_label("我已阅读并同意《个人信息处理说明》").check()
    j.step(page, "register-wrong-filled")
    form.get_by_role("button", name="同意并注册").click()

    form = page.locator("form.form-register")
    expect(form.locator(".form-errors")).to_contain_text("处需要修改")
    expect(form.locator("#phone-errors")).to_contain_text(
        "请输入 11 位中国大陆手机号，例如 13800001234。"
    )
    expect(form.locator("#password-errors")).to_contain_text("密码至少 8 位。")
    # What was typed is still there (passwords excepted: browsers never get them back).
    expect(form.locator("#phone")).to_have_value("1380000")
    expect(form.locator("#name")).to_have_value(name)
    expect(form.locator("#work_unit")).to_have_value(unit)
    expect(form.locator("#party_org")).to_have_value(org)
    expect(form.get_by_label("在职党员", exact=True)).to_be_checked()
    expect(form.locator("#home_cid option:checked")).to_have_text(DEMO_COMMUNITY)
    expect(form.get_by_label("我已阅读并同意《个人信息处理说明》")).to_be_checked()
    j.step(page, "register-errors")

    # Second attempt: corrected.
    form.locator("#phone").fill(phone)
    form.locator("#password").fill(f"Dongsi{n}x2026")
    form.locator("#confirm").fill(f"Dongsi{n}x2026")
    j.step(page, "register-corrected")
    form.get_by_role("button", name="同意并注册").click()

    # Back on the join link, logged in: report in.
    expect(page.locator(".flash-success")).to_contain_text("注册成功")
    expect(page.locator("h1")).to_have_text(f"回{DEMO_COMMUNITY}报到")
    expect(page.locator("main")).to_contain_text(f"{name}，确认向本社区报到？")
    j.step(page, "join-logged-in")
    page.get_by_role("button", name="提交报到申请").click()

    # Member home: the report-in waits for the community's confirmation.
    expect(page.locator(".flash-success")).to_contain_text(
        f"已向{DEMO_COMMUNITY}提交报到申请，请等待社区确认。"
    )
    expect(page.locator("h1")).to_contain_text(f"{name}，您好")
    expect(page.locator(".notice-info")).to_contain_text(f"您已向 {DEMO_COMMUNITY} 提交报到申请")
    expect(page.locator(".notice-info")).to_contain_text("正在等待社区确认")
    j.step(page, "waiting-for-confirmation")
    j.finish()
