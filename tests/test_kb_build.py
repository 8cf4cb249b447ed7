"""The built knowledge base: search segmentation, no outside requests, Unicode
heading ids, list tables from the data, failing builds, build-if-stale.

The site is built once per test session (tests/conftest.py); tests that need
to change sources work on a copy of mkdocs.yml, content/ and kb/.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# pytest puts tests/ on sys.path, not the project root that holds kb/.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import build as kb_build  # noqa: E402
from kb.data import load_all  # noqa: E402


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    """The session's KB build (tests/conftest.py); these tests only read it."""
    return built_site


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A private copy of the KB sources, safe to edit."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy2(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "content", root / "content", ignore=ignore)
    shutil.copytree(ROOT / "kb", root / "kb", ignore=ignore)
    return root


def _page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


# --- search ---------------------------------------------------------------


@pytest.fixture(scope="module")
def search_index(site: Path) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def _tokens(index: dict, text: str) -> set[str]:
    # Tokenise as the browser does: with the separator the index was built for.
    plain = re.sub(r"<[^>]+>", " ", text)
    return {t for t in re.split(index["config"]["separator"], plain) if t}


def test_search_index_is_chinese_and_segmented(search_index):
    assert search_index["config"]["lang"] == ["zh"]
    # Material joins jieba's words with U+200B, so the separator must split on it.
    assert re.fullmatch(search_index["config"]["separator"], "\u200b")
    joined = "".join(d["text"] for d in search_index["docs"])
    assert "\u200b吹哨\u200b" in joined
    # The hook's custom words keep 报到 whole; plain jieba would cut it into 报/到.
    assert "报\u200b到" not in joined
    assert "小巷\u200b管家" not in joined


@pytest.mark.parametrize(
    "word,page",
    [
        ("吹哨", "policy/precise-service/"),
        ("报到", "guide/report/"),
        ("小巷管家", "policy/co-governance/"),
        ("接诉即办", "policy/precise-service/"),
    ],
)
def test_search_finds_terms_on_the_right_pages(search_index, word, page):
    docs = [d for d in search_index["docs"] if d["location"].startswith(page)]
    assert docs, f"no index entry for {page}"
    assert any(word in _tokens(search_index, d["text"]) for d in docs), word


# --- no outside requests --------------------------------------------------

_OUTSIDE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(
    r"""url\(\s*['"]?([^'")]+)|@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.IGNORECASE
)
# Tag -> attributes that make the browser fetch something.
_FETCHING = {
    "link": ["href"],
    "script": ["src"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "iframe": ["src"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
}


class _Requests(HTMLParser):
    """Collect URLs a page would fetch, plus outside <a href> links."""

    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []
        self.anchors: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in _FETCHING.get(tag, []):
            if attrs.get(name):
                self.fetched.extend(u.split()[0] for u in attrs[name].split(",") if u.strip())
        if tag == "a" and attrs.get("href"):
            self.anchors.append(attrs["href"])
        if attrs.get("style"):
            self.css.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def _css_urls(css: str) -> list[str]:
    urls = [a or b for a, b in _CSS_URL.findall(css)]
    return [u for u in urls if not u.strip().startswith("data:")]


def test_outside_url_detector_works():
    parser = _Requests()
    parser.feed(
        '<link href="//cdn.example/x.css"><script src="https://x/y.js"></script>'
        '<img src="a.png"><style>@import "https://f/a.css";</style>'
    )
    bad = [
        u for u in parser.fetched + sum((_css_urls(c) for c in parser.css), []) if _OUTSIDE.match(u)
    ]
    assert bad == ["//cdn.example/x.css", "https://x/y.js", "https://f/a.css"]
    assert (
        _css_urls(
            "a{background:url(\"data:image/svg+xml;<svg xmlns='http://www.w3.org/2000/svg'/>\")}"
        )
        == []
    )


def test_no_page_or_stylesheet_loads_from_another_host(site):
    bad = []
    htmls = list(site.rglob("*.html"))
    assert len(htmls) > 20
    for path in htmls:
        parser = _Requests()
        parser.feed(path.read_text(encoding="utf-8"))
        urls = parser.fetched + [u for c in parser.css for u in _css_urls(c)]
        bad += [(str(path.relative_to(site)), u) for u in urls if _OUTSIDE.match(u)]
        bad += [
            (str(path.relative_to(site)), "<a> " + u) for u in parser.anchors if _OUTSIDE.match(u)
        ]
    for path in site.rglob("*.css"):
        bad += [
            (str(path.relative_to(site)), u)
            for u in _css_urls(path.read_text(encoding="utf-8"))
            if _OUTSIDE.match(u)
        ]
    assert not bad, bad


# --- headings --------------------------------------------------------------


def test_heading_ids_are_unicode(site):
    page = _page(site, "policy/party-leadership")
    assert 'id="党建引领"' in page
    assert 'id="四大工作机制"' in page
    for path in site.rglob("*.html"):
        assert not re.search(r'id="_\d+"', path.read_text(encoding="utf-8")), path


# --- list tables -------------------------------------------------------------


def _rows(html: str, name: str) -> list[str]:
    """Body rows of the table inside <div class="kb-list" data-list="name">."""
    match = re.search(
        rf'<div class="kb-list" data-list="{re.escape(name)}">(.*?)</div>', html, re.S
    )
    assert match, f"no list {name}"
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(1), re.S)
    assert body, f"list {name} has no table"
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)


@pytest.fixture(scope="module")
def data() -> dict:
    return load_all()


def test_whistle_page_tables(site, data):
    page = _page(site, "lists/whistles")
    categories = data["whistles"]["categories"]
    assert len(_rows(page, "whistle-categories")) == len(categories) == 14
    items = _rows(page, "whistles")
    assert len(items) == sum(len(c["items"]) for c in categories) == 45
    assert all("示例" in row for row in items)
    assert len(_rows(page, "whistle-levels")) == 3
    for stage in ("街道启动吹哨", "部门快速响应", "及时报到处置", "结案反馈评价"):
        assert stage in page


def test_duty_page_states_106_and_marks_examples(site, data):
    page = _page(site, "lists/duties")
    assert "106" in page
    rows = _rows(page, "duties")
    assert len(rows) == len(data["duties"]["items"])
    assert all("示例" in row for row in rows)


def test_other_list_tables(site, data):
    assert len(_rows(_page(site, "lists/streets"), "streets")) == 17
    taxonomy = _rows(_page(site, "lists/taxonomy"), "taxonomy")
    assert len(taxonomy) == len(data["taxonomy"]["categories"])
    flagged = [c["name"] for c in data["taxonomy"]["categories"] if c["example"]]
    assert all("示例" in row for row in taxonomy if any(name in row for name in flagged))
    assert len(_rows(_page(site, "lists/organisation"), "organisation")) == 12
    assert len(_rows(_page(site, "lists/three-lists"), "three-lists")) == 3
    assert len(_rows(_page(site, "reference/glossary"), "glossary")) == len(
        data["glossary"]["terms"]
    )
    # A term the portal has a role for links its page and the guide to the role.
    glossary = _rows(_page(site, "reference/glossary"), "glossary")
    row = next(r for r in glossary if r.split("</td>")[0].endswith(">社区专员</abbr>"))
    assert 'href="../../policy/governance-system/"' in row
    assert 'href="../../guide/grids/#社区专员">在门户里怎么做</a>' in row
    guided = [t for t in data["glossary"]["terms"] if t.get("guide")]
    assert sum("在门户里怎么做" in r for r in glossary) == len(guided) >= 5


def test_no_unreplaced_markers_and_abbreviations_applied(site):
    for path in site.rglob("*.html"):
        assert "<!-- list:" not in path.read_text(encoding="utf-8"), path
    assert '<abbr title="' in _page(site, "policy/co-governance")


def test_home_page_entry_points(site):
    page = _page(site, ".")
    for href in (
        'href="/portal/register"',
        'href="/portal/posts"',
        'href="/portal/"',
        'href="policy/"',
    ):
        assert href in page, href


# --- failing builds and build-if-stale -------------------------------------


def test_broken_data_fails_the_build(repo_copy, tmp_path, caplog):
    # MkDocs logs a hook's PluginError and raises Abort("Aborted with a BuildError!").
    from mkdocs.exceptions import Abort

    path = repo_copy / "content" / "data" / "whistles.yml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["categories"][4]["items"][1]["level"] = 4
    bad_id = content["categories"][4]["items"][1]["id"]
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(Abort):
        kb_build.build(root=repo_copy, site_dir=tmp_path / "site", force=True)
    assert f"whistles.yml：条目 {bad_id}：字段 level 的值 4" in caplog.text
    assert not (tmp_path / "site" / kb_build.STAMP_NAME).exists()


def test_unknown_list_marker_fails_the_build(repo_copy, tmp_path, caplog):
    from mkdocs.exceptions import Abort

    page = repo_copy / "content" / "lists" / "streets.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n<!-- list: nosuchlist -->\n", encoding="utf-8"
    )
    with pytest.raises(Abort):
        kb_build.build(root=repo_copy, site_dir=tmp_path / "site", force=True)
    assert "lists/streets.md：未知的清单标记 nosuchlist" in caplog.text


@pytest.mark.slow  # builds the KB twice from a copy of the sources
def test_build_is_skipped_until_a_source_changes(repo_copy, tmp_path):
    out = tmp_path / "site"
    assert kb_build.build(root=repo_copy, site_dir=out) is True
    assert kb_build.build(root=repo_copy, site_dir=out) is False
    page = repo_copy / "content" / "guide" / "faq.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert kb_build.build(root=repo_copy, site_dir=out) is True
    assert "补充说明" in (out / "guide" / "faq" / "index.html").read_text(encoding="utf-8")
    assert kb_build.build(root=repo_copy, site_dir=out) is False
