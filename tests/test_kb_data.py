"""Schema checks of the knowledge-base data lists (kb/data.py).

Each broken case copies content/data to a temporary folder, damages one file
and expects load_all() to refuse it with a message naming the file and the entry.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# pytest puts tests/ on sys.path, not the project root that holds kb/.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import data, render  # noqa: E402
from kb.data import DataError, load_all  # noqa: E402

DATA = ROOT / "content" / "data"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def _edit(folder: Path, name: str, change) -> None:
    """Load a YAML file, let `change` mutate it, write it back."""
    path = folder / name
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _whistle_item(content: dict, ident: str) -> dict:
    return next(i for c in content["categories"] for i in c["items"] if i["id"] == ident)


def test_repository_data_passes_and_has_the_official_sizes():
    result = load_all()
    assert {
        "duties",
        "whistles",
        "organisation",
        "glossary",
        "three_lists",
        "taxonomy",
        "streets",
    } <= set(result)
    whistles = result["whistles"]
    assert len(whistles["categories"]) == 14
    assert sum(len(c["items"]) for c in whistles["categories"]) == 45
    assert sorted(lv["level"] for lv in whistles["levels"]) == [1, 2, 3]
    assert [s["name"] for s in whistles["loop"]] == [
        "街道启动吹哨",
        "部门快速响应",
        "及时报到处置",
        "结案反馈评价",
    ]
    assert result["duties"]["official_count"] == 106
    # The seed names no individual duty or whistle item: every one must be flagged 示例.
    assert all(i["example"] for i in result["duties"]["items"])
    assert all(i["example"] for c in whistles["categories"] for i in c["items"])
    assert len(result["streets"]["streets"]) == 17


def test_glossary_has_the_required_terms():
    terms = {t["term"] for t in load_all()["glossary"]["terms"]}
    required = {
        "街道吹哨部门报到",
        "吹哨",
        "报到",
        "接诉即办",
        "每月一题",
        "未诉先办",
        "三个清单",
        "资源清单",
        "需求清单",
        "项目清单",
        "在职党员回社区报到",
        "分类设岗",
        "五民工作法",
        "楼门院长制",
        "小巷管家",
        "随手拍",
        "六办一委一队四中心",
        "1+5+N",
        "社区专员",
        "头雁计划",
        "街巷长制",
        "小院议事厅",
        "网格议事厅",
        "三率",
        "六方协作",
        "局包社区",
        "卡口值守",
    }
    assert required <= terms, required - terms


def test_glossary_pages_exist():
    terms = load_all()["glossary"]["terms"]
    for term in terms:
        assert (ROOT / "content" / term["page"].split("#")[0]).is_file(), term
        if "guide" in term:
            assert (ROOT / "content" / term["guide"].split("#")[0]).is_file(), term
    # The roles the portal has: the term explains, the guide says what to do there.
    guides = {t["term"]: t.get("guide", "") for t in terms}
    for role in ("社区专员", "小巷管家", "楼门院长制", "驻区单位"):
        assert guides[role].startswith("guide/grids.md#"), role


def _level_4(c):
    _whistle_item(c, "W05-2")["level"] = 4


def _duplicate_item(c):
    _whistle_item(c, "W01-2")["id"] = "W01-1"


def _empty_category(c):
    c["categories"][2]["items"] = []


def _thirteen_categories(c):
    c["categories"].pop()


def _item_without_departments(c):
    _whistle_item(c, "W07-1")["departments"] = []


def _level_section_4(c):
    c["levels"][2]["level"] = 4


def _unknown_office(c):
    c["items"][0]["office"] = "nowhere"


def _duplicate_duty(c):
    c["items"][1]["id"] = c["items"][0]["id"]


def _duty_without_flag(c):
    del c["items"][3]["example"]


def _glossary_no_explain(c):
    del next(t for t in c["terms"] if t["term"] == "小巷管家")["explain"]


def _glossary_duplicate(c):
    c["terms"].append(dict(c["terms"][0]))


def _glossary_guide_not_a_page(c):
    next(t for t in c["terms"] if t["term"] == "社区专员")["guide"] = "/portal/liaison"


def _five_offices(c):
    c["units"] = [u for u in c["units"] if u["id"] != "minsheng"]


def _list_without_purpose(c):
    del c["lists"][1]["purpose"]


BROKEN = [
    # (file, change, words the message must contain)
    ("whistles.yml", _level_4, ["whistles.yml", "W05-2", "level", "4"]),
    ("whistles.yml", _duplicate_item, ["whistles.yml", "W01-1", "重复"]),
    ("whistles.yml", _empty_category, ["whistles.yml", "W03", "没有任何事项"]),
    ("whistles.yml", _thirteen_categories, ["whistles.yml", "categories", "14"]),
    ("whistles.yml", _item_without_departments, ["whistles.yml", "W07-1", "departments"]),
    ("whistles.yml", _level_section_4, ["whistles.yml", "level", "4"]),
    ("duties.yml", _unknown_office, ["duties.yml", "ZB-01", "nowhere"]),
    ("duties.yml", _duplicate_duty, ["duties.yml", "ZB-01", "重复"]),
    ("duties.yml", _duty_without_flag, ["duties.yml", "ZB-04", "example"]),
    ("glossary.yml", _glossary_no_explain, ["glossary.yml", "小巷管家", "explain"]),
    ("glossary.yml", _glossary_duplicate, ["glossary.yml", "街道吹哨部门报到", "重复"]),
    ("glossary.yml", _glossary_guide_not_a_page, ["glossary.yml", "社区专员", "guide"]),
    ("organisation.yml", _five_offices, ["organisation.yml", "office", "6"]),
    ("three_lists.yml", _list_without_purpose, ["three_lists.yml", "needs", "purpose"]),
]


@pytest.mark.parametrize(
    "name,change,words", BROKEN, ids=[c[1].__name__.strip("_") for c in BROKEN]
)
def test_broken_file_is_refused_with_file_and_entry(data_copy, name, change, words):
    load_all(data_copy)  # the untouched copy is fine
    _edit(data_copy, name, change)
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert info.value.file == name


def test_invalid_yaml_names_the_file(data_copy):
    path = data_copy / "whistles.yml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n  - {id: bad, name: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert info.value.file == "whistles.yml"
    assert "YAML" in str(info.value)


def test_every_data_file_has_a_check():
    names = {p.name for p in DATA.glob("*.yml")}
    assert names <= set(data.CHECKS), names - set(data.CHECKS)


def test_abbreviations_come_from_the_glossary():
    result = load_all()
    lines = render.abbreviations(result).splitlines()
    assert len(lines) == len(result["glossary"]["terms"])
    assert "*[小巷管家]: " in render.abbreviations(result)
    assert all(line.startswith("*[") and "]: " in line for line in lines)


def _hotline_unknown_whistle(c):
    c["categories"][0]["whistles"] = ["W99-9"]


def _hotline_unknown_duty(c):
    c["categories"][1]["duties"] = ["XX-01"]


def _hotline_limits_backwards(c):
    c["categories"][2]["sign_hours"] = 48
    c["categories"][2]["contact_hours"] = 24


def _hotline_department_missing(c):
    next(x for x in c["categories"] if x["level"] == "department").pop("department")


def _hotline_unknown_problem(c):
    c["categories"][0]["problem"] = "ufo"


def _hotline_no_flag(c):
    del c["categories"][3]["example"]


HOTLINE_BROKEN = [
    (_hotline_unknown_whistle, ["hotline.yml", "streetlight", "W99-9"]),
    (_hotline_unknown_duty, ["hotline.yml", "parking", "XX-01"]),
    (_hotline_limits_backwards, ["hotline.yml", "facilities", "签收"]),
    (_hotline_department_missing, ["hotline.yml", "trees", "department"]),
    (_hotline_unknown_problem, ["hotline.yml", "streetlight", "ufo"]),
    (_hotline_no_flag, ["hotline.yml", "sanitation", "example"]),
]


@pytest.mark.parametrize(
    "change,words", HOTLINE_BROKEN, ids=[c[0].__name__.strip("_") for c in HOTLINE_BROKEN]
)
def test_broken_hotline_file_is_refused(data_copy, change, words):
    _edit(data_copy, "hotline.yml", change)
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert info.value.file == "hotline.yml"


def test_hotline_file_gives_channels_limits_and_the_reopen_window():
    hot = data.hotline()
    assert [c["name"] for c in hot["channels"]] == [
        "热线",
        "随手拍",
        "网格巡查",
        "接待日",
        "民情日记",
        "其他",
    ]
    assert hot["reopen_days"] == 7
    # The seed gives no category or time limit: every category is flagged 示例.
    assert all(c["example"] for c in hot["categories"])
    assert "other" in hot["category_by_id"]
    page = render.hotline(load_all(), "lists/hotline.md")
    assert page.count('<span id="hotline-') == len(hot["categories"])


# 每月一题 across channels: hotline.yml maps need categories and whistle items to its own.
def _topic_unknown_need(c):
    c["categories"][0]["needs"] = ["ufo-need"]


def _topic_need_twice(c):
    c["categories"][0]["needs"] = ["mediation"]  # neighbours already covers mediation


def _topic_whistle_twice(c):
    c["categories"][0]["whistles"] = ["W11-3", "W05-1"]  # W05-1 is 停车与通行's


def _topic_needs_not_a_list(c):
    c["categories"][0]["needs"] = "legal"


TOPIC_BROKEN = [
    (_topic_unknown_need, ["hotline.yml", "streetlight", "ufo-need"]),
    (_topic_need_twice, ["hotline.yml", "mediation", "neighbours"]),
    (_topic_whistle_twice, ["hotline.yml", "W05-1", "parking"]),
    (_topic_needs_not_a_list, ["hotline.yml", "streetlight", "needs"]),
]


@pytest.mark.parametrize(
    "change,words", TOPIC_BROKEN, ids=[c[0].__name__.strip("_") for c in TOPIC_BROKEN]
)
def test_broken_topic_mapping_is_refused(data_copy, change, words):
    _edit(data_copy, "hotline.yml", change)
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_topic_mapping_covers_needs_and_whistles_once():
    hot = load_all()["hotline"]
    covered = [n for c in hot["categories"] for n in c.get("needs", [])]
    covered += [c["problem"] for c in hot["categories"] if c.get("problem")]
    assert len(covered) == len(set(covered))
    assert {"legal", "elderly", "environment"} <= set(covered)
    items = [w for c in hot["categories"] for w in c["whistles"]]
    assert len(items) == len(set(items))
