"""Browser journey of 网格 and 楼门院: the community admin imports the grids from the
template, a member reports in naming their building and is confirmed into it, the admin
appoints a 网格员, a resident's need with its building reaches the grid, the 网格员 closes
it in the grid on a phone, and the 社区专员 sees the community's grid coverage. Then a
小巷管家 patrols on a phone and records a finding with a photo, sends it to the grid, the
网格员 closes it and the 社区专员 sees it on their home; a 驻区单位 pledges a resource at
street level and the community admin matches it with a need.

Its own server on a data folder seeded first (as the whistle journey does).
"""

from __future__ import annotations

import time

import pytest

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, check_page, flash, run_server, shot

pytestmark = pytest.mark.browser

PASSWORD = "journey2026pw"
PHONES = {
    "admin": "13820000001",
    "member": "13820000002",
    "worker": "13820000003",
    "street": "13820000004",
    "liaison": "13820000005",
    "steward": "13820000006",
    "unit": "13820000007",
}


def _seed(data_dir) -> dict:
    from portal import store
    from portal.config import DEFAULTS

    store.open_store(data_dir)
    store.add_community("dongsi", "网格旅程社区", cid="ga")
    people = {}
    for key, role, scope in (
        ("admin", "community_admin", "ga"),
        ("member", "member", None),
        ("worker", "volunteer", None),
        ("street", "street_admin", "dongsi"),
        ("liaison", "volunteer", None),
        ("steward", "volunteer", None),
        ("unit", "member", None),
    ):
        people[key] = store.create_user(
            phone=PHONES[key],
            password=PASSWORD,
            name=f"网格旅程{key}",
            role=role,
            scope=scope,
            consent_version=DEFAULTS["CONSENT_VERSION"],
        )
    store.appoint(
        "street",
        "dongsi",
        people["liaison"]["uid"],
        "community_liaison",
        ["ga"],
        people["street"]["uid"],
    )
    lane = store.add_lane("dongsi", "网格旅程胡同")
    store.appoint(
        "street",
        "dongsi",
        people["steward"]["uid"],
        "lane_steward",
        [lane["id"]],
        people["street"]["uid"],
    )
    unit = store.register_unit(
        name="网格旅程共建单位",
        level="street",
        street_id="dongsi",
        phone="010-64001234",
        by=people["street"]["uid"],
    )
    store.appoint_unit_contact(unit["id"], people["unit"]["uid"], people["street"]["uid"])
    return people


def _jpeg(path) -> str:
    from PIL import Image

    Image.new("RGB", (640, 480), (90, 120, 160)).save(path, "JPEG")
    return str(path)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("grids-data")
    return {"dir": data_dir, "people": _seed(data_dir)}


@pytest.fixture(scope="module")
def live_server(seeded, tmp_path_factory):
    with run_server(seeded["dir"], tmp_path_factory.mktemp("grids-logs"), "--no-demo") as base:
        yield base


def _open(page, path: str) -> None:
    page.goto(path)
    check_page(page)


def _go(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()
    check_page(page)


def _login(page, who: str) -> None:
    _open(page, "/portal/login")
    page.fill("#phone", PHONES[who])
    page.fill("#password", PASSWORD)
    _go(page, "form button[type=submit]:has-text('登录')")


def test_grids_journey(page_factory, seeded, tmp_path):
    started = time.monotonic()
    base = "/portal/admin/c/ga/grids"

    # 1. The admin downloads the template and imports it: preview first, then all of it.
    admin = page_factory(DESKTOP)
    _login(admin, "admin")
    _open(admin, f"{base}/import")
    with admin.expect_download() as download:
        admin.click("text=Excel 模板（.xlsx）")
    template = tmp_path / "网格模板.xlsx"
    download.value.save_as(template)
    admin.set_input_files("#file", str(template))
    _go(admin, "button:has-text('上传并预览')")
    assert "新增网格 2 个" in admin.inner_text("main")
    shot(admin, "grids-01-preview")
    _go(admin, "button:has-text('确认导入')")
    assert "导入完成" in admin.inner_text(".flashes")
    assert "1号楼" in admin.inner_text("main")
    shot(admin, "grids-02-tree")

    # 2. A member reports in on a phone, naming the building.
    member = page_factory(PHONE)
    _login(member, "member")
    _open(member, "/portal/join/ga")
    member.select_option("#place", label="第一网格 · 1号楼")
    _go(member, "button:has-text('提交报到申请')")
    shot(member, "grids-03-reported-in")

    # 3. The admin confirms; the member is counted in the building.
    _open(admin, "/portal/admin/c/ga/report-ins")
    _go(admin, "button:has-text('确认')")
    _open(admin, f"{base}/")
    assert "全部已编入网格" in admin.inner_text("main")

    # 4. The admin appoints a 网格员 for the first grid.
    _open(admin, f"{base}/roles")
    admin.fill("#phone", PHONES["worker"])
    admin.select_option("#role", "grid_worker")
    admin.select_option("#targets", label="第一网格")
    _go(admin, "form.form button:has-text('任命')")
    assert "已任命" in admin.inner_text(".flashes")
    shot(admin, "grids-04-appointed")

    # 5. A resident raises a need naming the building (no account).
    resident = page_factory(PHONE)
    _open(resident, "/portal/needs/new/ga")
    resident.select_option("#category", index=1)
    resident.fill("#description", "1号楼楼道的声控灯坏了，晚上看不见台阶")
    resident.select_option("#building_id", label="第一网格 · 1号楼")
    resident.fill("#phone", "13620000009")
    _go(resident, "form button[type=submit]:has-text('提交')")
    shot(resident, "grids-05-need-sent")

    # 6. The 网格员 closes it in the grid, on a phone.
    worker = page_factory(PHONE)
    _login(worker, "worker")
    _go(worker, "a:has-text('我的网格')")
    assert "声控灯" in worker.inner_text("main")
    worker.fill("input[name=note] >> nth=0", "已更换灯泡，楼道恢复照明")
    _go(worker, "button:has-text('网格内办结')")
    assert "已在网格内办结" in worker.inner_text(".flashes")
    shot(worker, "grids-06-closed-in-grid")

    # 7. The community's figures and the 社区专员's home show it.
    _open(admin, "/portal/admin/c/ga")
    assert "网格内 1 条" in admin.inner_text("main")
    liaison = page_factory(DESKTOP)
    _login(liaison, "liaison")
    _open(liaison, "/portal/liaison/")
    assert "网格旅程社区" in liaison.inner_text("main")
    shot(liaison, "grids-07-liaison-home")

    # 8. A 小巷管家 patrols on a phone and records a finding with a photo.
    steward = page_factory(PHONE)
    _login(steward, "steward")
    _open(steward, "/portal/patrols/")
    steward.select_option("#lane-dongsi", label="网格旅程胡同")
    _go(steward, "button:has-text('开始巡查')")
    steward.select_option("#category", index=1)
    steward.fill("#note", "井盖松动，踩上去有响声")
    steward.fill("#place", "3号院门口")
    form = steward.locator("main form[data-photo-form]")
    form.locator("input[name=photos]").set_input_files(_jpeg(tmp_path / "井盖.jpg"))
    # The page shrinks the photo before it sends the form (its script posts it).
    expect(form.locator(".photo-previews li")).to_have_count(1)
    form.get_by_role("button", name="记录").click()
    expect(flash(steward)).to_contain_text("已记录这条发现")
    check_page(steward)
    findings = steward.locator("#findings")
    assert "井盖松动" in findings.inner_text()
    assert findings.locator("img").count() == 1
    shot(steward, "grids-08-finding-with-photo")

    # 9. The finding becomes a need of the first grid, in one step.
    _go(steward, "a:has-text('转为社区需求')")
    steward.select_option("#community", label="网格旅程社区 · 第一网格（先交网格处理）")
    _go(steward, "button:has-text('转为需求')")
    assert "已转为网格旅程社区的需求" in steward.inner_text(".flashes")

    # 10. The 网格员 closes it in the grid; the 社区专员's home counts both closed there.
    _open(worker, "/portal/grid/")
    assert "井盖松动" in worker.inner_text("main")
    worker.fill("input[name=note] >> nth=0", "已通知养护单位加固井盖")
    _go(worker, "button:has-text('网格内办结')")
    assert "已在网格内办结" in worker.inner_text(".flashes")
    _open(liaison, "/portal/liaison/")
    figure = liaison.locator("[data-community=ga] [data-figure=closed-in-grid] strong")
    assert figure.inner_text() == "2"
    shot(liaison, "grids-09-liaison-closed-in-grid")

    # 11. The 驻区单位's contact pledges a resource to the street's list, on a phone.
    unit = page_factory(PHONE)
    _login(unit, "unit")
    _open(unit, "/portal/unit/")
    unit.select_option("#target", "street:dongsi")
    unit.fill("#name", "法律咨询志愿服务")
    unit.select_option("#kind", "expertise")
    _go(unit, "button:has-text('提供资源')")
    assert "提供给东四街道的资源清单" in unit.inner_text(".flashes")
    shot(unit, "grids-10-unit-pledged")

    # 12. The community admin matches it with a need of the community.
    _open(resident, "/portal/needs/new/ga")
    resident.select_option("#category", index=1)
    resident.fill("#description", "邻里纠纷需要律师给些法律咨询意见")
    resident.fill("#phone", "13620000010")
    _go(resident, "form button[type=submit]:has-text('提交')")
    _open(admin, "/portal/admin/c/ga/lists/needs")
    _go(admin, ".need-item:has-text('邻里纠纷') a >> nth=0")
    admin.select_option("#ref", label="【街道级】东四街道 · 法律咨询志愿服务（网格旅程共建单位）")
    _go(admin, "button:has-text('匹配资源')")
    assert "已匹配资源：法律咨询志愿服务。" in admin.inner_text(".flashes")
    assert "匹配的资源（1）" in admin.inner_text("#matches")
    shot(admin, "grids-11-matched")
    print(f"\n网格旅程用时 {time.monotonic() - started:.1f} 秒")
    # Chromium reports a download as an aborted request (ERR_ABORTED), and aborts the
    # favicon's fetch when a page navigates on: neither is a failure of the portal.
    for page in (admin, member, resident, worker, liaison, steward, unit):
        log = page.kb_log
        log.console_errors[:] = [e for e in log.console_errors if "favicon" not in e]
        log.failed[:] = [f for f in log.failed if "favicon" not in f and "template.xlsx" not in f]
