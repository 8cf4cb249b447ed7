"""Schema checks of the street's data files: organisation.yml, duties.yml,
whistles.yml, glossary.yml, three_lists.yml and departments.yml. Each check
takes the parsed file and its name, returns the data unchanged when it is
valid and raises ``DataError`` on the first fault; ``kb.data`` registers them.
"""

from __future__ import annotations

import re

from ._schema import DataError, _need, _need_bool, _need_int, _need_strings, _unique_ids


# The street organisation is given by the seed: 6 offices, the discipline
# commission, the enforcement team and 4 centres. A count that drifts from it
# is a data error, not a new fact.
ORGANISATION_KINDS = {"office": 6, "commission": 1, "team": 1, "centre": 4}


def check_organisation(data: dict, file: str = "organisation.yml") -> dict:
    """六办一委一队四中心: unique ids, known kinds, exactly 6/1/1/4 units."""
    units = _unique_ids(file, _need(file, "units", data, "units", list), "机构")
    counts = dict.fromkeys(ORGANISATION_KINDS, 0)
    for ident, item in units.items():
        _need(file, ident, item, "name")
        kind = _need(file, ident, item, "kind")
        if kind not in counts:
            raise DataError(file, ident, f"未知的机构类别 {kind}（应为 {'、'.join(counts)} 之一）")
        counts[kind] += 1
    for kind, wanted in ORGANISATION_KINDS.items():
        if counts[kind] != wanted:
            raise DataError(file, f"kind={kind}", f"应有 {wanted} 个，实际 {counts[kind]} 个")
    _need_int(file, "former_sections", data, "former_sections", 1)
    return data


def check_duties(data: dict, file: str = "duties.yml") -> dict:
    """Street duty list: official count, unique ids, each item under an office.

    Whether the office exists is checked against organisation.yml in load_all.
    """
    _need_int(file, "official_count", data, "official_count", 1)
    items = _need(file, "items", data, "items", list)
    if not items:
        raise DataError(file, "items", "职责清单至少要有一项")
    for ident, item in _unique_ids(file, items, "职责").items():
        _need(file, ident, item, "name")
        _need(file, ident, item, "office")
        _need_bool(file, ident, item)
    if len(items) > data["official_count"]:
        raise DataError(
            file, "items", f"列出 {len(items)} 项，多于官方总数 {data['official_count']}"
        )
    return data


# The seed fixes the whistle list at 14 categories, 45 items and 3 levels.
WHISTLE_CATEGORIES, WHISTLE_ITEMS, WHISTLE_LEVELS = 14, 45, (1, 2, 3)


def check_whistles(data: dict, file: str = "whistles.yml") -> dict:
    """吹哨事项清单: 3 levels with time targets, 14 categories, 45 items, closed loop."""
    levels = _need(file, "levels", data, "levels", list)
    seen_levels = []
    for n, level in enumerate(levels, 1):
        number = _need_int(file, f"等级第 {n} 项", level, "level", 1, 3)
        entry = f"等级 {number}"
        if number in seen_levels:
            raise DataError(file, entry, "等级重复")
        seen_levels.append(number)
        _need(file, entry, level, "name")
        _need(file, entry, level, "path")
        _need_bool(file, entry, level)
        for key in ("acknowledge_hours", "arrive_hours", "resolve_hours"):
            _need_int(file, entry, level, key, 1)
        if not level["acknowledge_hours"] <= level["arrive_hours"] <= level["resolve_hours"]:
            raise DataError(file, entry, "时限应满足 响应 ≤ 到场 ≤ 办结")
    if sorted(seen_levels) != list(WHISTLE_LEVELS):
        raise DataError(file, "levels", "必须恰好定义等级 1、2、3")

    for n, stage in enumerate(_need(file, "loop", data, "loop", list), 1):
        _need(file, f"闭环第 {n} 步", stage, "name")
        _need(file, f"闭环第 {n} 步", stage, "text")

    categories = _need(file, "categories", data, "categories", list)
    all_items: list = []
    for ident, cat in _unique_ids(file, categories, "大类").items():
        _need(file, ident, cat, "name")
        items = cat.get("items")
        if not isinstance(items, list) or not items:
            raise DataError(file, ident, "大类下没有任何事项")
        all_items.extend(items)
    # Item ids are unique across the whole file (and distinct from category ids),
    # because the portal and the page link to an item by id alone.
    _unique_ids(file, [{"id": c["id"]} for c in categories] + all_items, "事项")
    for item in all_items:
        ident = item["id"]
        _need(file, ident, item, "name")
        _need_int(file, ident, item, "level", 1, 3)
        _need_strings(file, ident, item, "departments")
        _need_bool(file, ident, item)
    if len(categories) != WHISTLE_CATEGORIES:
        raise DataError(
            file, "categories", f"应为 {WHISTLE_CATEGORIES} 大类，实际 {len(categories)} 大类"
        )
    if len(all_items) != WHISTLE_ITEMS:
        raise DataError(
            file, "categories", f"事项总数应为 {WHISTLE_ITEMS} 项，实际 {len(all_items)} 项"
        )
    return data


def check_glossary(data: dict, file: str = "glossary.yml") -> dict:
    """术语表: unique terms, each with an explanation and the page that treats it."""
    terms = _need(file, "terms", data, "terms", list)
    if not terms:
        raise DataError(file, "terms", "术语表不能为空")
    seen = set()
    for n, item in enumerate(terms, 1):
        term = _need(file, f"术语第 {n} 项", item, "term")
        if term in seen:
            raise DataError(file, term, "术语重复")
        seen.add(term)
        _need(file, term, item, "explain")
        page = _need(file, term, item, "page")
        if not page.split("#")[0].endswith(".md"):
            raise DataError(file, term, f"page 必须指向 .md 页面，而不是 {page}")
    if "search_words" in data:
        _need_strings(file, "search_words", data, "search_words")
    return data


def check_three_lists(data: dict, file: str = "three_lists.yml") -> dict:
    """资源、需求、项目三个清单: each with a purpose and (示例) entries."""
    lists = _unique_ids(file, _need(file, "lists", data, "lists", list), "清单")
    for ident, item in lists.items():
        _need(file, ident, item, "name")
        _need(file, ident, item, "purpose")
        for n, example in enumerate(_need(file, ident, item, "examples", list), 1):
            _need(file, f"{ident} 示例第 {n} 项", example, "name")
            _need(file, f"{ident} 示例第 {n} 项", example, "detail")
    return data


def check_departments(data: dict, file: str = "departments.yml") -> dict:
    """职能部门: unique ids usable in URLs, unique names, each flagged 示例 or not."""
    depts = _need(file, "departments", data, "departments", list)
    if not depts:
        raise DataError(file, "departments", "至少要有一个部门")
    names = set()
    for ident, item in _unique_ids(file, depts, "部门").items():
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,40}$", ident):
            raise DataError(file, ident, "id 只能由小写字母、数字和连字符组成")
        name = _need(file, ident, item, "name")
        if name in names:
            raise DataError(file, ident, f"部门名称 {name} 重复")
        names.add(name)
        _need_bool(file, ident, item)
    return data


PROBLEM_OTHER = "other"


def check_problems(data: dict, file: str = "problems.yml") -> dict:
    """居民反映问题的分类: unique URL-safe ids and names, a description and the 示例 flag,
    an optional whistle mapping (a category id and a non-empty list of its item ids) and an
    optional post category, and the 其他 entry (id ``other``) that staff recategorise.

    Whether the whistle ids and the post category exist is checked in ``kb.data``."""
    problems = _need(file, "problems", data, "problems", list)
    names = set()
    for ident, item in _unique_ids(file, problems, "分类").items():
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,40}$", ident):
            raise DataError(file, ident, "id 只能由小写字母、数字和连字符组成")
        name = _need(file, ident, item, "name")
        if name in names:
            raise DataError(file, ident, f"分类名称 {name} 重复")
        names.add(name)
        _need(file, ident, item, "description")
        _need_bool(file, ident, item)
        if "whistle" in item:
            whistle = _need(file, ident, item, "whistle", dict)
            _need(file, ident, whistle, "category")
            _need_strings(file, ident, whistle, "items")
        if "post_category" in item:
            _need(file, ident, item, "post_category")
    if PROBLEM_OTHER not in {p["id"] for p in problems}:
        raise DataError(file, PROBLEM_OTHER, "缺少“其他”分类（id 为 other）")
    return data
