"""Journey 1, the public: the knowledge base, its search, and the open posts without an account.

Opens ``/``, reads a policy page, searches 吹哨 and 小巷管家 in the KB search box and
opens the intended result, then browses the portal's open posts logged out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS

pytestmark = pytest.mark.browser

# What the public searches for, and the page that must come first and open.
SEARCHES = [
    ("吹哨", "/lists/whistles/", "吹哨事项清单"),
    ("小巷管家", "/policy/co-governance/", "共建共治共享"),
]


def _open_search_box(page):
    icon = page.locator('header label.md-header__button[for="__search"]')
    if icon.is_visible():  # phone: the search opens from the header's magnifier
        icon.click()
    else:
        page.locator('input[data-md-component="search-query"]').click()
    box = page.locator('input[data-md-component="search-query"]')
    expect(box).to_be_visible()
    return box


def _first_result_for(page, box, text: str, want: str) -> str:
    """Type the query; wait until the result list answers it; return the first link's path."""
    box.fill(text)
    box.press("End")  # Material reads the query on keyup
    first = page.locator(".md-search-result__item a.md-search-result__link").first
    expect(first).to_be_visible(timeout=15_000)
    try:  # the list may still show the answer to a shorter prefix for a moment
        page.wait_for_function(
            """want => {
                 const a = document.querySelector('.md-search-result__item a.md-search-result__link');
                 return a && new URL(a.href, location.href).pathname === want;
               }""",
            arg=want,
            timeout=5_000,
        )
    except Exception:
        pass
    return urlsplit(first.evaluate("a => a.href")).path


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_public_reads_searches_and_browses(journey, viewport):
    j = journey("j1-public", viewport)
    page = j.page()

    # The knowledge base's home page.
    j.goto(page, "/", "kb-home")
    expect(page.locator("h1").first).to_contain_text("社区报到与服务平台")

    # A policy page, reached from the home page's link.
    page.get_by_role("link", name="阅读政策解读").first.click()
    page.wait_for_url("**/policy/")
    j.step(page, "policy-index")
    page.locator("article").get_by_role("link", name="共建共治共享").first.click()
    page.wait_for_url("**/policy/co-governance/")
    expect(page.locator("article h1")).to_contain_text("共建共治共享")
    expect(page.locator("article")).to_contain_text("小巷管家")
    j.step(page, "policy-page")

    # The KB search box: each query's intended page comes first, and opens.
    for text, want, title in SEARCHES:
        box = _open_search_box(page)
        got = _first_result_for(page, box, text, want)
        j.step(page, f"search-{text}")
        assert got == want, f"搜索“{text}”的第一个结果是 {got}，应为 {want}"
        page.locator(".md-search-result__item a.md-search-result__link").first.click()
        page.wait_for_url(f"**{want}*")
        expect(page.locator("article h1")).to_contain_text(title)
        j.step(page, f"result-{text}")

    # The portal's open posts, without logging in.
    j.goto(page, "/portal/", "portal-home")
    page.locator("main").get_by_role("link", name="浏览服务岗位").click()
    page.wait_for_url("**/portal/posts*")
    expect(page.locator("h1")).to_have_text("服务岗位")
    cards = page.locator("main article.card")
    expect(cards.first).to_be_visible()
    j.step(page, "open-posts")
    cards.first.get_by_role("link", name="查看详情并报名").click()
    page.wait_for_url("**/portal/c/*/posts/*")
    expect(page.locator("main")).to_contain_text("报名需要先登录。")
    expect(page.get_by_role("link", name="登录后报名").first).to_be_visible()
    expect(page.get_by_role("button", name="报名")).to_have_count(0)
    j.step(page, "post-detail-logged-out")
    j.finish()
