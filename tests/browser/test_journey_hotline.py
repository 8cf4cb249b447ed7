"""Browser journey of 接诉即办 (phone 390×844 and desktop): the district imports a batch of
hotline orders (a CSV on the phone, an .xlsx on the desktop) through the preview, hands the
caller a private link and dispatches one order to 东四街道; the street signs it and
dispatches it to 东四示例社区一; the community signs, calls the resident and answers; the
resident rates 不满意 through the link, which reopens the order (重办); the community
answers again, the resident rates 满意, the district closes it, and the street's 三率 page
counts one more order dispatched, signed in time, closed and solved, rated 满意 and reopened.

It runs on the shared live server (demo data: the 东四 admins, a month of example orders);
every run imports its own 工单编号, so the phone and desktop runs never meet.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import store
from tests.browser.conftest import VIEWPORTS, flash, login, menu, unique

pytestmark = pytest.mark.browser

DISTRICT, STREET, COMMUNITY = "13900000001", "13900000002", "13900000003"
COLUMNS = [
    "工单编号",
    "受理时间",
    "诉求人",
    "联系电话",
    "诉求内容",
    "诉求类别",
    "地址",
    "所属街道",
    "所属社区",
    "办理时限",
]


def _batch(folder, kind: str, n: int, received: str) -> tuple[str, str]:
    """A two-row hotline export as the city's system gives it; returns (path, the journey's
    order text). Numbers are new in every run."""
    text = f"旅程{n}：北口胡同路灯不亮，晚上出门看不见（示例）"
    rows = [
        [f"JH{n:04d}A", received, "张先生", "13800001234", text, "路灯照明", "北口胡同 7 号",
         "东四街道", "东四示例社区一", ""],
        [f"JH{n:04d}B", received, "李女士", "13900005678", f"旅程{n}：院门口共享单车乱停（示例）",
         "停车与通行", "东四六条 12 号", "东四街道", "", "3"],
    ]  # fmt: skip
    path = folder / f"hotline-{n}.{kind}"
    if kind == "csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            csv.writer(out).writerows([COLUMNS, *rows])
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in [COLUMNS, *rows]:
            sheet.append(row)
        book.save(path)
    return str(path), text


def _counts(page) -> dict:
    """The street's figures of the month as the 三率 card prints them:
    (在时限内签收 ÷ 派单), (解决 ÷ 结案), (满意 + 基本满意) ÷ 评价, 重办 n 件."""
    card = page.locator("dl.hotline-rates")
    expect(card).to_be_visible()
    text = page.locator("main").inner_text()
    numbers = {}
    for name in ("response", "resolution"):
        cell = page.locator(f"strong[data-rate={name}] + span").inner_text()
        found = re.search(r"（(\d+) ÷ (\d+)）", cell)
        assert found, cell
        numbers[name] = (int(found.group(1)), int(found.group(2)))
    cell = page.locator("strong[data-rate=satisfaction] + span").inner_text()
    found = re.search(r"（(\d+) \+ (\d+)）÷ (\d+)", cell)
    assert found, cell
    numbers["satisfaction"] = tuple(int(g) for g in found.groups())
    found = re.search(r"重办 (\d+) 件", text)
    assert found, text
    numbers["reopened"] = int(found.group(1))
    numbers["shown"] = {
        name: page.locator(f"strong[data-rate={name}]").inner_text().strip()
        for name in ("response", "resolution", "satisfaction")
    }
    return numbers


def _pct(part: int, whole: int) -> str:
    return "—" if not whole else f"{part / whole * 100:.1f}%"


def _street_rates(j, page, label: str) -> dict:
    """The street admin's way to the 三率: 管理 → 数据看板 → 接诉即办三率; its figures."""
    menu(j, page, "管理")
    page.locator("main").get_by_role("link", name="数据看板").click()
    page.locator("main").get_by_role("link", name="接诉即办三率").click()
    expect(page.locator("h1")).to_have_text("接诉即办三率 · 东四街道")
    j.step(page, label)
    return _counts(page)


def _open_order(j, page, text: str, label: str) -> None:
    """From the unit's 接诉即办 list to the order (the menu, then the order's link)."""
    menu(j, page, "接诉即办")
    expect(page.locator("h1")).to_have_text("接诉即办工单")
    page.locator("main .status-list a", has_text=text[:12]).click()
    expect(page.locator("h1")).to_have_text("路灯照明")
    j.step(page, label)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_hotline_journey(journey, viewport, live_server, tmp_path):
    j = journey("hotline", viewport)
    n = unique()
    kind = "csv" if j.phone else "xlsx"

    # The street's 三率 before: the month's figures of 东四街道.
    street = j.page()
    login(j, street, STREET, label="street-login")
    before = _street_rates(j, street, "street-rates-before")

    # The district imports the batch: upload, preview, confirm; a second upload adds nothing.
    district = j.page()
    login(j, district, DISTRICT, label="district-login")
    menu(j, district, "接诉即办")
    expect(district.locator("h1")).to_have_text("接诉即办工单")
    district.get_by_role("link", name="导入热线工单").click()
    expect(district.locator("h1")).to_have_text("导入热线工单")
    j.step(district, "district-import")
    # Received half an hour ago (Beijing time, as the hotline's export writes it), within
    # this month: the figures count an order in the month it was received.
    now = store.now()
    received = max(now - timedelta(minutes=30), now.replace(day=1, hour=0, minute=0, second=0))
    path, text = _batch(tmp_path, kind, n, received.strftime("%Y-%m-%d %H:%M"))
    district.get_by_label("热线工单表格").set_input_files(path)
    district.get_by_role("button", name="上传并预览").click()
    expect(district.locator("h1")).to_have_text("导入预览")
    expect(district.locator("main")).to_contain_text("新增工单 2 件")
    expect(district.locator("main")).to_contain_text(f"JH{n:04d}A")
    j.step(district, "district-preview")
    district.get_by_role("button", name="确认导入").click()
    expect(flash(district)).to_contain_text("新增工单 2 件")
    j.step(district, "district-imported")
    j.goto(district, "/portal/hotline/import", "district-import-again")
    district.get_by_label("热线工单表格").set_input_files(path)
    district.get_by_role("button", name="上传并预览").click()
    expect(district.locator("main")).to_contain_text("新增工单 0 件")
    expect(district.locator("main")).to_contain_text("将跳过 2 件")
    j.step(district, "district-preview-again")

    # The district hands the caller a private link and dispatches to 东四街道 (pre-selected
    # from 所属街道 in the file).
    _open_order(j, district, text, "district-order")
    expect(district.locator("main")).to_contain_text("待派单")
    expect(district.locator("main")).to_contain_text("138****1234")  # masked
    district.get_by_role("button", name="生成诉求人查询链接").click()
    link = district.locator("code.link-box").inner_text().strip()
    assert link.startswith(f"{live_server}/portal/hotline/s/"), link
    j.step(district, "district-link")
    target = district.get_by_label("派往")
    expect(target.locator("option:checked")).to_have_text("东四街道")
    district.get_by_role("button", name="派单", exact=True).click()
    expect(flash(district)).to_have_text("已派单。")
    expect(district.locator(".page-head .badge").first).to_have_text("已派单")
    j.step(district, "district-dispatched")

    # The street signs and dispatches to 东四示例社区一 (suggested by 所属社区).
    _open_order(j, street, text, "street-order")
    street.get_by_role("button", name="签收").click()
    expect(flash(street)).to_have_text("已签收。")
    target = street.get_by_label("派往")
    expect(target.locator("option:checked")).to_have_text("东四示例社区一")
    street.get_by_label("派单说明").fill("请社区当天联系诉求人。")
    j.step(street, "street-signed")
    street.get_by_role("button", name="派单", exact=True).click()
    expect(flash(street)).to_have_text("已派单。")
    j.step(street, "street-dispatched")

    # The community signs, calls the resident and answers.
    community = j.page()
    login(j, community, COMMUNITY, label="community-login")
    _open_order(j, community, text, "community-order")
    community.get_by_role("button", name="签收").click()
    expect(flash(community)).to_have_text("已签收。")
    community.get_by_label("联系情况").fill("已电话联系张先生，约定今晚查看。")
    community.get_by_role("button", name="记录联系").click()
    expect(flash(community)).to_have_text("已记录联系情况。")
    expect(community.locator(".page-head .badge").first).to_have_text("办理中")
    community.get_by_label("答复内容").fill("已请物业更换灯泡，路灯恢复。")
    community.get_by_label("已解决", exact=True).check()
    j.step(community, "community-answering")
    community.get_by_role("button", name="答复", exact=True).click()
    expect(flash(community)).to_contain_text("已答复")
    expect(community.locator(".page-head .badge").first).to_have_text("已答复")
    j.step(community, "community-answered")

    # The resident: the private link, 不满意 → 重办.
    resident = j.page()
    j.goto(resident, link, "resident-answered")
    expect(resident.locator("h1")).to_have_text("您的诉求办理进度")
    expect(resident.locator("main")).to_contain_text("已请物业更换灯泡")
    expect(resident.locator("main")).not_to_contain_text("1234")  # no phone on the page
    resident.get_by_label("不满意", exact=True).check()
    resident.get_by_label("意见").fill("只亮了一晚，又不亮了。")
    j.step(resident, "resident-unsatisfied")
    resident.get_by_role("button", name="提交评价").click()
    expect(flash(resident)).to_contain_text("重新办理")
    expect(resident.locator(".page-head .badge")).to_have_text("办理中")
    expect(resident.locator("main")).to_contain_text("重办")
    j.step(resident, "resident-reopened")

    # The community answers again.
    community.reload()
    expect(community.locator(".page-head .badge").first).to_have_text("办理中")
    expect(community.locator("main")).to_contain_text("只亮了一晚")
    community.get_by_label("答复内容").fill("已更换整套灯具和线路，连续三晚正常。")
    community.get_by_label("已解决", exact=True).check()
    community.get_by_role("button", name="答复", exact=True).click()
    expect(flash(community)).to_contain_text("已答复")
    j.step(community, "community-answered-again")

    # The resident rates 满意.
    j.goto(resident, link, "resident-answered-again")
    resident.get_by_label("满意", exact=True).check()
    resident.get_by_label("意见").fill("这次修好了，谢谢。")
    resident.get_by_role("button", name="提交评价").click()
    expect(flash(resident)).to_have_text("感谢您的评价！")
    expect(resident.locator(".page-head .badge")).to_have_text("已回访")
    expect(resident.locator("main")).to_contain_text("您的评价：满意")
    j.step(resident, "resident-satisfied")

    # The district closes it.
    district.reload()
    expect(district.locator(".page-head .badge").first).to_have_text("已回访")
    district.get_by_role("button", name="结案", exact=True).click()
    expect(flash(district)).to_have_text("已结案。")
    expect(district.locator(".page-head .badge").first).to_have_text("已结案")
    j.step(district, "district-closed")

    # The street's 三率: one more dispatched and signed in time, closed and solved, rated
    # 满意, reopened once; the rates printed beside the counts follow them.
    after = _street_rates(j, street, "street-rates-after")
    signed, dispatched = before["response"]
    assert after["response"] == (signed + 1, dispatched + 1)
    resolved, closed = before["resolution"]
    assert after["resolution"] == (resolved + 1, closed + 1)
    satisfied, basic, rated = before["satisfaction"]
    assert after["satisfaction"] == (satisfied + 1, basic, rated + 1)
    assert after["reopened"] == before["reopened"] + 1
    satisfied, basic, rated = after["satisfaction"]
    assert after["shown"] == {
        "response": _pct(*after["response"]),
        "resolution": _pct(*after["resolution"]),
        "satisfaction": _pct(satisfied + basic, rated),
    }
    j.finish()
