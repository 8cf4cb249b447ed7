"""The grid pages through HTTP: the tree and its forms, the import with its preview, placing
members, appointing a 网格员, the grid worker's page, and the building on the forms that
members and residents fill in."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal import store
from tests.conftest import csrf_token, make_user

ADMIN = "/portal/admin/c/ca/grids"


def _grid_with_building(world):
    grid = store.add_grid("ca", 1, "第一网格", "王书记")
    building = store.add_building("ca", grid["id"], "楼", "5号楼", 40)
    return grid, building


def test_admin_adds_a_grid_and_a_building_and_bad_input_changes_nothing(client, auth, world):
    auth.login(world.admin_a["phone"])
    assert (
        auth.post(f"{ADMIN}/new", {"number": "3", "name": "", "secretary": "王"}).status_code == 302
    )
    [grid] = store.grid_structure("ca")["grids"]
    assert grid["name"] == "第3网格"
    page = auth.post(f"{ADMIN}/new", {"number": "abc", "name": "x"}, follow=True)
    assert "网格编号应为 1 到 999 的整数" in page.get_data(as_text=True)
    page = auth.post(f"{ADMIN}/new", {"number": "3", "name": "重复"}, follow=True)
    assert "已有编号为 3 的网格" in page.get_data(as_text=True)
    assert len(store.grid_structure("ca")["grids"]) == 1
    url = f"{ADMIN}/{grid['id']}/buildings/new"
    auth.post(url, {"kind": "courtyard", "name": "7号院", "households": "12", "leader": "李"})
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert "7号院" in page and "12 户" in page and "党小组长 李" in page
    page = auth.post(url, {"kind": "castle", "name": "8号院"}, follow=True).get_data(as_text=True)
    assert "请选择楼门院的类型" in page
    assert len(store.grid_structure("ca")["buildings"]) == 1


def test_another_communitys_grid_is_not_found(client, auth, world):
    grid, building = _grid_with_building(world)
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/admin/c/cb/grids/{grid['id']}/edit").status_code == 404
    assert (
        client.get(f"/portal/admin/c/cb/grids/buildings/{building['id']}/edit").status_code == 404
    )
    assert client.get(f"{ADMIN}/").status_code == 404


def _template_bytes(client) -> bytes:
    response = client.get(f"{ADMIN}/template.xlsx")
    assert response.status_code == 200
    return response.data


def _upload(client, data: bytes, name: str):
    token = csrf_token(client, f"{ADMIN}/import")
    return client.post(
        f"{ADMIN}/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_from_the_template_previews_then_imports_all(client, auth, world):
    auth.login(world.admin_a["phone"])
    template = _template_bytes(client)
    header = [c.value for c in load_workbook(io.BytesIO(template)).worksheets[0][1]]
    assert header == list(store.GRID_IMPORT_COLUMNS)
    preview = _upload(client, template, "网格.xlsx")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "新增网格 2 个" in text and "新增楼门院 3 个" in text
    assert store.grid_structure("ca")["grids"] == []  # a preview writes nothing
    rows = text.split('name="rows"')[1].split('value="')[1].split('"')[0]
    import html

    done = auth.post(f"{ADMIN}/import/confirm", {"rows": html.unescape(rows)}, follow=True)
    assert "导入完成" in done.get_data(as_text=True)
    assert [g["number"] for g in store.grid_structure("ca")["grids"]] == [1, 2]
    again = _upload(client, template, "网格.xlsx").get_data(as_text=True)
    assert "新增网格 0 个" in again and "新增楼门院 0 个" in again


def test_import_refuses_bad_files_and_bad_rows_in_chinese(client, auth, world):
    auth.login(world.admin_a["phone"])
    text = _upload(client, b"not,the,template\n1,2,3\n", "x.csv").get_data(as_text=True)
    assert "表头缺少这些列" in text
    text = _upload(client, b"PK\x03\x04broken", "x.xlsx").get_data(as_text=True)
    assert "无法打开这个 .xlsx 文件" in text
    text = _upload(client, b"a", "x.txt").get_data(as_text=True)
    assert "只能导入 .xlsx 或 .csv" in text
    csv_rows = "网格编号,网格名称,网格党支部书记,楼门院名称,类型,户数,党小组长\n1,第一网格,,1号楼,楼,很多,\n"
    text = _upload(client, csv_rows.encode("gb18030"), "x.csv").get_data(as_text=True)
    assert "第 2 行：户数应为整数" in text and "确认导入" not in text
    assert store.grid_structure("ca")["grids"] == []


def test_placing_a_member_and_appointing_a_grid_worker(client, auth, world):
    grid, building = _grid_with_building(world)
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    auth.login(world.admin_a["phone"])
    assert "尚未编入网格的党员" in client.get(f"{ADMIN}/").get_data(as_text=True)
    auth.post(f"{ADMIN}/place/{report['id']}", {"place": f"b:{building['id']}"})
    assert store.grid_coverage("ca")["placed"] == 1
    helper = make_user("13811113333", "volunteer")
    page = auth.post(
        f"{ADMIN}/roles",
        {"phone": helper["phone"], "role": "grid_worker", "targets": [grid["id"]]},
        follow=True,
    ).get_data(as_text=True)
    assert "已任命" in page and "第一网格" in page
    page = auth.post(
        f"{ADMIN}/roles",
        {"phone": "13899990000", "role": "grid_worker", "targets": [grid["id"]]},
        follow=True,
    ).get_data(as_text=True)
    assert "还没有注册" in page
    assert [a["role"] for a in store.appointments_of(helper["uid"])] == ["grid_worker"]
    actions = [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    assert "调整党员所在网格" in actions and "任命" in actions


def test_the_grid_worker_closes_in_the_grid_or_passes_up(client, auth, world):
    grid, building = _grid_with_building(world)
    other = store.add_grid("ca", 2, "第二网格")
    helper = make_user("13811114444", "volunteer")
    store.appoint("community", "ca", helper["uid"], "grid_worker", [grid["id"]], "admin")
    mine = store.create_need(
        "ca",
        category="legal",
        description="楼道灯坏了",
        raised_by="resident",
        building_id=building["id"],
    )
    theirs = store.create_need(
        "ca", category="legal", description="别的网格", raised_by="resident", grid_id=other["id"]
    )
    auth.login(helper["phone"])
    page = client.get("/portal/grid/").get_data(as_text=True)
    assert "楼道灯坏了" in page and "别的网格" not in page
    assert (
        auth.post(f"/portal/grid/c/ca/needs/{theirs['id']}/close", {"note": "x"}).status_code == 404
    )
    empty = auth.post(f"/portal/grid/c/ca/needs/{mine['id']}/close", {"note": ""}, follow=True)
    assert "请填写办结说明" in empty.get_data(as_text=True)
    auth.post(f"/portal/grid/c/ca/needs/{mine['id']}/close", {"note": "换了灯泡"})
    closed = store.get_need("ca", mine["id"])
    assert closed["status"] == "已办结" and closed["closed_level"] == "grid"
    auth.logout()
    auth.login(world.volunteer["phone"])
    assert client.get("/portal/grid/").status_code == 403


def test_members_and_residents_name_their_building(client, auth, world):
    grid, building = _grid_with_building(world)
    auth.login(world.member["phone"])
    join = client.get("/portal/join/ca").get_data(as_text=True)
    assert "第一网格 · 5号楼" in join
    auth.post("/portal/c/ca/report-in", {"place": f"b:{building['id']}"})
    pending = store.current_report_state(world.member["uid"])["pending"]
    assert pending["building_id"] == building["id"] and pending["grid_id"] == grid["id"]
    auth.logout()
    form = client.get("/portal/needs/new/ca").get_data(as_text=True)
    assert "所在楼门院" in form and "5号楼" in form
    token = csrf_token(client, "/portal/needs/new/ca")
    client.post(
        "/portal/needs/new/ca",
        data={
            "csrf_token": token,
            "category": "legal",
            "description": "门口积水",
            "raised_by": "resident",
            "urgency": "normal",
            "building_id": building["id"],
            "phone": "13600000009",
        },
        content_type="multipart/form-data",
    )
    [need] = [n for n in store.list_needs("ca") if n["description"] == "门口积水"]
    assert need["level"] == "grid" and need["grid_id"] == grid["id"]


def test_the_building_head_raises_needs_and_notifies_the_building(client, auth, world):
    grid, building = _grid_with_building(world)
    other = store.add_building("ca", grid["id"], "楼", "6号楼")
    report = store.submit_report_in(world.member["uid"], "ca", building_id=building["id"])
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    head = make_user("13811115555", "volunteer")
    store.appoint("community", "ca", head["uid"], "building_head", [building["id"]], "admin")
    auth.login(head["phone"])
    page = client.get("/portal/building/").get_data(as_text=True)
    assert "第一网格 · 5号楼" in page and world.member["name"] in page
    assert world.member["phone"] not in page  # masked
    url = f"/portal/building/c/ca/{building['id']}"
    auth.post(f"{url}/need", {"category": "legal", "description": "王奶奶家水管漏水"})
    [need] = store.list_needs("ca")
    assert need["raised_by"] == "building_head" and need["level"] == "grid"
    empty = auth.post(f"{url}/need", {"category": "legal", "description": ""}, follow=True)
    assert "请填写需求描述" in empty.get_data(as_text=True) and len(store.list_needs("ca")) == 1
    auth.post(f"{url}/notice", {"text": "周六上午清理楼道杂物"})
    assert "清理楼道杂物" in store.inbox(world.member["uid"])[0]["text"]
    assert (
        auth.post(f"/portal/building/c/ca/{other['id']}/notice", {"text": "x"}).status_code == 404
    )


def test_the_member_home_links_each_appointed_role(client, auth, world):
    grid, building = _grid_with_building(world)
    auth.login(world.volunteer["phone"])
    home = client.get("/portal/me").get_data(as_text=True)
    assert "我的网格" not in home and "我的楼门院" not in home
    store.appoint("community", "ca", world.volunteer["uid"], "grid_worker", [grid["id"]], "a")
    store.appoint("community", "ca", world.volunteer["uid"], "building_head", [building["id"]], "a")
    home = client.get("/portal/me").get_data(as_text=True)
    assert "/portal/grid/" in home and "/portal/building/" in home


def test_the_admin_places_a_member_when_confirming(client, auth, world):
    grid, building = _grid_with_building(world)
    report = store.submit_report_in(world.member["uid"], "ca")
    auth.login(world.admin_a["phone"])
    queue = client.get("/portal/admin/c/ca/report-ins").get_data(as_text=True)
    assert "编入网格 / 楼门院" in queue and "第一网格 · 5号楼" in queue
    auth.post(
        f"/portal/admin/c/ca/report-ins/{report['id']}/confirm", {"place": f"b:{building['id']}"}
    )
    active = store.current_report_state(world.member["uid"])["active"]
    assert active["building_id"] == building["id"] and active["grid_id"] == grid["id"]


def test_a_patrol_finding_goes_to_a_grid_and_its_worker_closes_it(client, auth, world):
    grid, _building = _grid_with_building(world)
    other = store.add_grid("cb", 1, "乙社区第一网格")
    lane = store.add_lane("dongsi", "东四北大街")
    steward = make_user("13811115555", "volunteer")
    store.appoint("street", "dongsi", steward["uid"], "lane_steward", [lane["id"]], "admin")
    worker = make_user("13811116666", "volunteer")
    store.appoint("community", "ca", worker["uid"], "grid_worker", [grid["id"]], "admin")
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    finding = store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="parking", note="车堵住胡同", place="3号院"
    )
    url = f"/portal/patrols/s/dongsi/{patrol['id']}/findings/{finding['id']}/need"
    auth.login(steward["phone"])
    page = client.get(url).get_data(as_text=True)
    assert "测试甲社区 · 第一网格（先交网格处理）" in page
    # A grid of another community under this community's name: refused, no need.
    forged = {"community": f"ca/{other['id']}", "urgency": "normal", "description": "x"}
    assert "请选择交给哪个社区" in auth.post(url, forged).get_data(as_text=True)
    assert store.list_needs("ca") == [] and store.list_needs("cb") == []
    data = {"community": f"ca/{grid['id']}", "urgency": "normal", "description": "胡同被堵"}
    assert "已转为测试甲社区的需求" in auth.post(url, data, follow=True).get_data(as_text=True)
    (need,) = store.list_needs("ca")
    assert (need["grid_id"], need["level"]) == (grid["id"], "grid")
    auth.logout()
    auth.login(worker["phone"])
    assert "胡同被堵" in client.get("/portal/grid/").get_data(as_text=True)
    auth.post(f"/portal/grid/c/ca/needs/{need['id']}/close", {"note": "已联系车主挪车"})
    closed = store.get_need("ca", need["id"])
    assert (closed["status"], closed["closed_level"]) == ("已办结", "grid")
    # The 社区专员 of the community sees it on their home: closed in the grid this month.
    liaison = make_user("13811117777", "volunteer")
    store.appoint("street", "dongsi", liaison["uid"], "community_liaison", ["ca"], "admin")
    auth.logout()
    auth.login(liaison["phone"])
    page = client.get("/portal/liaison/").get_data(as_text=True)
    card = page[page.index('data-community="ca"') :]
    figure = card[card.index('data-figure="closed-in-grid"') :]
    assert figure[figure.index("<strong>") + 8 : figure.index("</strong>")] == "1"


def test_the_grid_page_shows_every_change_of_the_tree_it_keeps(client, auth, world):
    grid, building = _grid_with_building(world)
    auth.login(world.admin_a["phone"])
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert "5号楼" in page and "党员 0 名" in page
    # A new building (the structure changes) and a member placed (the community's
    # document changes): the page rendered before is not shown again.
    store.add_building("ca", grid["id"], "楼", "6号楼", 20)
    assert "6号楼" in client.get(f"{ADMIN}/").get_data(as_text=True)
    report = store.submit_report_in(world.member["uid"], "ca", building_id=building["id"])
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert "党员 1 名" in page


def test_the_grid_page_kept_head_follows_the_reader_and_its_forms_work(client, auth, world):
    """The page's head, navigation and form links are kept per community and kind of
    reader, the tree as encoded text: each reader still gets their own, and the page is
    one UTF-8 HTML document whose forms carry the reader's token."""
    grid, building = _grid_with_building(world)
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    crumb = "管理</a> ›"
    auth.login(world.admin_a["phone"])
    response = client.get(f"{ADMIN}/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert crumb not in page and "<!-- grid-tree -->" not in page
    assert page.count("测试甲社区") >= 2 and "5号楼" in page and "第一网格" in page
    token = csrf_token(client)
    # The unplaced member's form and the new-grid form: this reader's token, this community.
    assert f'action="{ADMIN}/place/{report["id"]}"' in page
    assert f'action="{ADMIN}/new"' in page
    assert page.count(f'value="{token}"') >= 3  # both forms and the header's logout
    placed = client.post(
        f"{ADMIN}/place/{report['id']}", data={"csrf_token": token, "place": f"b:{building['id']}"}
    )
    assert placed.status_code == 302
    assert store.grid_coverage("ca")["placed"] == 1
    auth.logout()
    # The street's admin manages A too: their head links back to 管理.
    auth.login(world.street["phone"])
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert crumb in page and "5号楼" in page and "党员 1 名" in page
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert crumb not in client.get(f"{ADMIN}/").get_data(as_text=True)
