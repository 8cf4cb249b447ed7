"""Journey 5: the admin marks attendance and confirms hours; the member asks for a
certificate, the community admin approves it, the member prints it; its QR link verifies.

Attendance can only be marked once a shift has started, and a live server has no
clock to wind: the past shift and the member's sign-up (made before it started) are
written through the store. Marking, confirming, asking for the certificate, printing
and verifying all happen in the browser.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARTIFACTS,
    DEMO_COMMUNITY,
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

# Counts calls of window.print() instead of opening the print dialog.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


def _masked(name: str) -> str:
    """How the public verification page should show a name: 王*国, 李*."""
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_hours_confirmed_certificate_printed_and_verified(
    journey, viewport, live_server, live_store
):
    store = live_store
    community = demo_community(store)
    admin = store.find_user_by_phone(DEMO_COMMUNITY_ADMIN)
    n = unique()
    name = f"郑服务{n:02d}"
    member, phone = new_person(store, name, "member", community)
    day = store.now().date() - timedelta(days=1)
    title = f"楼院环境整治{n}"
    post = store.create_post(
        community["id"],
        admin["uid"],
        title=title,
        category="environment",
        description="清理楼道堆物，整理自行车棚。",
        place="东四示例社区一3号院",
        kind="shifts",
        shifts=[{"date": day.isoformat(), "start": "09:00", "end": "11:00", "capacity": 4}],
        at=datetime.combine(day - timedelta(days=3), time(10, 0)),
    )
    shift = store.post_shifts(community["id"], post["id"])[0]
    store.sign_up(
        community["id"],
        shift["id"],
        member["uid"],
        at=datetime.combine(day - timedelta(days=2), time(20, 0)),
    )

    j = journey("j5-hours", viewport)

    # The community admin marks attendance and confirms the hours.
    admin_page = j.page()
    login(j, admin_page, DEMO_COMMUNITY_ADMIN, label="admin-login")
    admin_page.locator("nav .subnav").get_by_role("link", name="岗位", exact=True).click()
    admin_page.get_by_role("link", name=title, exact=True).click()
    expect(admin_page.locator("h1")).to_have_text(title)
    j.step(admin_page, "admin-post")
    admin_page.get_by_role("link", name="查看名单").click()
    expect(admin_page.locator("h1")).to_have_text(f"{title} · 名单")
    expect(admin_page.locator("main table").first).to_contain_text(name)
    j.step(admin_page, "admin-roster")
    admin_page.get_by_role("link", name="登记到岗与工时").click()
    expect(admin_page.locator("h1")).to_have_text(f"{title} · 到岗与工时")
    row = admin_page.locator("li.att-row").filter(has_text=name)
    expect(row.locator(".badge-grey")).to_have_text("未登记")
    row.get_by_label("已到").check()
    j.step(admin_page, "admin-attendance-marking")
    row.get_by_role("button", name="保存到岗").click()
    expect(flash(admin_page)).to_have_text("已登记为“已到”。")
    row = admin_page.locator("li.att-row").filter(has_text=name)
    expect(row).to_contain_text("2 小时 · 待确认")
    j.step(admin_page, "admin-attendance-marked")
    admin_page.get_by_role("button", name="确认全部待确认工时（1 人）").click()
    expect(flash(admin_page)).to_have_text("已确认 1 人的工时，共 2 小时。")
    expect(admin_page.locator("li.att-row").filter(has_text=name)).to_contain_text(
        "2 小时 · 已确认"
    )
    j.step(admin_page, "admin-hours-confirmed")

    # The member asks for a certificate of the period, and prints it.
    page = j.page()
    page.add_init_script(COUNT_PRINTS)
    login(j, page, phone, label="member-login")
    menu(j, page, "我的")
    page.get_by_role("link", name="服务记录证明").click()
    expect(page.locator("h1")).to_have_text("志愿服务记录证明")
    page.get_by_label("开始日期").fill(day.isoformat())
    page.get_by_label("结束日期").fill(store.now().date().isoformat())
    j.step(page, "certificate-period")
    page.get_by_role("button", name="申请开具证明").click()
    expect(page.locator("main .notice")).to_contain_text("待社区审核")
    j.step(page, "certificate-pending")

    # The community issues it: its admin approves the request.
    admin_page.locator("nav .subnav").get_by_role("link", name="证明审核", exact=True).click()
    expect(admin_page.locator("h1")).to_have_text("志愿服务记录证明审核")
    request = admin_page.locator("li.cert-request").filter(has_text=name)
    expect(request).to_contain_text("已确认工时 2 小时")
    j.step(admin_page, "admin-certificate-request")
    request.get_by_role("button", name="批准出具").click()
    expect(flash(admin_page)).to_have_text(f"已出具{name}的证明。")
    j.step(admin_page, "admin-certificate-approved")

    page.reload()
    paper = page.locator("article.paper")
    expect(paper.locator("h1")).to_have_text("志愿服务记录证明")
    expect(paper).to_contain_text(f"{name} 同志")
    expect(paper).to_contain_text(f"所属社区：{DEMO_COMMUNITY}")
    expect(paper).to_contain_text("服务工时共计 2 小时")
    expect(paper.locator(".paper-sign")).to_contain_text(f"出具单位：{DEMO_COMMUNITY}")
    expect(paper.locator(".paper-sign")).to_contain_text("批准日期：")
    expect(paper.locator("table").last).to_contain_text(title)
    serial = paper.locator(".paper-serial").inner_text().split("：", 1)[1].strip()
    qr = paper.locator(".paper-qr img")
    expect(qr).to_be_visible()
    # Visible is not loaded: wait (bounded) until the image has really decoded.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=10_000
    )
    j.step(page, "certificate")

    page.get_by_role("button", name="打印证明").click()
    assert page.evaluate("window.__prints") == 1, "“打印证明”按钮没有调用 window.print()"
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("footer.site-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="打印证明")).to_be_hidden()
    expect(paper).to_be_visible()
    j.step(page, "certificate-print-media")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"j5-hours-{viewport}-certificate.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 5_000 and pdf.read_bytes().startswith(b"%PDF")
    page.emulate_media(media="screen")

    # The verification link the QR code carries, opened by someone without an account.
    verify_url = paper.locator(".paper-qr .break").inner_text().strip()
    assert verify_url == f"{live_server}/portal/verify/{serial}", verify_url
    checker = j.page()
    j.goto(checker, verify_url, "verify")
    expect(checker.locator("h1")).to_have_text("志愿服务记录证明核验")
    card = checker.locator("section.verify-ok")
    expect(card).to_contain_text("证明有效")
    expect(card).to_contain_text(serial)
    expect(card).to_contain_text(_masked(name))
    expect(card).not_to_contain_text(name)
    expect(card).to_contain_text("2 小时（1 次服务）")
    expect(card).to_contain_text(DEMO_COMMUNITY)
    j.finish()
