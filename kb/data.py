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
    check_departments,
    check_duties,
    check_glossary,
    check_organisation,
    check_three_lists,
    check_whistles,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "content" / "data"


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
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


def _check_across(result: dict) -> None:
    """Links between files: every duty sits under an office of organisation.yml, and
    every department named by whistles.yml is listed in departments.yml."""
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
