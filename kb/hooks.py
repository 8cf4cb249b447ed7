"""MkDocs hooks of the knowledge base (registered in ``mkdocs.yml`` under ``hooks``).

* ``on_config`` checks every data file in ``<docs_dir>/data`` and stops the build
  with the checker's message (file, entry, problem) if one is broken; it also
  teaches jieba the model's own words so that search finds 报到 or 小巷管家 as
  whole words, and points pymdownx.snippets at ``docs_dir``.
* ``on_page_markdown`` replaces list markers with tables built from the data and
  appends the glossary's abbreviations to every page.
* ``on_post_page``/``on_post_template`` point every page at the KB's own search
  worker and ``on_post_build`` adds the glossary terms and jieba's sub-words to
  the search index (see ``kb.search``).

A list marker is an HTML comment alone on its line: ``<!-- list: whistles -->``.
The names are the keys of ``kb.render.RENDERERS``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# MkDocs loads this file by path with only kb/ on sys.path; put the project root
# there so the hook shares kb.data with the portal instead of a second copy.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from kb import render, search  # noqa: E402
from kb.data import DataError, load_all  # noqa: E402

_MARKER = re.compile(r"^<!--\s*list:\s*([\w-]+)\s*-->[ \t]*$", re.MULTILINE)

# The checked data of the current build; set by on_config, read per page.
_data: dict = {}
# Hash of the search worker, set by on_config, appended to its URL.
_worker_version = ""


def _teach_jieba(words: list[str]) -> None:
    """Add the model's terms to jieba's dictionary (Material segments the index with it)."""
    try:
        import jieba
    except ImportError:  # Material then indexes without segmentation; nothing to teach.
        return
    for word in words:
        jieba.add_word(word)


def on_config(config, **kwargs):
    global _data
    # Read the data next to the pages being built, not next to this file, so a
    # copy of the site sources (as the tests make) is checked on its own data.
    data_dir = Path(config["docs_dir"]) / "data"
    try:
        _data = load_all(data_dir)
    except DataError as exc:
        raise PluginError(f"数据检查未通过 — {exc}") from exc
    glossary = _data.get("glossary", {})
    _teach_jieba(glossary.get("search_words", []))
    # Snippets resolve paths against the working directory by default; the
    # build may be started from anywhere, so anchor them to docs_dir.
    snippets = config["mdx_configs"].setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [config["docs_dir"]]
    global _worker_version
    _worker_version = search.worker_version(config["docs_dir"])
    return config


def _replace(match: re.Match, src: str) -> str:
    name = match.group(1)
    renderer = render.RENDERERS.get(name)
    if renderer is None:
        raise PluginError(f"{src}：未知的清单标记 {name}（可用：{'、'.join(render.RENDERERS)}）")
    return renderer(_data, src)


def on_page_markdown(markdown, page, config, files, **kwargs):
    src = page.file.src_uri
    markdown = _MARKER.sub(lambda m: _replace(m, src), markdown)
    if "glossary" in _data:
        markdown = markdown.rstrip("\n") + "\n\n" + render.abbreviations(_data) + "\n"
    return markdown


def on_post_page(output, page, config, **kwargs):
    return search.use_worker(output, _worker_version, page.file.src_uri)


def on_post_template(output_content, template_name, config, **kwargs):
    return search.use_worker(output_content, _worker_version, template_name)


def on_post_build(config, **kwargs):
    search.extend_index(config["site_dir"], _data.get("glossary", {}))
