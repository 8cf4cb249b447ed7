"""Browser journey of 街道吹哨、部门报到: a community escalates a need, the street whistles,
two departments report in and finish, the street verifies and closes with ratings, and
the department scorecard changes.

This module starts its own server (``run.py`` as the shared fixture does) on a data
folder it seeded first, so that the accounts and the need are known; it overrides
``live_server`` so that ``page_factory`` checks traffic against this server.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import DESKTOP, PHONE, check_page, run_server, shot

pytestmark = pytest.mark.browser

PASSWORD = "journey2026pw"
PHONES = {
    "community": "13810000001",
    "street": "13810000002",
    "police": "13810000003",
    "traffic": "13810000004",
    "district": "13810000005",
}


def _seed(data_dir) -> dict:
    """Two communities in 东四, the admins, two department liaisons and one resident's need."""
    from portal import store
    from portal.config import DEFAULTS
    from kb import data as kbdata

    store.open_store(data_dir)
    store.add_community("dongsi", "演示甲社区", cid="ja")
    people = {}
    for key, role, scope in (
        ("community", "community_admin", "ja"),
        ("street", "street_admin", "dongsi"),
        ("police", "dept_liaison", "gongan"),
        ("traffic", "dept_liaison", "jiaotong"),
        ("district", "district_admin", None),
    ):
        people[key] = store.create_user(
            phone=PHONES[key],
            password=PASSWORD,
            name=f"旅程{key}",
            role=role,
            scope=scope,
            consent_version=DEFAULTS["CONSENT_VERSION"],
        )
    category = kbdata.taxonomy()["categories"][0]["id"]
    need = store.create_need(
        "ja",
        category=category,
        description="胡同口长期违停，救护车进不来",
        raised_by="resident",
        building="3 号院",
    )
    return {"need": need, "people": people}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("whistle-data")
    return {"dir": data_dir, **_seed(data_dir)}


@pytest.fixture(scope="module")
def live_server(seeded, tmp_path_factory):
    """``run.py`` on the seeded folder (no demo data), on 127.0.0.1 and a free port."""
    with run_server(seeded["dir"], tmp_path_factory.mktemp("whistle-logs"), "--no-demo") as base:
        yield base


def _login(page, who: str) -> None:
    _open(page, "/portal/login")
    page.fill("#phone", PHONES[who])
    page.fill("#password", PASSWORD)
    _go(page, "form button[type=submit]:has-text('登录')")
    page.wait_for_load_state()


def _open(page, path: str) -> None:
    """Open a page by its address, and check its accessibility (conftest's check_page)."""
    page.goto(path)
    check_page(page)


def _go(page, selector: str) -> None:
    """Click a link or submit button, wait until the next page has loaded, check it."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()
    check_page(page)


def _police_cell(page, label: str) -> str:
    return (
        page.locator(f"table.scorecard tr[data-dept=gongan] td[data-label='{label}']")
        .inner_text()
        .strip()
    )


def test_whistle_journey(page_factory, seeded):
    started = time.monotonic()
    need = seeded["need"]

    # 1. The community escalates its need to the street.
    community = page_factory(DESKTOP)
    _login(community, "community")
    _open(community, f"/portal/admin/c/ja/lists/needs/{need['id']}")
    _go(community, "text=提请街道吹哨")
    community.select_option("#item", "W05-1")
    community.fill("#note", "社区多次劝导无效，需要交通、公安到场。")
    _go(community, "button:has-text('提请街道吹哨')")
    assert "已提请街道吹哨" in community.inner_text(".flashes")
    shot(community, "whistle-01-community-request")

    # 2. The street sees the request and whistles; departments come pre-filled from the item.
    street = page_factory(DESKTOP)
    _login(street, "street")
    _open(street, "/portal/whistles/")
    _go(street, "text=社区提请")
    _go(street, "text=据此吹哨")
    assert street.is_checked("input[name=departments][value=gongan]")
    assert street.is_checked("input[name=departments][value=jiaotong]")
    street.fill("#place", "东四三条胡同口")
    _go(street, "form.form button[type=submit]:has-text('吹哨')")
    assert "已吹哨" in street.inner_text(".flashes")
    whistle_url = street.url
    shot(street, "whistle-02-street-raised")
    _open(street, "/portal/whistles/figures")
    assert _police_cell(street, "接收") == "1"
    assert _police_cell(street, "解决率") == "0%"
    shot(street, "whistle-03-scorecard-before")

    # 3. Two departments report in, arrive and finish (on phones).
    for who in ("police", "traffic"):
        dept = page_factory(PHONE)
        _login(dept, who)
        assert dept.url.endswith("/portal/dept/")
        _go(dept, ".whistle-card h2 a")
        _go(dept, "button:has-text('确认报到')")
        dept.fill("#text", "已到场疏导车辆")
        _go(dept, "button:has-text('登记到场')")
        dept.fill("#text", "违停车辆已挪走，设置临时隔离桩")
        _go(dept, "button:has-text('报告办结')")
        assert "已报告办结" in dept.inner_text(".flashes")
        shot(dept, f"whistle-04-{who}-finished")
        _forget_favicon(dept)

    # 4. The street verifies and closes with ratings; the need is closed with it.
    _open(street, whistle_url)
    assert "部门已办结" in street.inner_text(".whistle-status")
    _go(street, "button:has-text('开始核验')")
    for select in street.locator(".close-form .rating-set select").all():
        select.select_option("5")
    street.select_option("#community_satisfaction", "5")
    assert street.locator("#resident_satisfaction").count() == 0  # the residents rate
    street.fill("#comment", "处置及时，效果良好。")
    _go(street, "button:has-text('核验通过，结案')")
    assert "已结案" in street.inner_text(".whistle-status")
    assert "结案评价" in street.inner_text(".whistle-timeline")
    shot(street, "whistle-05-closed")

    # 5. The department scorecard changed.
    _open(street, "/portal/whistles/figures")
    assert _police_cell(street, "解决率") == "100%"
    assert _police_cell(street, "街道评分") == "5.0"
    shot(street, "whistle-06-scorecard-after")

    _open(community, f"/portal/admin/c/ja/lists/needs/{need['id']}")
    assert "已办结" in community.inner_text("main")

    print(f"\n吹哨旅程用时 {time.monotonic() - started:.1f} 秒")
    # Chromium fetches the favicon beside each page and aborts that fetch when the page
    # navigates on (ERR_ABORTED): a race of the browser, not of this journey. Every other
    # console error or failed request still fails the test.
    for page in [community, street]:
        _forget_favicon(page)


def _forget_favicon(page) -> None:
    log = page.kb_log
    log.console_errors[:] = [e for e in log.console_errors if "favicon" not in e]
    log.failed[:] = [f for f in log.failed if "favicon" not in f]
