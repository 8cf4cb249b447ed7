"""The structured lists in ``content/data/*.yml``: loading and schema checks.

The knowledge-base build (``kb/hooks.py``) and the portal both read the lists
through this module, so a file that fails its check fails the build and stops
the portal with the same message: which file, which entry, what is wrong.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "content" / "data"


class DataError(Exception):
    """A data file breaks its schema; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem: str):
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(f"{file}：条目 {entry}：{problem}")


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise DataError(path.name, "(整个文件)", f"不是合法的 YAML：{exc}") from None
    if not isinstance(data, dict):
        raise DataError(path.name, "(整个文件)", "顶层必须是键值映射")
    return data


def _need(file: str, entry: str, item: dict, key: str, kind=str):
    """Return item[key] if present and of the right type, else raise DataError."""
    if not isinstance(item, dict):
        raise DataError(file, entry, "条目必须是键值映射")
    value = item.get(key)
    if value is None or not isinstance(value, kind) or (kind is str and not value.strip()):
        raise DataError(file, entry, f"缺少字段 {key} 或类型不对")
    return value


def _unique_ids(file: str, items: list, label: str) -> dict:
    """Map id -> item, refusing a missing or duplicate id."""
    seen: dict = {}
    for n, item in enumerate(items, 1):
        ident = _need(file, f"{label}第 {n} 项", item, "id")
        if ident in seen:
            raise DataError(file, ident, f"{label} id 重复")
        seen[ident] = item
    return seen


def check_taxonomy(data: dict, file: str = "taxonomy.yml") -> dict:
    """Post categories and skills: unique ids, every category names known skills."""
    skills = _unique_ids(file, _need(file, "skills", data, "skills", list), "专长")
    for ident, item in skills.items():
        _need(file, ident, item, "name")
    cats = _unique_ids(file, _need(file, "categories", data, "categories", list), "分类")
    for ident, item in cats.items():
        _need(file, ident, item, "name")
        if not isinstance(item.get("example"), bool):
            raise DataError(file, ident, "字段 example 必须是 true 或 false")
        wanted = _need(file, ident, item, "skills", list)
        if not wanted:
            raise DataError(file, ident, "分类下至少要有一个专长")
        for skill in wanted:
            if skill not in skills:
                raise DataError(file, ident, f"引用了不存在的专长 {skill}")
    return data


def check_streets(data: dict, file: str = "streets.yml") -> dict:
    """Streets of the district: unique ids and names."""
    streets = _need(file, "streets", data, "streets", list)
    if not streets:
        raise DataError(file, "streets", "至少要有一个街道")
    for ident, item in _unique_ids(file, streets, "街道").items():
        _need(file, ident, item, "name")
    return data


def _need_bool(file: str, entry: str, item: dict, key: str = "example") -> bool:
    """A flag such as ``example`` must be written out: a forgotten one is an error, not False."""
    if not isinstance(item.get(key), bool):
        raise DataError(file, entry, f"字段 {key} 必须是 true 或 false")
    return item[key]


def _need_int(file: str, entry: str, item: dict, key: str, low: int = 0, high: int | None = None) -> int:
    """An integer field within [low, high]; YAML booleans are not accepted as numbers."""
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DataError(file, entry, f"缺少字段 {key} 或不是整数")
    if value < low or (high is not None and value > high):
        limit = f"{low}–{high}" if high is not None else f"不小于 {low}"
        raise DataError(file, entry, f"字段 {key} 的值 {value} 超出范围（应为 {limit}）")
    return value


def _need_strings(file: str, entry: str, item: dict, key: str) -> list:
    """A non-empty list of non-empty strings."""
    values = _need(file, entry, item, key, list)
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise DataError(file, entry, f"字段 {key} 必须是非空的文字列表")
    return values


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
        raise DataError(file, "items", f"列出 {len(items)} 项，多于官方总数 {data['official_count']}")
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
        raise DataError(file, "categories", f"应为 {WHISTLE_CATEGORIES} 大类，实际 {len(categories)} 大类")
    if len(all_items) != WHISTLE_ITEMS:
        raise DataError(file, "categories", f"事项总数应为 {WHISTLE_ITEMS} 项，实际 {len(all_items)} 项")
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


def _check_across(result: dict) -> None:
    """Links between files: every duty sits under an office of organisation.yml, and
    every department named by whistles.yml is listed in departments.yml."""
    if "whistles" in result and "departments" in result:
        known = {d["name"] for d in result["departments"]["departments"]}
        for cat in result["whistles"]["categories"]:
            for item in cat["items"]:
                for name in item["departments"]:
                    if name not in known:
                        raise DataError("whistles.yml", item["id"],
                                        f"未知的部门 {name}（应为 departments.yml 中的部门之一）")
    if "duties" not in result or "organisation" not in result:
        return
    offices = {u["id"] for u in result["organisation"]["units"] if u["kind"] == "office"}
    for item in result["duties"]["items"]:
        if item["office"] not in offices:
            raise DataError("duties.yml", item["id"], f"未知的科室 {item['office']}（应为 organisation.yml 中的六个办公室之一）")


# Other files register their checks here (see kb/hooks.py); a file without a
# check is still parsed so that a YAML error never passes silently.
CHECKS = {
    "taxonomy.yml": check_taxonomy,
    "streets.yml": check_streets,
    "organisation.yml": check_organisation,
    "duties.yml": check_duties,
    "whistles.yml": check_whistles,
    "glossary.yml": check_glossary,
    "three_lists.yml": check_three_lists,
    "departments.yml": check_departments,
}


def load_all(data_dir: Path | None = None) -> dict[str, dict]:
    """Read and check every ``*.yml`` in the data folder; raise DataError on the first fault."""
    folder = Path(data_dir or DATA_DIR)
    result = {}
    for path in sorted(folder.glob("*.yml")):
        data = _read(path)
        check = CHECKS.get(path.name)
        result[path.stem] = check(data, path.name) if check else data
    _check_across(result)
    return result


@functools.lru_cache(maxsize=None)
def taxonomy() -> dict:
    """The checked taxonomy, with lookup maps added: ``category_by_id``, ``skill_by_id``."""
    data = check_taxonomy(_read(DATA_DIR / "taxonomy.yml"))
    data["category_by_id"] = {c["id"]: c for c in data["categories"]}
    data["skill_by_id"] = {s["id"]: s for s in data["skills"]}
    return data


@functools.lru_cache(maxsize=None)
def streets() -> list[dict]:
    """The district's streets, in the file's order."""
    return check_streets(_read(DATA_DIR / "streets.yml"))["streets"]


@functools.lru_cache(maxsize=None)
def whistle_list() -> dict:
    """The checked whistle list and departments, with lookup maps for the portal:
    ``item_by_id`` (each item with its ``category_id``/``category_name`` and
    ``department_ids``), ``level_by_number``, ``department_by_id``, ``department_by_name``."""
    whistles = check_whistles(_read(DATA_DIR / "whistles.yml"))
    depts = check_departments(_read(DATA_DIR / "departments.yml"))["departments"]
    _check_across({"whistles": whistles, "departments": {"departments": depts}})
    by_name = {d["name"]: d for d in depts}
    items = {}
    for cat in whistles["categories"]:
        for item in cat["items"]:
            items[item["id"]] = dict(item, category_id=cat["id"], category_name=cat["name"],
                                     department_ids=[by_name[n]["id"] for n in item["departments"]])
    return {"levels": whistles["levels"], "categories": whistles["categories"],
            "item_by_id": items, "level_by_number": {lv["level"]: lv for lv in whistles["levels"]},
            "departments": depts, "department_by_id": {d["id"]: d for d in depts},
            "department_by_name": by_name}
