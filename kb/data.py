"""The structured lists in ``content/data/*.yml``: loading and schema checks.

The knowledge-base build (``kb/hooks.py``) and the portal both read the lists
through this module, so a file that fails its check fails the build and stops
the portal with the same message: which file, which entry, what is wrong. The
checks of the street's files live in ``kb.checks`` and are re-exported here.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from ._schema import DataError, _need, _unique_ids
from .checks import (
    PROBLEM_OTHER,
    check_council,
    check_departments,
    check_duties,
    check_glossary,
    check_grids,
    check_hotline,
    check_organisation,
    check_problems,
    check_three_lists,
    check_whistles,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "content" / "data"

# libyaml's safe loader reads the lists about 6× faster than the pure-Python one
# (it is in PyYAML's wheels); the same safe subset of YAML either way.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise DataError(path.name, "(整个文件)", f"不是合法的 YAML：{exc}") from None
    if not isinstance(data, dict):
        raise DataError(path.name, "(整个文件)", "顶层必须是键值映射")
    return data


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


def _check_problems_across(result: dict) -> None:
    """problems.yml against the other files: its whistle categories and items exist in
    whistles.yml (each item in its category), its post categories exist in taxonomy.yml,
    and no problem id is also a post category id (a need's category may be either)."""
    file = "problems.yml"
    problems = result["problems"]["problems"]
    if "whistles" in result:
        items_of = {
            c["id"]: {i["id"] for i in c["items"]} for c in result["whistles"]["categories"]
        }
        for problem in problems:
            link = problem.get("whistle")
            if not link:
                continue
            if link["category"] not in items_of:
                raise DataError(
                    file,
                    problem["id"],
                    f"未知的吹哨事项大类 {link['category']}（应为 whistles.yml 中的大类之一）",
                )
            for item in link["items"]:
                if item not in items_of[link["category"]]:
                    raise DataError(
                        file, problem["id"], f"吹哨事项 {item} 不在大类 {link['category']} 中"
                    )
    if "taxonomy" in result:
        posts = {c["id"] for c in result["taxonomy"]["categories"]}
        for problem in problems:
            if problem["id"] in posts:
                raise DataError(file, problem["id"], "id 与 taxonomy.yml 中的服务分类重复")
            wanted = problem.get("post_category")
            if wanted and wanted not in posts:
                raise DataError(
                    file,
                    problem["id"],
                    f"未知的服务分类 {wanted}（应为 taxonomy.yml 中的分类之一）",
                )


def _check_hotline_across(result: dict) -> None:
    """hotline.yml against the other files: its problems, whistle items, duty items and
    departments exist where they are named."""
    file = "hotline.yml"
    known = {
        "problem": ("problems", lambda d: {p["id"] for p in d["problems"]}),
        "whistles": (
            "whistles",
            lambda d: {i["id"] for c in d["categories"] for i in c["items"]},
        ),
        "duties": ("duties", lambda d: {i["id"] for i in d["items"]}),
        "department": ("departments", lambda d: {x["id"] for x in d["departments"]}),
    }
    for field, (source, ids_of) in known.items():
        if source not in result:
            continue
        ids = ids_of(result[source])
        for category in result["hotline"]["categories"]:
            value = category.get(field)
            for ident in value if isinstance(value, list) else [value] if value else []:
                if ident not in ids:
                    raise DataError(
                        file, category["id"], f"{field} 中的 {ident} 不在 {source}.yml 中"
                    )


def _check_hotline_topics(result: dict) -> None:
    """每月一题 counts orders, needs and whistles under one hotline category: every need
    category named in ``needs`` exists, and no need category or whistle item belongs to
    two hotline categories (it would be counted twice)."""
    file = "hotline.yml"
    if "problems" in result and "taxonomy" in result:
        known = {p["id"] for p in result["problems"]["problems"]}
        known |= {c["id"] for c in result["taxonomy"]["categories"]}
        for category in result["hotline"]["categories"]:
            for need in category.get("needs", []):
                if need not in known:
                    raise DataError(
                        file, category["id"], f"needs 中的 {need} 不是需求清单的需求类别"
                    )
    for field in ("needs", "whistles"):
        owner: dict[str, str] = {}
        for category in result["hotline"]["categories"]:
            named = list(category.get(field, []))
            if field == "needs" and category.get("problem"):
                named.append(category["problem"])
            for ident in named:
                if ident in owner and owner[ident] != category["id"]:
                    raise DataError(
                        file,
                        category["id"],
                        f"{ident} 已归入类别 {owner[ident]}，同一项只能归入一个诉求类别",
                    )
                owner[ident] = category["id"]


def _check_across(result: dict) -> None:
    """Links between files: every duty sits under an office of organisation.yml, every
    department named by whistles.yml is listed in departments.yml, problems.yml
    names existing whistle items and post categories, and hotline.yml existing problems,
    whistle items, duties and departments."""
    if "problems" in result:
        _check_problems_across(result)
    if "hotline" in result:
        _check_hotline_across(result)
        _check_hotline_topics(result)
    if "whistles" in result and "departments" in result:
        known = {d["name"] for d in result["departments"]["departments"]}
        for cat in result["whistles"]["categories"]:
            for item in cat["items"]:
                for name in item["departments"]:
                    if name not in known:
                        raise DataError(
                            "whistles.yml",
                            item["id"],
                            f"未知的部门 {name}（应为 departments.yml 中的部门之一）",
                        )
    if "duties" not in result or "organisation" not in result:
        return
    offices = {u["id"] for u in result["organisation"]["units"] if u["kind"] == "office"}
    for item in result["duties"]["items"]:
        if item["office"] not in offices:
            raise DataError(
                "duties.yml",
                item["id"],
                f"未知的科室 {item['office']}（应为 organisation.yml 中的六个办公室之一）",
            )


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
    "problems.yml": check_problems,
    "council.yml": check_council,
    "grids.yml": check_grids,
    "hotline.yml": check_hotline,
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


@functools.cache
def taxonomy() -> dict:
    """The checked taxonomy, with lookup maps added: ``category_by_id``, ``skill_by_id``."""
    data = check_taxonomy(_read(DATA_DIR / "taxonomy.yml"))
    data["category_by_id"] = {c["id"]: c for c in data["categories"]}
    data["skill_by_id"] = {s["id"]: s for s in data["skills"]}
    return data


@functools.cache
def overdue_need_days() -> dict[str, int]:
    """Days an open need may stay before it is overdue, by urgency (``grids.yml``, 示例)."""
    data = check_grids(_read(DATA_DIR / "grids.yml"))
    return {urgency: item["days"] for urgency, item in data["overdue_need_days"].items()}


@functools.cache
def council_rules() -> dict:
    """The checked 议事厅 rules (``council.yml``), with ``role_by_id`` for invited roles."""
    data = check_council(_read(DATA_DIR / "council.yml"))
    return dict(data, role_by_id={r["id"]: r for r in data["invited_roles"]})


@functools.cache
def streets() -> list[dict]:
    """The district's streets, in the file's order."""
    return check_streets(_read(DATA_DIR / "streets.yml"))["streets"]


@functools.cache
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
            items[item["id"]] = dict(
                item,
                category_id=cat["id"],
                category_name=cat["name"],
                department_ids=[by_name[n]["id"] for n in item["departments"]],
            )
    return {
        "levels": whistles["levels"],
        "categories": whistles["categories"],
        "item_by_id": items,
        "level_by_number": {lv["level"]: lv for lv in whistles["levels"]},
        "departments": depts,
        "department_by_id": {d["id"]: d for d in depts},
        "department_by_name": by_name,
    }


@functools.cache
def hotline() -> dict:
    """The checked 接诉即办 configuration (hotline.yml), checked against the problem, whistle,
    duty and department lists, with lookup maps: ``category_by_id``, ``channel_by_id``,
    ``level_by_id``."""
    data = check_hotline(_read(DATA_DIR / "hotline.yml"))
    duties = check_duties(_read(DATA_DIR / "duties.yml"))
    whistles = whistle_list()
    _check_across(
        {
            "hotline": data,
            "problems": {"problems": problem_categories()},
            "whistles": {"categories": whistles["categories"]},
            "duties": duties,
            "departments": {"departments": whistles["departments"]},
        }
    )
    return dict(
        data,
        category_by_id={c["id"]: c for c in data["categories"]},
        channel_by_id={c["id"]: c for c in data["channels"]},
        level_by_id={lv["id"]: lv for lv in data["levels"]},
        duty_by_id={d["id"]: d for d in duties["items"]},
    )


@functools.cache
def problem_categories() -> list[dict]:
    """The categories residents report problems under (路灯照明, 停车与通行, …, 其他), checked
    against the whistle list and the taxonomy, in the file's order."""
    problems = check_problems(_read(DATA_DIR / "problems.yml"))
    _check_across({"problems": problems, "whistles": whistle_list(), "taxonomy": taxonomy()})
    return problems["problems"]


@functools.cache
def need_categories() -> dict[str, dict]:
    """Every category a need may carry, in the order the need forms offer them: the
    problem categories, then the service categories of the taxonomy (a need for a
    service, such as 独居老人探访), then 其他. Maps id -> ``{id, name, label, kind}``
    with kind ``problem`` or ``service``; ``label`` is what a choice list shows and
    ``post_category`` the post category a post made for such a need starts with (or None),
    ``whistle_items`` the whistle items such a problem usually calls for (maybe none)."""
    problems = problem_categories()
    rows = [
        dict(
            id=p["id"],
            name=p["name"],
            label=p["name"],
            kind="problem",
            post_category=p.get("post_category"),
            whistle_items=list((p.get("whistle") or {}).get("items", [])),
        )
        for p in problems
    ]
    other = [r for r in rows if r["id"] == PROBLEM_OTHER]
    rows = [r for r in rows if r["id"] != PROBLEM_OTHER]
    rows += [
        dict(
            id=c["id"],
            name=c["name"],
            label=f"{c['name']}（服务需求）",
            kind="service",
            post_category=c["id"],
            whistle_items=[],
        )
        for c in taxonomy()["categories"]
    ]
    return {r["id"]: r for r in rows + other}


def need_category_choices() -> list[tuple[str, str]]:
    """(id, label) pairs for a need form's category field."""
    return [(c["id"], c["label"]) for c in need_categories().values()]


def need_category_name(category_id: str) -> str:
    """The name of a need's (or a post's) category; an id no list knows is shown as is,
    so a need stored under a category later removed stays readable."""
    category = need_categories().get(category_id)
    return category["name"] if category else category_id
