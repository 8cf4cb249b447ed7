"""A 驻区单位's pledge killed after each of its writes: the resource on the list and the
unit's record of it are there together or not at all (community, street and district
lists), after the store is opened again."""

from __future__ import annotations

import pytest

from portal import store
from tests.test_crash_between_writes import _each_kill_point

pytestmark = pytest.mark.processes


def _pledged(unit_id: str, level: str, scope: str, name: str) -> tuple[list, list]:
    """(the list's rows with this name, the unit's pledges of this name)."""
    if level == "community":
        rows = store.list_resources(scope)
    else:
        rows = store.list_area_resources(level, scope)
    listed = [r for r in rows if r["name"] == name]
    recorded = [p for p in store.unit_activity(unit_id)["pledges"] if p["name"] == name]
    return listed, recorded


@pytest.mark.parametrize(
    "level,scope",
    [("community", "ca"), ("street", "dongsi"), ("district", "district")],
)
def test_a_pledge_writes_the_resource_and_the_units_record_together(world, data_dir, level, scope):
    unit = store.register_unit(
        name=f"崩溃测试单位{level}",
        level="district",
        street_id=None,
        phone="010-64001234",
        by=world.district["uid"],
    )
    counter = iter(range(1, 100))

    def setup():
        return f"会议室{next(counter)}"

    def pledge(name):
        store.unit_pledge_resource(
            unit["id"], world.district["uid"], level=level, scope=scope, name=name, kind="venue"
        )

    def check(name):
        listed, recorded = _pledged(unit["id"], level, scope, name)
        assert len(listed) == len(recorded) <= 1, (listed, recorded)
        if listed:
            assert recorded[0]["resource_id"] == listed[0]["id"]
            assert listed[0]["provider"] == unit["name"]

    writes = _each_kill_point(data_dir, setup, pledge, check)
    # Both documents are written (through the journal): there were kill points between.
    assert writes >= 2
    listed, recorded = _pledged(unit["id"], level, scope, "会议室1")
    assert (len(listed), len(recorded)) in ((0, 0), (1, 1))
