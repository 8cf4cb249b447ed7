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
    """术语表: unique terms, each with an explanation and the page that treats it; a term
    whose role or tool the portal has may name the guide page (``guide``) as well."""
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
        if "guide" in item:
            guide = _need(file, term, item, "guide")
            if not guide.split("#")[0].endswith(".md"):
                raise DataError(file, term, f"guide 必须指向 .md 页面，而不是 {guide}")
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


COUNCIL_LEVELS = ("building", "grid", "community")
COUNCIL_VOTE_MODES = ("household", "person")


def check_council(data: dict, file: str = "council.yml") -> dict:
    """议事厅 rules: the three levels (support threshold, default vote mode), the vote's
    quorum and pass share in percent, the windows in days and minutes, the roles a
    meeting may invite; every number flagged 示例 or not."""
    levels = _need(file, "levels", data, "levels", dict)
    for level in COUNCIL_LEVELS:
        item = _need(file, "levels", levels, level, dict)
        _need(file, level, item, "name")
        _need_int(file, level, item, "support", 1, 1000)
        if item.get("vote_mode") not in COUNCIL_VOTE_MODES:
            raise DataError(file, level, "字段 vote_mode 应为 household 或 person")
        _need_bool(file, level, item)
    vote = _need(file, "vote", data, "vote", dict)
    _need_int(file, "vote", vote, "quorum_percent", 0, 100)
    _need_int(file, "vote", vote, "pass_percent", 0, 99)
    most = _need_int(file, "vote", vote, "max_days", 1, 365)
    _need_int(file, "vote", vote, "default_days", 1, most)
    _need_bool(file, "vote", vote)
    _need_int(file, "rating_days", data, "rating_days", 1, 365)
    _need_bool(file, "rating_days", data, "rating_example")
    meeting = _need(file, "meeting", data, "meeting", dict)
    _need_int(file, "meeting", meeting, "before_minutes", 0, 24 * 60)
    _need_int(file, "meeting", meeting, "after_minutes", 1, 24 * 60)
    _need_bool(file, "meeting", meeting)
    roles = _unique_ids(file, _need(file, "invited_roles", data, "invited_roles", list), "角色")
    for ident, item in roles.items():
        _need(file, ident, item, "name")
        _need_bool(file, ident, item)
    return data


HOTLINE_LEVELS = ("community", "street", "department")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


def check_hotline(data: dict, file: str = "hotline.yml") -> dict:
    """接诉即办: channels, the three handling levels, categories with their time limits
    (签收 ≤ 首次联系 ≤ 办结), the reopen window and the hot-spot threshold. Whether the
    problem, whistle, duty and department ids exist is checked in ``kb.data``."""
    channels = _need(file, "channels", data, "channels", list)
    for ident, item in _unique_ids(file, channels, "渠道").items():
        if not _ID.match(ident):
            raise DataError(file, ident, "id 只能由小写字母、数字和连字符组成")
        _need(file, ident, item, "name")
        _need_bool(file, ident, item, "manual")
    levels = _unique_ids(file, _need(file, "levels", data, "levels", list), "层级")
    if sorted(levels) != sorted(HOTLINE_LEVELS):
        raise DataError(file, "levels", "必须恰好是 community、street、department 三个层级")
    for ident, item in levels.items():
        _need(file, ident, item, "name")
    _need_int(file, "reopen_days", data, "reopen_days", 1, 60)
    _need_bool(file, "reopen_example", data, "reopen_example")
    hotspot = _need(file, "hotspot", data, "hotspot", dict)
    _need_int(file, "hotspot", hotspot, "days", 1, 365)
    _need_int(file, "hotspot", hotspot, "count", 2)
    _need_bool(file, "hotspot", hotspot)
    categories = _need(file, "categories", data, "categories", list)
    if not categories:
        raise DataError(file, "categories", "至少要有一个诉求类别")
    names = set()
    for ident, item in _unique_ids(file, categories, "类别").items():
        if not _ID.match(ident):
            raise DataError(file, ident, "id 只能由小写字母、数字和连字符组成")
        name = _need(file, ident, item, "name")
        if name in names:
            raise DataError(file, ident, f"类别名称 {name} 重复")
        names.add(name)
        level = _need(file, ident, item, "level")
        if level not in HOTLINE_LEVELS:
            raise DataError(
                file, ident, f"未知的办理层级 {level}（应为 {'、'.join(HOTLINE_LEVELS)}）"
            )
        if level == "department":
            _need(file, ident, item, "department")
        whistles = _need(file, ident, item, "whistles", list)
        if not all(isinstance(w, str) for w in whistles):
            raise DataError(file, ident, "字段 whistles 必须是吹哨事项 id 的列表")
        _need_strings(file, ident, item, "duties")
        needs = item.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            raise DataError(file, ident, "字段 needs 必须是需求类别 id 的列表")
        sign = _need_int(file, ident, item, "sign_hours", 1, 72)
        contact = _need_int(file, ident, item, "contact_hours", 1, 240)
        close = _need_int(file, ident, item, "close_days", 1, 90)
        if not sign <= contact <= close * 24:
            raise DataError(file, ident, "时限应满足 签收 ≤ 首次联系 ≤ 办结")
        _need_bool(file, ident, item)
    if "other" not in {c["id"] for c in categories}:
        raise DataError(file, "other", "缺少“其他”类别（id 为 other）")
    return data


NEED_URGENCIES = ("critical", "urgent", "normal")  # most pressing first


def check_grids(data: dict, file: str = "grids.yml") -> dict:
    """网格的运行参数: the days an open need may stay before it is overdue, for each of
    the three urgencies (紧急 ≤ 较急 ≤ 一般), every number flagged 示例 or not."""
    days = _need(file, "overdue_need_days", data, "overdue_need_days", dict)
    if sorted(days) != sorted(NEED_URGENCIES):
        raise DataError(file, "overdue_need_days", "必须恰好是 critical、urgent、normal 三档")
    previous = 1
    for urgency in NEED_URGENCIES:
        item = _need(file, "overdue_need_days", days, urgency, dict)
        value = _need_int(file, urgency, item, "days", previous, 90)
        _need_bool(file, urgency, item)
        previous = value
    return data
