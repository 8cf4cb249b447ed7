"""KB search, index side: the built search index and the switch to our worker.

Ranking itself is tested in the browser (tests/browser/test_kb_search_browser.py),
where the real worker answers queries typed into Material's search box.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import search as kb_search  # noqa: E402
from kb.data import load_all  # noqa: E402

ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    """The session's KB build (tests/conftest.py); these tests only read it."""
    return built_site


@pytest.fixture(scope="module")
def index(site) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def glossary() -> dict:
    return load_all(ROOT / "content" / "data")["glossary"]


def _words(index: dict) -> set[str]:
    """The worker's dictionary: the index's words plus the words the hook added."""
    split = re.compile(index["config"]["separator"])
    words = set()
    for doc in index["docs"]:
        words.update(
            w for w in split.split(re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"])) if w
        )
    return words | set(index["config"]["kb"]["words"]) | set(index["config"]["kb"]["terms"])


def test_glossary_terms_are_whole_words_with_their_page(index, glossary):
    pages = {d["location"] for d in index["docs"] if "#" not in d["location"]}
    terms = index["config"]["kb"]["terms"]
    for term in glossary["terms"]:
        assert terms[term["term"]] in pages, term
    words = _words(index)
    for word in glossary["search_words"]:
        assert word in words, word
    assert terms["报到"] == "guide/report/" and terms["每月一题"] == "policy/precise-service/"


def test_words_only_inside_longer_words_are_in_the_dictionary(index, glossary):
    split = re.compile(index["config"]["separator"])
    text_words = {
        w for d in index["docs"] for w in split.split(re.sub(r"<[^>]+>", " ", d["text"])) if w
    }
    # jieba keeps 环境卫生 whole in the text; search mode adds 卫生 to the dictionary.
    assert "环境卫生" in text_words and "卫生" not in text_words
    assert "卫生" in index["config"]["kb"]["words"]
    words = _words(index)
    for word in ("卫生", "设施", "建议", "物业", "停车", "法律"):
        assert word in words, word
    # Only words the index does not already have are added.
    added = set(index["config"]["kb"]["words"]) - set(glossary["search_words"])
    assert not added & text_words


def test_titles_have_no_zero_width_characters(index):
    assert not [d["title"] for d in index["docs"] if ZERO_WIDTH.search(d["title"])]


def test_every_page_uses_the_kb_worker(site):
    worker = site / kb_search.WORKER
    assert worker.is_file()
    assert not re.search(r"https?://", worker.read_text(encoding="utf-8"))
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        if 'id="__config"' not in html:
            continue
        found = re.search(r'"search":\s*"([^"]+)"', html)
        assert found and "workers/search." not in found.group(1), page
        url = found.group(1).split("?")[0]
        # 404.html is served at any depth, so its links start at the site root.
        target = (site / url.lstrip("/") if url.startswith("/") else page.parent / url).resolve()
        assert target == worker.resolve(), page


def test_missing_worker_url_fails_loudly():
    html = '<script id="__config" type="application/json">{"search": "assets/other.js"}</script>'
    with pytest.raises(PluginError, match="搜索 worker"):
        kb_search.use_worker(html, "v", "x.md")
    good = html.replace("assets/other.js", "../assets/javascripts/workers/search.a7633da7.min.js")
    assert '"search": "../javascripts/kb-search.js?v=v"' in kb_search.use_worker(good, "v", "x.md")


def test_index_stays_small(site):
    raw = (site / "search" / "search_index.json").read_bytes()
    packed = len(gzip.compress(raw, 9))
    print(f"search_index.json: {len(raw)} bytes, gzip {packed} bytes")
    assert packed < 40_000


def test_everyday_queries_name_real_pages(index):
    """The held-out query set (tests/kb_queries.py) is large and every answer is a page."""
    from tests.kb_queries import QUERIES

    pages = {d["location"] for d in index["docs"] if "#" not in d["location"]}
    assert len(QUERIES) >= 150
    assert len({q for q, _ in QUERIES}) == len(QUERIES)
    assert not [(q, p) for q, p in QUERIES if p not in pages]
    # Every content page is the answer to some query.
    assert {p for _, p in QUERIES} >= pages - {"guide/", "lists/", "policy/", "reference/"}
