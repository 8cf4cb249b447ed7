"""The journeys' accessibility check (``a11y.check_page``) finds what it should: a page
with known faults, served by the live server's host, fails it; a link inside a sentence
does not count as a tap target; the same page is checked once."""

from __future__ import annotations

import pytest

from tests.browser import a11y
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

FAULTY = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>自检</title></head>
<body><main>
  <h1>自检</h1>
  <button type="button"></button>
  <p style="color: #aaa">浅灰色的说明文字</p>
  <nav aria-label="小按钮">
    <a href="#a" style="display: inline-block; height: 20px">甲页</a><a
       href="#b" style="display: inline-block; height: 20px">乙页</a>
  </nav>
  <p>一句话里的<a href="#c">内文链接</a>不算点按目标。</p>
</main></body></html>"""


def test_path_pattern():
    assert a11y.path_pattern("http://h/portal/c/ce84071c3/posts/abe4d93401?x=1") == (
        "/portal/c/*/posts/*"
    )
    assert a11y.path_pattern("http://h/portal/admin/c/abcdefabcd/") == "/portal/admin/c/*/"
    assert a11y.path_pattern("http://h/policy/co-governance/") == "/policy/co-governance/"


def test_check_page_finds_known_faults(page_factory, live_server):
    page = page_factory(PHONE)
    page.route(
        f"{live_server}/accessibility-self-check",
        lambda route: route.fulfill(body=FAULTY, content_type="text/html; charset=utf-8"),
    )
    page.goto("/accessibility-self-check")
    problems = "\n".join(a11y.check_page(page))
    assert "button-name（critical）" in problems, problems
    assert "color-contrast（serious）" in problems, problems
    assert "点按目标" in problems and "甲页" in problems and "乙页" in problems, problems
    assert "内文链接" not in problems, problems
    assert a11y.check_page(page) == [], "同一页面（同一路径、视口、状态）只检查一次"
