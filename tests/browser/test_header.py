"""The header at 1280×800 for the account with the longest menu (a street admin, with
unread messages): the brand and every menu item on one line, and the unread count legible
on the red header (WCAG contrast of at least 4.5:1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, DESKTOP, shot

pytestmark = pytest.mark.browser

STREET_ADMIN = "13900000002"


def _rgb(css: str) -> tuple[float, ...]:
    """'rgb(183, 28, 28)' -> (183, 28, 28); an 'rgba(…, 0)' (transparent) is refused."""
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    assert len(parts) == 3 or parts[3] == 1, f"not an opaque colour: {css}"
    return tuple(parts[:3])


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert contrast((239, 83, 80), (239, 83, 80)) == 1.0


def test_street_admin_header_is_one_line_and_the_count_legible(page_factory, live_store):
    admin = live_store.find_user_by_phone(STREET_ADMIN)
    for n in range(2):
        live_store.notify(admin["uid"], "message", f"页头测试消息 {n + 1}")
    page = page_factory(DESKTOP)
    page.goto("/portal/login")
    form = page.locator("main form")
    form.locator("#phone").fill(STREET_ADMIN)
    form.locator("#password").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="登录").click()
    expect(page.locator(".flashes .flash-success")).to_contain_text("欢迎回来")
    page.goto("/portal/admin/")
    nav = page.locator("nav.nav-desktop")
    expect(nav).to_be_visible()
    badge = nav.locator(".unread-count")
    expect(badge).to_be_visible()
    shot(page, "header-street-admin-1280")

    items = page.evaluate(
        """() => [...document.querySelectorAll('nav.nav-desktop .nav-list > li:not(.nav-sep)')]
            .map(li => [li.textContent.trim(), li.offsetTop, li.getBoundingClientRect().bottom])"""
    )
    assert len(items) >= 10, items
    assert len({top for _text, top, _bottom in items}) == 1, f"菜单折成了多行：{items}"
    brand = page.locator(".brand").bounding_box()
    first = nav.locator(".nav-list > li").first.bounding_box()
    assert brand and first
    # the menu sits beside the brand, not on a line below it
    assert first["y"] < brand["y"] + brand["height"], (brand, first)
    header = page.locator(".site-header").bounding_box()
    assert header and header["height"] <= 64, header

    colours = badge.evaluate(
        """el => {
            const s = getComputedStyle(el);
            return [s.color, s.backgroundColor,
                    getComputedStyle(document.querySelector('.site-header')).backgroundColor];
        }"""
    )
    text, background, header_red = (_rgb(c) for c in colours)
    assert contrast(text, background) >= 4.5, colours
    # the badge stands out from the header it sits on
    assert contrast(background, header_red) >= 3, colours
