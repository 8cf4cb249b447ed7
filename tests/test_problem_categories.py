"""Problem categories of needs (issue 22): content/data/problems.yml is checked by the KB
build (schema and links to whistles.yml and taxonomy.yml) and rendered as a KB page; the
need forms offer its categories (from the view, through kb.data), the store accepts them,
needs filed under the older service categories still read well, and staff recategorise
a need (audited)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from kb import data as kbdata
from kb.data import DataError, load_all
from portal import store
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
LISTS = "/portal/admin/c/ca/lists"


# ---------------------------------------------------------------- the data file


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(ROOT / "content" / "data", target)
    return target


def _edit(folder: Path, change) -> None:
    path = folder / "problems.yml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problem(content: dict, ident: str) -> dict:
    return next(p for p in content["problems"] if p["id"] == ident)


def test_the_repository_list_names_what_residents_report():
    problems = load_all()["problems"]["problems"]
    names = {p["name"] for p in problems}
    assert {"路灯照明", "停车与通行", "市政设施", "环境卫生", "其他"} <= names
    assert problems[-1]["id"] == "other"
    # the seed names only 垃圾分类 and 物业管理: everything else is 示例
    assert {p["id"] for p in problems if not p["example"]} == {"sorting", "property-issue"}
    assert kbdata.problem_categories() == problems


def _unknown_whistle_category(c):
    _problem(c, "streetlight")["whistle"]["category"] = "W99"


def _item_of_another_category(c):
    _problem(c, "streetlight")["whistle"]["items"] = ["W05-1"]


def _unknown_post_category(c):
    _problem(c, "sanitation")["post_category"] = "nope"


def _same_id_as_a_post_category(c):
    _problem(c, "noise")["id"] = "legal"


def _no_other(c):
    c["problems"] = [p for p in c["problems"] if p["id"] != "other"]


def _no_description(c):
    del _problem(c, "parking")["description"]


def _no_flag(c):
    del _problem(c, "parking")["example"]


def _duplicate_name(c):
    _problem(c, "parking")["name"] = "路灯照明"


def _empty_items(c):
    _problem(c, "trees")["whistle"]["items"] = []


BROKEN = [
    (_unknown_whistle_category, ["streetlight", "W99"]),
    (_item_of_another_category, ["streetlight", "W05-1", "W11"]),
    (_unknown_post_category, ["sanitation", "nope"]),
    (_same_id_as_a_post_category, ["legal", "taxonomy.yml"]),
    (_no_other, ["other", "其他"]),
    (_no_description, ["parking", "description"]),
    (_no_flag, ["parking", "example"]),
    (_duplicate_name, ["parking", "重复"]),
    (_empty_items, ["trees", "items"]),
]


@pytest.mark.parametrize("change,words", BROKEN, ids=[c[0].__name__.strip("_") for c in BROKEN])
def test_a_broken_problems_file_is_refused(data_copy, change, words):
    load_all(data_copy)
    _edit(data_copy, change)
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert info.value.file == "problems.yml"
    for word in words:
        assert word in str(info.value), str(info.value)


def test_the_kb_page_lists_every_problem_with_its_whistle_items(built_site):
    page = (built_site / "lists" / "problems" / "index.html").read_text(encoding="utf-8")
    table = re.search(r'data-list="problems">(.*?)</div>', page, re.S)
    assert table
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)
    problems = load_all()["problems"]["problems"]
    assert len(rows) == len(problems)
    for row, problem in zip(rows, problems, strict=True):
        assert problem["name"] in row
        assert ("示例" in row) == problem["example"]
    assert 'href="../whistles/#W11-3"' in rows[0]


# ---------------------------------------------------------------- forms and store


def test_need_forms_offer_problems_then_services_then_other(client, auth, world):
    choices = kbdata.need_category_choices()
    ids = [c for c, _ in choices]
    assert ids[0] == "streetlight" and ids[-1] == "other" and "elderly" in ids
    assert dict(choices)["elderly"] == "为老服务（服务需求）"
    for url in ("/portal/needs/new/ca", f"{LISTS}/needs/new"):
        if url.startswith(LISTS):
            auth.login(world.admin_a["phone"])
        html = client.get(url).get_data(as_text=True)
        options = re.findall(r'<option value="([^"]*)"', html.split('name="category"')[1])
        assert options[: len(ids) + 1] == [""] + ids, url


def test_a_resident_reports_a_broken_streetlight(client, world):
    resp = client.post(
        "/portal/needs/new/ca",
        data={
            "category": "streetlight",
            "description": "3号楼门口路灯不亮一周了",
            "urgency": "normal",
            "raised_by": "resident",
            "phone": "13900000011",
            "csrf_token": csrf_token(client, "/portal/needs/new/ca"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    [need] = store.list_needs("ca")
    assert need["category"] == "streetlight"
    assert "<h2>路灯照明</h2>" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_store_accepts_problems_and_services_refuses_others(world):
    assert store.create_need("ca", category="parking", description="x", raised_by="resident")
    assert store.create_need("ca", category="legal", description="x", raised_by="resident")
    with pytest.raises(store.StoreError, match="需求分类"):
        store.create_need("ca", category="W11", description="x", raised_by="resident")


def test_older_and_unknown_category_ids_stay_readable(client, auth, world):
    need = store.create_need("ca", category="elderly", description="探访", raised_by="resident")
    auth.login(world.admin_a["phone"])
    assert "<h2>为老服务</h2>" in client.get(f"{LISTS}/needs/{need['id']}").get_data(as_text=True)
    assert kbdata.need_category_name("removed-long-ago") == "removed-long-ago"


def test_monthly_topic_counts_problem_categories(world):
    from datetime import datetime

    at = datetime(2026, 3, 3)
    for category in ("streetlight", "streetlight", "legal"):
        store.create_need("ca", category=category, description="x", raised_by="resident", at=at)
    top = store.top_monthly_topic("dongsi", "2026-03")
    assert top["category"] == "streetlight" and top["count"] == 2


# ---------------------------------------------------------------- recategorising


def _other_need():
    return store.create_need(
        "ca", category="other", description="院门口井盖松了", raised_by="resident"
    )


def test_staff_recategorise_an_other_need(client, auth, world):
    need = _other_need()
    auth.login(world.admin_a["phone"])
    url = f"{LISTS}/needs/{need['id']}"
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/category"' in page
    assert re.search(r'<option selected value="other">|<option value="other" selected', page)
    resp = auth.post(f"{url}/category", {"recat-item": "facilities"}, follow=True)
    assert "已改为“市政设施”" in resp.get_data(as_text=True)
    stored = store.get_need("ca", need["id"])
    assert stored["category"] == "facilities"
    [entry] = stored["category_history"]
    assert entry["from"] == "other" and entry["to"] == "facilities"
    assert entry["by"] == world.admin_a["uid"]
    [audit] = [
        e
        for month in store.audit_months()
        for e in store.list_audit(month)
        if e["action"] == "调整需求分类"
    ]
    assert audit["before"] == "其他" and audit["after"] == "市政设施"
    assert audit["target"] == f"需求 {need['id']}"


def test_recategorising_refusals_change_nothing(client, auth, world):
    need = _other_need()
    auth.login(world.admin_a["phone"])
    url = f"{LISTS}/needs/{need['id']}/category"
    same = auth.post(url, {"recat-item": "other"}, follow=True).get_data(as_text=True)
    assert "分类没有变化" in same
    bad = auth.post(url, {"recat-item": "W11"}, follow=True).get_data(as_text=True)
    assert "请选择一项" in bad
    assert store.get_need("ca", need["id"])["category"] == "other"
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert auth.post(url, {"recat-item": "facilities"}).status_code == 404
    assert store.get_need("ca", need["id"])["category"] == "other"
    with pytest.raises(store.StoreError):
        store.recategorise_need("ca", need["id"], "x", "nope")


# ---------------------------------------------------------------- where the mapping helps


def test_a_post_for_a_problem_starts_in_its_service_category(client, auth, world):
    need = store.create_need(
        "ca", category="sanitation", description="楼道脏", raised_by="resident"
    )
    auth.login(world.admin_a["phone"])
    html = client.get(f"{LISTS}/needs/{need['id']}/post").get_data(as_text=True)
    assert re.search(
        r'<option selected value="environment">|<option value="environment" selected', html
    )
    plain = store.create_need("ca", category="streetlight", description="灯", raised_by="resident")
    html = client.get(f"{LISTS}/needs/{plain['id']}/post").get_data(as_text=True)
    select = html.split('name="category"')[1].split("</select>")[0]
    assert re.findall(r"<option selected value=\"([^\"]*)\"", select) == [""]


def test_a_whistle_request_starts_from_the_problems_usual_item(client, auth, world):
    need = store.create_need("ca", category="streetlight", description="灯", raised_by="resident")
    auth.login(world.admin_a["phone"])
    html = client.get(f"/portal/whistles/c/ca/needs/{need['id']}/request").get_data(as_text=True)
    assert re.search(r'<option selected value="W11-3">|<option value="W11-3" selected', html)
