"""The street's and the district's lists through the client: forms with Chinese errors,
refusals that change nothing, who may read and who may change (404 outside the scope, 403
for a reader), the level column of the export, and the match of a street's need with a
resource of one of its communities (another street's: 404) or a district-level unit's
pledge."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from portal import store
from tests.conftest import make_user

BASE = "/portal/admin/area-lists"
S, D = ("street", "dongsi"), ("district", "district")


def _audit(action: str, street: str | None = "dongsi") -> list[dict]:
    month = store.now().strftime("%Y-%m")
    return [e for e in store.list_audit(month, street) if e["action"] == action]


def _need_form(**extra) -> dict:
    data = {
        "category": "elderly",
        "description": "独居老人助餐点选址",
        "place": "东四六条",
        "urgency": "urgent",
        "raised_by": "worker",
        "name": "王主任",
        "phone": "13900000001",
    }
    data.update(extra)
    return data


def _street_need(**extra):
    fields = {"category": "elderly", "description": "街道需求", "raised_by": "worker"}
    fields.update(extra)
    return store.create_area_need(*S, "u1", **fields)


def _community_resource(cid: str, name: str):
    return store.create_resource(
        cid,
        "u1",
        name=name,
        kind="venue",
        provider="某单位",
        provider_type="unit",
        contact="13600000002",
    )


def test_street_admin_posts_a_need_and_sees_its_level(world, client, auth):
    auth.login(world.street["phone"])
    page = client.get(f"{BASE}/dongsi/needs/new").get_data(as_text=True)
    assert "发布街道级需求" in page
    response = auth.post(f"{BASE}/dongsi/needs/new", _need_form(), follow=True)
    page = response.get_data(as_text=True)
    assert "需求已发布到东四街道街道级需求清单" in page
    (need,) = store.list_area_needs(*S)
    assert (need["level"], need["scope"], need["created_by"]) == (
        "street",
        "dongsi",
        world.street["uid"],
    )
    (entry,) = _audit("发布需求")
    assert entry["street_id"] == "dongsi" and need["id"] in entry["target"]
    listing = client.get(f"{BASE}/dongsi/needs").get_data(as_text=True)
    assert "街道级" in listing and "独居老人助餐点选址" in listing


def test_need_form_errors_are_chinese_and_store_nothing(world, client, auth):
    auth.login(world.street["phone"])
    for extra, words in [
        ({"description": ""}, "请填写需求描述。"),
        ({"phone": "12345"}, "请输入 11 位中国大陆手机号"),
        ({"category": "nope"}, "请选择需求分类。"),
        ({"raised_by": ""}, "请选择提出人身份。"),
        ({"place": "长" * 61}, "地点不能超过 60 个字。"),
    ]:
        response = auth.post(f"{BASE}/dongsi/needs/new", _need_form(**extra))
        assert response.status_code == 200
        assert words in response.get_data(as_text=True)
    assert store.list_area_needs(*S) == []
    assert _audit("发布需求") == []


def test_edit_need_changes_status_and_is_audited(world, client, auth):
    need = _street_need()
    auth.login(world.street["phone"])
    form = _need_form(status="处理中")
    page = auth.post(f"{BASE}/dongsi/needs/{need['id']}/edit", form, follow=True)
    assert "需求已更新" in page.get_data(as_text=True)
    assert store.get_area_need(*S, need["id"])["status"] == "处理中"
    (entry,) = _audit("修改需求")
    assert (entry["before"]["status"], entry["after"]["status"]) == ("待处理", "处理中")
    bad = auth.post(f"{BASE}/dongsi/needs/{need['id']}/edit", _need_form(status="完成"))
    assert "请选择需求状态。" in bad.get_data(as_text=True)
    assert store.get_area_need(*S, need["id"])["status"] == "处理中"


def test_street_need_matches_a_resource_of_its_community(world, client, auth):
    need = _street_need()
    of_ca = _community_resource("ca", "甲社区活动室")
    of_cc = _community_resource("cc", "丙社区活动室")
    auth.login(world.street["phone"])
    page = client.get(f"{BASE}/dongsi/needs/{need['id']}").get_data(as_text=True)
    # The picker offers the street's communities' resources, not another street's.
    assert "【社区级】测试甲社区 · 甲社区活动室" in page
    assert "丙社区活动室" not in page
    url = f"{BASE}/dongsi/needs/{need['id']}/match"
    page = auth.post(url, {"ref": f"community:ca:{of_ca['id']}"}, follow=True)
    assert "已匹配资源：甲社区活动室" in page.get_data(as_text=True)
    (match,) = store.get_area_need(*S, need["id"])["matches"]
    assert (match["level"], match["scope"], match["id"]) == ("community", "ca", of_ca["id"])
    assert "甲社区活动室" in _audit("需求匹配资源")[0]["after"]
    # Another street's resource, posted by hand: outside the scope (404), nothing changes.
    before = store.get_area_need(*S, need["id"])
    assert auth.post(url, {"ref": f"community:cc:{of_cc['id']}"}).status_code == 404
    for value, words in [("", "请选择一项。"), ("garbage", "请选择一项。")]:
        page = auth.post(url, {"ref": value}, follow=True)
        assert words in page.get_data(as_text=True)
    assert store.get_area_need(*S, need["id"]) == before
    assert len(_audit("需求匹配资源")) == 1
    # The need's page shows the match resolved; it can be taken off again.
    page = client.get(f"{BASE}/dongsi/needs/{need['id']}").get_data(as_text=True)
    assert "甲社区活动室" in page and "社区级" in page
    auth.post(f"{BASE}/dongsi/needs/{need['id']}/unmatch", {"ref": f"community:ca:{of_ca['id']}"})
    assert store.get_area_need(*S, need["id"])["matches"] == []


def test_scopes_readers_and_404s(world, client, auth):
    need = _street_need()
    resource = store.create_area_resource(
        *S,
        "u1",
        name="街道活动中心",
        kind="venue",
        provider="东四街道",
        provider_type="organisation",
        contact="010-1",
    )
    other_street = make_user("13800000041", "street_admin", scope="jingshan")
    admin_c = make_user("13800000042", "community_admin", scope="cc")
    # A community admin of the street reads its lists; changing them is forbidden.
    auth.login(world.admin_a["phone"])
    page = client.get(f"{BASE}/dongsi/resources").get_data(as_text=True)
    assert "街道活动中心" in page and "只读" in page
    assert client.get(f"{BASE}/dongsi/needs/{need['id']}").status_code == 200
    assert client.get(f"{BASE}/dongsi/needs/new").status_code == 403
    assert client.get(f"{BASE}/district/needs").status_code == 404
    before = store.get_area_need(*S, need["id"])
    response = auth.post(
        f"{BASE}/dongsi/needs/{need['id']}/match", {"ref": f"street:dongsi:{resource['id']}"}
    )
    assert response.status_code == 403
    assert store.get_area_need(*S, need["id"]) == before
    auth.logout()
    # Another street's admin and a community admin of another street: 404.
    for user in (other_street, admin_c):
        auth.login(user["phone"])
        for url in (
            f"{BASE}/dongsi/needs",
            f"{BASE}/dongsi/needs/{need['id']}",
            f"{BASE}/dongsi/export/needs.csv",
        ):
            assert client.get(url).status_code == 404, (user["role"], url)
        response = auth.post(f"{BASE}/dongsi/needs/{need['id']}/edit", _need_form(status="已办结"))
        assert response.status_code == 404
        auth.logout()
    assert store.get_area_need(*S, need["id"]) == before
    # The district admin reads the street's lists, manages the district's.
    auth.login(world.district["phone"])
    assert client.get(f"{BASE}/dongsi/needs").status_code == 200
    assert client.get(f"{BASE}/dongsi/needs/new").status_code == 403
    assert client.get(f"{BASE}/district/needs/new").status_code == 200
    # A need is found in its own list only; an unknown street is a 404.
    assert client.get(f"{BASE}/jingshan/needs/{need['id']}").status_code == 404
    assert client.get(f"{BASE}/district/needs/{need['id']}").status_code == 404
    assert client.get(f"{BASE}/nowhere/needs").status_code == 404
    # Members never get in.
    auth.logout()
    auth.login(world.member["phone"])
    assert client.get(f"{BASE}/dongsi/needs").status_code == 403


def test_index_lists_the_areas_of_each_role(world, client, auth):
    def areas(user) -> set[str]:
        auth.login(user["phone"])
        page = client.get(f"{BASE}/").get_data(as_text=True)
        auth.logout()
        return {a for a in ("dongsi", "jingshan", "district") if f"{BASE}/{a}/needs" in page}

    assert areas(world.admin_a) == {"dongsi"}
    assert areas(world.street) == {"dongsi", "district"}
    assert areas(world.district) == {"dongsi", "jingshan", "district"}


def test_export_has_the_level_column(world, client, auth):
    _street_need(description="街道的需求")
    store.create_need("ca", category="legal", description="社区的需求", raised_by="resident")
    store.create_need("cc", category="legal", description="别街道的需求", raised_by="resident")
    auth.login(world.street["phone"])
    response = client.get(f"{BASE}/dongsi/export/needs.csv?show=below")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["层级", "所属", "需求分类"]
    levels = {(r[0], r[1], r[3]) for r in rows[1:]}
    assert levels == {("街道级", "东四街道", "街道的需求"), ("社区级", "测试甲社区", "社区的需求")}
    assert _audit("导出清单")[0]["after"] == "2 行"
    # Only the street's own rows by default; the xlsx has the same first column.
    response = client.get(f"{BASE}/dongsi/export/needs.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "层级" and [v[0] for v in values[1:]] == ["街道级"]
    assert client.get(f"{BASE}/dongsi/export/needs.pdf").status_code == 404
    assert client.get(f"{BASE}/dongsi/export/people.csv").status_code == 404
    # The district's resources: 区级 rows.
    auth.logout()
    store.create_area_resource(
        *D, "u1", name="区级资源", kind="funds", provider="区委", provider_type="other", contact="1"
    )
    auth.login(world.district["phone"])
    response = client.get(f"{BASE}/district/export/resources.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:3] == ["区级", "东城区", "区级资源"]


def test_resources_form(world, client, auth):
    auth.login(world.district["phone"])
    fields = {
        "name": "法律服务团",
        "kind": "expertise",
        "provider": "某律所",
        "provider_type": "unit",
        "contact": "13600000003",
        "description": "",
        "availability": "每周六",
    }
    page = auth.post(f"{BASE}/district/resources/new", fields, follow=True).get_data(as_text=True)
    assert "资源已登记到东城区区级资源清单" in page and "区级" in page
    (resource,) = store.list_area_resources(*D)
    assert (resource["level"], resource["provider_type"]) == ("district", "unit")
    assert _audit("登记资源", None)[0]["street_id"] is None
    bad = auth.post(f"{BASE}/district/resources/new", dict(fields, kind="gold", name=""))
    text = bad.get_data(as_text=True)
    assert "请选择资源类型。" in text and "请填写资源名称。" in text
    assert len(store.list_area_resources(*D)) == 1
    auth.post(f"{BASE}/district/resources/{resource['id']}/edit", dict(fields, active="0"))
    assert store.get_area_resource(*D, resource["id"])["active"] is False
    assert client.get(f"{BASE}/district/resources/nothere/edit").status_code == 404


def test_district_project_gathers_needs_of_several_streets(world, client, auth):
    dongsi_need = _street_need(description="东四的需求")
    jingshan_need = store.create_area_need(
        "street", "jingshan", "u1", category="elderly", description="景山的需求", raised_by="worker"
    )
    cc_need = store.create_need(
        "cc", category="legal", description="丙社区的需求", raised_by="resident"
    )
    auth.login(world.district["phone"])
    page = auth.post(f"{BASE}/district/projects/new", {"name": "背街小巷整治"}, follow=True)
    assert "项目已创建" in page.get_data(as_text=True)
    (project,) = store.list_area_projects(*D)
    url = f"{BASE}/district/projects/{project['id']}"
    # The picker lists every street's needs; one street's communities on request.
    page = client.get(url).get_data(as_text=True)
    assert "【街道级】东四街道" in page and "【街道级】景山街道" in page
    assert "丙社区的需求" not in page
    page = client.get(f"{url}?street=jingshan").get_data(as_text=True)
    assert "【社区级】测试丙社区" in page
    for ref in (
        f"street:dongsi:{dongsi_need['id']}",
        f"street:jingshan:{jingshan_need['id']}",
        f"community:cc:{cc_need['id']}",
    ):
        response = auth.post(f"{url}/link/need", {"need-ref": ref}, follow=True)
        assert "已关联需求" in response.get_data(as_text=True)
    refs = store.get_area_project(*D, project["id"])["need_refs"]
    assert [(r["level"], r["scope"]) for r in refs] == [
        ("street", "dongsi"),
        ("street", "jingshan"),
        ("community", "cc"),
    ]
    page = client.get(url).get_data(as_text=True)
    for words in ("东四的需求", "景山的需求", "丙社区的需求", "测试丙社区", "社区级", "街道级"):
        assert words in page, words
    # Twice: refused, nothing changes.
    again = auth.post(f"{url}/link/need", {"need-ref": f"community:cc:{cc_need['id']}"}, True)
    assert "已经汇集过这条需求" in again.get_data(as_text=True)
    assert len(store.get_area_project(*D, project["id"])["need_refs"]) == 3
    auth.post(f"{url}/unlink/need", {"need-ref": f"street:jingshan:{jingshan_need['id']}"})
    assert len(store.get_area_project(*D, project["id"])["need_refs"]) == 2
    auth.post(f"{url}/status/finished")
    assert store.get_area_project(*D, project["id"])["status"] == "已完成"
    assert [e["action"] for e in _audit("项目状态", None)] == ["项目状态"]


def test_street_project_refuses_another_streets_need(world, client, auth):
    project = store.create_area_project(*S, "u1", name="加装扶手")
    cc_need = store.create_need("cc", category="legal", description="丙", raised_by="resident")
    auth.login(world.street["phone"])
    url = f"{BASE}/dongsi/projects/{project['id']}"
    page = auth.post(f"{url}/link/need", {"need-ref": f"community:cc:{cc_need['id']}"})
    assert page.status_code == 404
    district_need = store.create_area_need(
        *D, "u9", category="legal", description="区级", raised_by="worker"
    )
    page = auth.post(
        f"{url}/link/need", {"need-ref": f"district:district:{district_need['id']}"}, True
    )
    assert "只能汇集本街道" in page.get_data(as_text=True)
    assert store.get_area_project(*S, project["id"])["need_refs"] == []
    empty = auth.post(f"{BASE}/dongsi/projects/new", {"name": ""})
    assert "请填写项目名称。" in empty.get_data(as_text=True)
    assert len(store.list_area_projects(*S)) == 1


def test_community_admin_matches_a_street_units_pledge_with_a_need(world, client, auth):
    unit = store.register_unit(
        name="东四共建单位", level="street", street_id="dongsi", phone="13600000009", by="u1"
    )
    pledge = store.unit_pledge_resource(
        unit["id"], "u1", level="street", scope="dongsi", name="法律咨询志愿服务", kind="expertise"
    )
    other = store.create_area_resource(
        "street",
        "jingshan",
        "u1",
        name="景山街道活动室",
        kind="venue",
        provider="景山街道",
        provider_type="organisation",
        contact="010-64000000",
    )
    need = store.create_need("ca", category="legal", description="法律咨询", raised_by="resident")
    lists = f"/portal/admin/c/ca/lists/needs/{need['id']}"
    auth.login(world.admin_a["phone"])
    page = client.get(lists).get_data(as_text=True)
    assert "【街道级】东四街道 · 法律咨询志愿服务（东四共建单位）" in page
    assert "景山街道活动室" not in page
    response = auth.post(f"{lists}/match", {"ref": f"street:dongsi:{pledge['id']}"}, True)
    page = response.get_data(as_text=True)
    assert "已匹配资源：法律咨询志愿服务。" in page
    (match,) = store.get_need("ca", need["id"])["matches"]
    assert (match["level"], match["scope"], match["id"]) == ("street", "dongsi", pledge["id"])
    month = store.now().strftime("%Y-%m")
    (entry,) = [e for e in store.list_audit(month, "dongsi") if e["action"] == "需求匹配资源"]
    assert "法律咨询志愿服务" in entry["after"]
    # Another street's resource named by hand: 404, nothing changes; bad input in Chinese.
    before = store.get_need("ca", need["id"])
    assert auth.post(f"{lists}/match", {"ref": f"street:jingshan:{other['id']}"}).status_code == 404
    page = auth.post(f"{lists}/match", {"ref": "garbage"}, True).get_data(as_text=True)
    assert "请选择一项。" in page
    assert store.get_need("ca", need["id"]) == before
    # The match shows on the need's page and can be taken off again.
    page = client.get(lists).get_data(as_text=True)
    assert "匹配的资源（1）" in page and "东四共建单位" in page
    auth.post(f"{lists}/unmatch", {"ref": f"street:dongsi:{pledge['id']}"})
    assert store.get_need("ca", need["id"])["matches"] == []
    # Another community's admin: the need is outside their scope.
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(lists).status_code == 404
    assert auth.post(f"{lists}/match", {"ref": f"street:dongsi:{pledge['id']}"}).status_code == 404
