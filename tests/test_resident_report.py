"""我要反映问题 / 随手拍 (issue 22): the portal home's entry, the community picker at
/portal/report (by street or by name, plain GET, no JavaScript) leading to the need
form, and the residents' guide in the knowledge base."""

from __future__ import annotations

import re
from pathlib import Path

from portal import store

ROOT = Path(__file__).resolve().parent.parent


def _form_links(html: str) -> list[str]:
    return re.findall(r'href="/portal/needs/new/([^"]+)"', html)


def test_home_has_the_report_entry_with_a_street_picker(client, world):
    html = client.get("/portal/").get_data(as_text=True)
    assert "我要反映问题 / 随手拍" in html
    assert 'action="/portal/report"' in html and 'name="q"' in html
    streets = store.list_streets()
    assert len(streets) == 17
    for street in streets:
        assert f'<option value="{street["id"]}">{street["name"]}</option>' in html


def test_without_a_choice_the_17_streets_are_listed(client, world):
    html = client.get("/portal/report").get_data(as_text=True)
    for street in store.list_streets():
        assert street["name"] in html
    assert 'href="/portal/report?street=dongsi"' in html  # has communities: a link
    assert 'href="/portal/report?street=jingshan"' in html
    assert 'href="/portal/report?street=andingmen"' not in html  # none opened yet
    assert "暂未开通" in html
    assert _form_links(html) == []


def test_a_street_lists_its_communities_with_links_to_the_need_form(client, world):
    html = client.get("/portal/report?street=dongsi").get_data(as_text=True)
    assert _form_links(html) == ["ca", "cb"]
    assert "向测试甲社区反映问题" in html and "测试丙社区" not in html
    # the link really opens the need form of that community
    form = client.get("/portal/needs/new/ca").get_data(as_text=True)
    assert "测试甲社区" in form and 'name="category"' in form


def test_search_by_name_across_streets_and_within_a_street(client, world):
    html = client.get("/portal/report?q=丙").get_data(as_text=True)
    assert _form_links(html) == ["cc"]
    assert "景山街道" in html
    html = client.get("/portal/report", query_string={"q": " 测试 ", "street": ""}).get_data(
        as_text=True
    )
    assert _form_links(html) == ["cc", "ca", "cb"]  # in the streets' order
    html = client.get("/portal/report?street=dongsi&q=乙").get_data(as_text=True)
    assert _form_links(html) == ["cb"]
    html = client.get("/portal/report?q=没有这个").get_data(as_text=True)
    assert _form_links(html) == [] and "没有找到名称含“没有这个”的社区" in html


def test_a_street_name_in_the_search_points_to_the_street(client, world):
    html = client.get("/portal/report?q=东四").get_data(as_text=True)
    assert 'href="/portal/report?street=dongsi">查看东四街道的全部社区' in html


def test_odd_input_is_harmless(client, world):
    html = client.get("/portal/report?street=nowhere&q=<b>x</b>").get_data(as_text=True)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    long = client.get("/portal/report", query_string={"q": "甲" * 500})
    assert long.status_code == 200 and "甲" * 31 not in long.get_data(as_text=True)


def test_the_guide_is_in_the_nav_and_linked_from_the_kb_home():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    assert "居民反映问题: guide/resident-report.md" in nav
    assert "居民反映问题分类: lists/problems.md" in nav
    home = (ROOT / "content" / "index.md").read_text(encoding="utf-8")
    assert "(guide/resident-report.md)" in home and "(/portal/report)" in home


def test_the_built_guide_explains_status_link_and_rating(built_site):
    page = (built_site / "guide" / "resident-report" / "index.html").read_text(encoding="utf-8")
    for words in ("/portal/report", "进度", "满意度", "重新打开", "吹哨", "其他"):
        assert words in page, words
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="guide/resident-report/"' in home and 'href="/portal/report"' in home
