"""Search of the knowledge base: our own worker over Material's index.

Material's lunr worker does not find what people type in Chinese (it never
matches a query's last word, lets a stray first character decide the ranking,
does not find words jieba kept inside longer ones). Material lets a site bring
its own search worker; ours is ``content/javascripts/kb-search.js``. This module

* points each built page's ``__config`` at that worker (``use_worker``) and fails
  the build when Material's worker URL is not where it is expected;
* adds an object ``kb`` to the ``config`` of ``search/search_index.json`` (Material
  hands the worker only ``config`` and ``docs``; ``extend_index``): the
  glossary's terms with the page each belongs to (the worker ranks that page
  first for the term) and jieba's search-mode sub-words that the index text does
  not already hold as words (the worker segments queries with them); it also
  removes zero-width spaces from titles. The text keeps Material's U+200B word
  breaks: the worker derives its dictionary from them.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

WORKER = "javascripts/kb-search.js"
INDEX = Path("search") / "search_index.json"
_CONFIG_WORKER = re.compile(
    r'("search":\s*")([^"]*?)assets/javascripts/workers/search\.[0-9a-f]+\.min\.js(")'
)
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")


def worker_version(docs_dir: str | Path) -> str:
    """A short hash of the worker, appended to its URL so browsers never run a stale one."""
    return hashlib.sha256((Path(docs_dir) / WORKER).read_bytes()).hexdigest()[:10]


def use_worker(html: str, version: str, where: str) -> str:
    """Replace Material's worker URL in a page's ``__config`` by ours (same relative base)."""
    if 'id="__config"' not in html:
        return html
    html, found = _CONFIG_WORKER.subn(
        lambda m: f"{m.group(1)}{m.group(2)}{WORKER}?v={version}{m.group(3)}", html
    )
    if found != 1:
        raise PluginError(
            f"{where}：页面配置里找不到 Material 搜索 worker 的地址（Material 版本变了？），"
            "无法换成知识库自己的搜索"
        )
    return html


def clean(text: str) -> str:
    return _ZERO_WIDTH.sub("", text)


def sub_words(docs: list[dict], separator: str) -> list[str]:
    """jieba search-mode words (two or more Han characters) not already words of the index."""
    import jieba

    split = re.compile(separator)
    known: set[str] = set()
    extra: set[str] = set()
    for doc in docs:
        plain = re.sub(r"<[^>]+>", " ", doc.get("title", "") + " " + doc.get("text", ""))
        known.update(w for w in split.split(plain) if w)
    for word in known:
        if len(word) > 2 and _HAN.match(word):
            extra.update(w for w in jieba.cut_for_search(word) if len(w) >= 2 and w != word)
    return sorted(extra - known)


def extend_index(site_dir: str | Path, glossary: dict) -> dict:
    """Add glossary terms and sub-words to the built index; return size figures."""
    path = Path(site_dir) / INDEX
    if not path.is_file():
        raise PluginError(f"找不到搜索索引 {INDEX}：search 插件没有运行？")
    index = json.loads(path.read_text(encoding="utf-8"))
    for doc in index["docs"]:
        doc["title"] = clean(doc["title"])
    terms = {}
    for term in glossary.get("terms", []):
        page = posixpath.splitext(term["page"])[0]
        page = (
            ""
            if page == "index"
            else (page[: -len("index")] if page.endswith("/index") else page + "/")
        )
        terms[term["term"]] = page
    index["config"]["kb"] = {
        "terms": terms,
        "words": sorted(
            set(sub_words(index["docs"], index["config"]["separator"]))
            | set(glossary.get("search_words", []))
        ),
    }
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return {"raw": path.stat().st_size}
