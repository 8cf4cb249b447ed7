"""The grid's writes that check what another write may change (files and PostgreSQL): a
grid worker's action checked against their appointment as stored now, a grid with a
pending report-in that chose it kept, and a report-in naming a grid deleted since."""

from __future__ import annotations

import pytest

from portal import store
from tests.conftest import make_user


def _grid_need(grid):
    return store.create_need(
        "ca", category="legal", description="楼道灯", raised_by="resident", grid_id=grid["id"]
    )


def test_an_appointed_action_needs_the_appointment_as_stored_now(world):
    grid = store.add_grid("ca", 1, "第一网格")
    other = store.add_grid("ca", 2, "第二网格")
    worker = make_user("13640000301", "volunteer")
    row = store.appoint("community", "ca", worker["uid"], "grid_worker", [grid["id"]], "a")
    first, second, elsewhere = _grid_need(grid), _grid_need(grid), _grid_need(other)
    done = store.close_need_in_grid("ca", first["id"], worker["uid"], "修好了", appointed=True)
    assert done["closed_level"] == "grid"
    with pytest.raises(store.StoreError, match="不再负责这个网格"):
        store.pass_need_up("ca", elsewhere["id"], worker["uid"], "需要物业", appointed=True)
    store.revoke_appointment("community", "ca", row["id"], "a")
    for call in (
        lambda: store.close_need_in_grid("ca", second["id"], worker["uid"], "x", appointed=True),
        lambda: store.pass_need_up("ca", second["id"], worker["uid"], "x", appointed=True),
    ):
        with pytest.raises(store.StoreError, match="不再负责这个网格"):
            call()
    stored = store.get_need("ca", second["id"])
    assert (stored["status"], stored["notes"], stored.get("level")) == (
        second["status"],
        second["notes"],
        second.get("level"),
    )
    with pytest.raises(store.NotFound):
        store.close_need_in_grid("ca", "nothere", worker["uid"], "x", appointed=True)


def test_a_grid_chosen_by_a_pending_report_in_is_not_deleted(world):
    grid = store.add_grid("ca", 1, "第一网格")
    building = store.add_building("ca", grid["id"], "楼", "5号楼", 40)
    store.submit_report_in(world.member["uid"], "ca", building_id=building["id"])
    with pytest.raises(store.StoreError, match="1 名党员"):
        store.delete_grid("ca", grid["id"])
    with pytest.raises(store.StoreError, match="1 名党员"):
        store.delete_building("ca", building["id"])
    assert grid["id"] in store.grid_structure("ca")["grid"]


def test_a_report_in_naming_a_deleted_grid_is_refused(world, monkeypatch):
    grid = store.add_grid("ca", 1, "第一网格")
    # The form's check passes on the structure read before; the grid is deleted before
    # the report-in is written: the check inside the write refuses it.
    from portal.store import grid_members

    checked = grid_members.check_place

    def check_then_delete(cid, grid_id, building_id):
        result = checked(cid, grid_id, building_id)
        store.delete_grid("ca", grid["id"])
        return result

    monkeypatch.setattr(grid_members, "check_place", check_then_delete)
    with pytest.raises(store.StoreError, match="请重新选择"):
        store.submit_report_in(world.member["uid"], "ca", grid_id=grid["id"])
    assert store.list_report_ins("ca") == []
