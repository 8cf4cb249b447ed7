"""网格 and 楼门院 in the store (on both backends): structure, renames kept, refusals that
change nothing, placing members, the import plan, appointments, 小事不出网格."""

from __future__ import annotations

import pytest

from portal import store
from tests.conftest import make_user


def _grid(number=1, name="", secretary="王书记"):
    return store.add_grid("ca", number, name, secretary, "admin")


def _member_in(world, cid="ca"):
    report = store.submit_report_in(world.member["uid"], cid)
    store.confirm_report_in(cid, report["id"], world.admin_a["uid"])
    return report


def test_grids_and_buildings_with_checks_and_history(world):
    first = _grid(1)
    assert first["name"] == "第1网格"
    with pytest.raises(store.StoreError, match="已有编号为 1"):
        _grid(1, "另一个")
    with pytest.raises(store.StoreError, match="1 到 999"):
        _grid(0)
    building = store.add_building("ca", first["id"], "院", "西四北三条7号院", "12", "李组长")
    assert building["kind"] == "courtyard" and building["households"] == 12
    with pytest.raises(store.StoreError, match="已有“西四北三条7号院”"):
        store.add_building("ca", first["id"], "楼", "西四北三条7号院")
    with pytest.raises(store.StoreError, match="户数"):
        store.add_building("ca", first["id"], "楼", "2号楼", "很多")
    renamed = store.update_grid("ca", first["id"], 1, "东四网格", "王书记", "admin")
    assert renamed["renames"][0]["from"] == "第1网格" and renamed["renames"][0]["to"] == "东四网格"
    assert store.building_label("ca", building["id"]) == "东四网格 · 西四北三条7号院"
    with pytest.raises(store.NotFound):
        store.get_grid("cb", first["id"])  # another community's grid is not found there


def test_a_grid_with_members_or_open_needs_cannot_be_deleted(world):
    grid = _grid(1)
    building = store.add_building("ca", grid["id"], "楼", "5号楼")
    report = _member_in(world)
    store.place_member("ca", report["id"], None, building["id"], "admin")
    with pytest.raises(store.StoreError, match="1 名党员"):
        store.delete_grid("ca", grid["id"])
    with pytest.raises(store.StoreError, match="1 名党员"):
        store.delete_building("ca", building["id"])
    store.place_member("ca", report["id"], None, None, "admin")
    need = store.create_need(
        "ca", category="legal", description="漏水", raised_by="resident", building_id=building["id"]
    )
    with pytest.raises(store.StoreError, match="1 条未办结"):
        store.delete_grid("ca", grid["id"])
    store.close_need_in_grid("ca", need["id"], "w", "已修好")
    store.delete_grid("ca", grid["id"])
    assert (
        store.grid_structure("ca")["grids"] == [] and store.grid_structure("ca")["buildings"] == []
    )


def test_placement_tree_and_coverage(world):
    grid = _grid(1)
    other = _grid(2)
    building = store.add_building("ca", grid["id"], "楼", "5号楼", 40)
    report = _member_in(world)
    assert store.grid_coverage("ca")["unplaced"][0]["id"] == report["id"]
    with pytest.raises(store.StoreError, match="不在所选网格"):
        store.place_member("ca", report["id"], other["id"], building["id"], "admin")
    placed = store.place_member("ca", report["id"], None, building["id"], "admin")
    assert placed["grid_id"] == grid["id"]  # the building decides the grid
    tree = store.grid_tree("ca")
    assert [(r["grid"]["number"], r["members"], r["households"]) for r in tree["grids"]] == [
        (1, 1, 40),
        (2, 0, 0),
    ]
    assert tree["grids"][0]["buildings"][0]["members"] == 1
    assert tree["coverage"]["placed"] == 1 and tree["coverage"]["unplaced"] == []


def test_a_member_may_name_a_building_when_reporting_in(world):
    grid = _grid(1)
    building = store.add_building("ca", grid["id"], "单元", "3号楼2单元")
    report = store.submit_report_in(world.member["uid"], "ca", building_id=building["id"])
    assert (report["grid_id"], report["building_id"]) == (grid["id"], building["id"])
    with pytest.raises(store.StoreError, match="不属于这个社区"):
        store.submit_report_in(world.member["uid"], "cb", building_id=building["id"])


ROWS = [
    {
        "网格编号": "1",
        "网格名称": "第一网格",
        "网格党支部书记": "王",
        "楼门院名称": "1号楼",
        "类型": "楼",
        "户数": "48",
        "党小组长": "李",
    },
    {
        "网格编号": "1",
        "网格名称": "",
        "网格党支部书记": "",
        "楼门院名称": "7号院",
        "类型": "院",
        "户数": "",
        "党小组长": "",
    },
    {
        "网格编号": "2",
        "网格名称": "第二网格",
        "网格党支部书记": "",
        "楼门院名称": "",
        "类型": "",
        "户数": "",
        "党小组长": "",
    },
]


def test_import_is_all_or_nothing_and_idempotent(world):
    bad = [*ROWS, {**ROWS[0], "楼门院名称": "9号楼", "户数": "很多"}]
    plan = store.plan_grid_import("ca", bad)
    assert plan["errors"] == [(5, "户数应为整数（不知道可以不填）。")]
    with pytest.raises(store.StoreError, match="第 5 行"):
        store.apply_grid_import("ca", bad, "admin")
    assert store.grid_structure("ca")["grids"] == []  # nothing written
    plan = store.apply_grid_import("ca", ROWS, "admin")
    assert (plan["new_grids"], len(plan["new_buildings"])) == ([1, 2], 2)
    again = store.plan_grid_import("ca", ROWS)
    assert again["new_grids"] == again["changed_grids"] == again["new_buildings"] == []
    changed = [{**ROWS[0], "网格名称": "东四第一网格", "户数": "50"}]
    plan = store.apply_grid_import("ca", changed, "admin")
    assert plan["changed_grids"] == [1] and plan["changed_buildings"] == [(1, "1号楼")]
    grid = store.grid_structure("ca")["grids"][0]
    assert grid["name"] == "东四第一网格" and grid["renames"][0]["from"] == "第一网格"


def test_import_refuses_conflicting_rows(world):
    conflict = [ROWS[0], {**ROWS[0], "网格名称": "别的名字", "楼门院名称": "2号楼"}]
    assert store.plan_grid_import("ca", conflict)["errors"][0][0] == 3
    duplicate = [ROWS[0], ROWS[0]]
    assert "重复" in store.plan_grid_import("ca", duplicate)["errors"][0][1]


def test_appointments_are_scoped_and_revocable(world):
    grid = _grid(1)
    helper = make_user("13811112222", "volunteer")
    row = store.appoint("community", "ca", helper["uid"], "grid_worker", [grid["id"]], "admin")
    assert store.holds_appointment(helper["uid"], "grid_worker", grid["id"])
    with pytest.raises(store.StoreError, match="已经是网格员"):
        store.appoint("community", "ca", helper["uid"], "grid_worker", [grid["id"]], "admin")
    with pytest.raises(store.StoreError, match="不在这里"):
        store.appoint("community", "cb", helper["uid"], "grid_worker", [grid["id"]], "admin")
    with pytest.raises(store.StoreError, match="只能任命"):
        store.appoint("community", "ca", world.admin_a["uid"], "grid_worker", [grid["id"]], "a")
    store.revoke_appointment("community", "ca", row["id"], "admin")
    assert store.appointments_of(helper["uid"]) == []
    assert store.list_appointments("community", "ca", active=False)[0]["revoked_by"] == "admin"


def test_small_things_stay_in_the_grid_and_the_figures_say_so(world):
    grid = _grid(1)
    building = store.add_building("ca", grid["id"], "楼", "5号楼")
    made = [
        store.create_need(
            "ca",
            category="legal",
            description=f"事{n}",
            raised_by="resident",
            building_id=building["id"],
        )
        for n in range(3)
    ]
    assert all(n["level"] == "grid" and n["grid_id"] == grid["id"] for n in made)
    store.close_need_in_grid("ca", made[0]["id"], "w", "修好了")
    with pytest.raises(store.StoreError, match="已经办结"):
        store.close_need_in_grid("ca", made[0]["id"], "w", "再办一次")
    with pytest.raises(store.StoreError, match="转交原因"):
        store.pass_need_up("ca", made[1]["id"], "w", "")
    store.pass_need_up("ca", made[1]["id"], "w", "需要物业")
    with pytest.raises(store.StoreError, match="转交社区"):
        store.close_need_in_grid("ca", made[1]["id"], "w", "修好了")
    store.start_need("ca", made[1]["id"], world.admin_a["uid"])
    store.close_need("ca", made[1]["id"], world.admin_a["uid"])
    month = store.now().strftime("%Y-%m")
    figures = store.grid_routing_figures(store.get_community("ca"), month)
    assert (figures["grid"], figures["community"], figures["street"]) == (1, 1, 0)
    assert figures["grid_share"] == 50
