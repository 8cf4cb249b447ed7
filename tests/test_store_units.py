"""驻区单位 in the store (files and PostgreSQL): registering units, their contact, a pledge
of a resource (to a community's list, the street's or the district's), joining a project,
taking on a need, the member's choice of their unit, and the hours and quarterly letter
the unit sees. Every refusal is in Chinese and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import make_user

AT = datetime(2026, 5, 10, 10, 0, 0)  # 2026-Q2; the quarter before is 2026-Q1


@pytest.fixture
def u(world):
    """A street-level unit of 东四 and a district-level one, registered by their admins."""

    class U:
        w = world
        street = store.register_unit(
            name="东四测试单位",
            level="street",
            street_id="dongsi",
            phone="010-64001234",
            description="机关单位",
            by=world.street["uid"],
        )
        district = store.register_unit(
            name="区级测试单位",
            level="district",
            street_id="dongsi",  # ignored at district level
            phone="13600000009",
            by=world.district["uid"],
        )

    return U


def _refused(call, words: str) -> None:
    with pytest.raises(store.StoreError) as info:
        call()
    assert words in str(info.value)


# ---------------------------------------------------------------- registry and contacts


def test_register_units_and_refusals(u):
    assert u.street["street_id"] == "dongsi" and u.street["level"] == "street"
    assert u.district["street_id"] is None and u.district["level"] == "district"
    assert store.get_unit(u.street["id"])["name"] == "东四测试单位"
    assert [x["id"] for x in store.list_units()] == [u.street["id"], u.district["id"]]
    assert [x["id"] for x in store.list_units(street_id="dongsi")] == [u.street["id"]]
    assert [x["id"] for x in store.list_units(level="district")] == [u.district["id"]]
    assert store.unit_choices() == {
        "区级单位": [(u.district["id"], "区级测试单位")],
        "东四街道": [(u.street["id"], "东四测试单位")],
    }
    by = u.w.street["uid"]
    fields = {"name": "新单位", "level": "street", "street_id": "dongsi", "phone": "13600000001"}
    for change, words in [
        ({"name": "  "}, "请填写单位名称"),
        ({"name": "长" * 41}, "不能超过 40 个字"),
        ({"level": "city"}, "请选择单位级别"),
        ({"street_id": "nowhere"}, "请选择单位所在的街道"),
        ({"street_id": None}, "请选择单位所在的街道"),
        ({"phone": ""}, "请填写联系人电话"),
        ({"phone": "12345"}, "请输入有效的联系电话"),
        ({"name": " 东四测试单位 "}, "已登记过名为“东四测试单位”的单位"),
    ]:
        _refused(lambda c=change: store.register_unit(**(fields | c), by=by), words)
    _refused(
        lambda: store.register_unit(**fields, description="长" * 201, by=by), "不能超过 200 个字"
    )
    assert len(store.list_units()) == 2
    with pytest.raises(store.NotFound):
        store.get_unit("nounit")
    with pytest.raises(store.NotFound):
        store.get_unit("../x")


def test_contact_is_appointed_revoked_and_kept(u):
    unit, by = u.street["id"], u.w.street["uid"]
    volunteer, member = u.w.volunteer, u.w.member
    assert store.unit_contact(unit) is None
    _refused(lambda: store.appoint_unit_contact(unit, u.w.admin_a["uid"], by), "只能任命已注册的")
    disabled = make_user("13800000071", "volunteer", home_cid="ca")
    store.set_disabled(disabled["uid"], True)
    _refused(lambda: store.appoint_unit_contact(unit, disabled["uid"], by), "账号未停用")
    row = store.appoint_unit_contact(unit, volunteer["uid"], by)
    assert store.unit_contact(unit)["uid"] == volunteer["uid"]
    assert [x["id"] for x in store.units_of_contact(volunteer["uid"])] == [unit]
    _refused(
        lambda: store.appoint_unit_contact(unit, volunteer["uid"], by), "已经是这个单位的联系人"
    )
    _refused(lambda: store.appoint_unit_contact(unit, member["uid"], by), "请先撤销原联系人")
    # The same person may be the contact of two units.
    store.appoint_unit_contact(u.district["id"], volunteer["uid"], u.w.district["uid"])
    assert len(store.units_of_contact(volunteer["uid"])) == 2
    revoked = store.revoke_unit_contact(unit, by)
    assert revoked["id"] == row["id"] and revoked["revoked_by"] == by
    assert store.unit_contact(unit) is None
    assert [x["id"] for x in store.units_of_contact(volunteer["uid"])] == [u.district["id"]]
    _refused(lambda: store.revoke_unit_contact(unit, by), "目前没有联系人")
    store.appoint_unit_contact(unit, member["uid"], by)
    history = store.unit_contact_history(unit)
    assert sorted(h["uid"] for h in history) == sorted([member["uid"], volunteer["uid"]])
    assert sum(1 for h in history if h["revoked_at"]) == 1
    with pytest.raises(store.NotFound):
        store.appoint_unit_contact("nounit", member["uid"], by)


# ---------------------------------------------------------------- what a unit does


def test_pledge_to_a_community_the_street_and_the_district(u):
    unit, by = u.street["id"], u.w.volunteer["uid"]
    targets = store.unit_pledge_targets(unit)
    assert targets == [
        ("community", "ca", "测试甲社区"),
        ("community", "cb", "测试乙社区"),
        ("street", "dongsi", "东四街道"),
    ]
    resource = store.unit_pledge_resource(
        unit, by, level="community", scope="ca", name="会议室", kind="venue", availability="周末"
    )
    (listed,) = store.list_resources("ca")
    assert listed["id"] == resource["id"]
    assert (listed["provider"], listed["provider_type"], listed["contact"]) == (
        "东四测试单位",
        "unit",
        "010-64001234",
    )
    street_resource = store.unit_pledge_resource(
        unit, by, level="street", scope="dongsi", name="法律咨询", kind="expertise"
    )
    (area,) = store.list_area_resources("street", "dongsi")
    assert area["id"] == street_resource["id"] and area["unit_id"] == unit
    pledges = store.unit_activity(unit)["pledges"]
    assert {(p["level"], p["scope"], p["resource_id"]) for p in pledges} == {
        ("community", "ca", resource["id"]),
        ("street", "dongsi", street_resource["id"]),
    }
    # Refusals: another street's community or list, the district's list, a bad kind.
    for level, scope in [("community", "cc"), ("street", "jingshan"), ("district", "district")]:
        with pytest.raises(store.NotFound):
            store.unit_pledge_resource(unit, by, level=level, scope=scope, name="x", kind="venue")
    _refused(
        lambda: store.unit_pledge_resource(
            unit, by, level="community", scope="ca", name="x", kind="bad"
        ),
        "请选择资源类型",
    )
    _refused(
        lambda: store.unit_pledge_resource(
            unit, by, level="community", scope="ca", name="", kind="venue"
        ),
        "请填写资源名称",
    )
    assert len(store.list_resources("ca")) == 1
    assert len(store.unit_activity(unit)["pledges"]) == 2
    assert store.list_resources("cc") == []
    # A district-level unit serves every community, every street's list and the district's.
    district = u.district["id"]
    assert ("community", "cc", "测试丙社区") in store.unit_pledge_targets(district)
    assert store.unit_pledge_targets(district)[-1] == ("district", "district", "东城区")
    store.unit_pledge_resource(
        district, by, level="community", scope="cc", name="车", kind="equipment"
    )
    store.unit_pledge_resource(
        district, by, level="district", scope="district", name="资金", kind="funds"
    )
    assert store.list_resources("cc")[0]["provider"] == "区级测试单位"
    assert store.list_area_resources("district", "district")[0]["unit_id"] == district


def test_join_a_project(u):
    unit, by = u.street["id"], u.w.volunteer["uid"]
    project = store.create_project("ca", u.w.admin_a["uid"], name="助老项目")
    joined = store.unit_join_project(unit, "ca", project["id"], by, at=AT)
    assert joined["unit_ids"] == [unit]
    assert store.get_project("ca", project["id"])["unit_ids"] == [unit]
    (row,) = store.unit_activity(unit)["projects"]
    assert (row["community_id"], row["project_id"], row["name"]) == (
        "ca",
        project["id"],
        "助老项目",
    )
    _refused(lambda: store.unit_join_project(unit, "ca", project["id"], by), "已经加入")
    # Another unit joins the same project; a finished project takes nobody.
    store.unit_join_project(u.district["id"], "ca", project["id"], by)
    assert store.get_project("ca", project["id"])["unit_ids"] == [unit, u.district["id"]]
    finished = store.create_project("ca", u.w.admin_a["uid"], name="旧项目")
    store.set_project_status("ca", finished["id"], "已完成")
    _refused(lambda: store.unit_join_project(unit, "ca", finished["id"], by), "已经完成")
    assert "unit_ids" not in store.get_project("ca", finished["id"])
    far = store.create_project("cc", u.w.admin_a["uid"], name="景山项目")
    with pytest.raises(store.NotFound):
        store.unit_join_project(unit, "cc", far["id"], by)
    with pytest.raises(store.NotFound):
        store.unit_join_project(unit, "ca", "noproject", by)
    assert "unit_ids" not in store.get_project("cc", far["id"])
    assert len(store.unit_activity(unit)["projects"]) == 1


def test_take_on_a_need(u):
    unit, by = u.street["id"], u.w.volunteer["uid"]
    need = store.create_need(
        "ca", category="legal", description="需要法律咨询", raised_by="resident"
    )
    taken = store.unit_take_need(unit, "ca", need["id"], by, at=AT)["taken_by_unit"]
    assert taken == {"unit_id": unit, "name": "东四测试单位", "by": by, "at": "2026-05-10 10:00:00"}
    assert store.get_need("ca", need["id"])["taken_by_unit"] == taken
    assert store.get_need("ca", need["id"])["status"] == "待处理"
    (row,) = store.unit_activity(unit)["needs"]
    assert (row["community_id"], row["need_id"]) == ("ca", need["id"])
    _refused(lambda: store.unit_take_need(unit, "ca", need["id"], by), "本单位已经认领")
    _refused(
        lambda: store.unit_take_need(u.district["id"], "ca", need["id"], by), "其他驻区单位认领"
    )
    done = store.create_need("ca", category="legal", description="已办", raised_by="resident")
    store.start_need("ca", done["id"], u.w.admin_a["uid"])
    store.close_need("ca", done["id"], u.w.admin_a["uid"])
    _refused(lambda: store.unit_take_need(unit, "ca", done["id"], by), "已经办结")
    assert "taken_by_unit" not in store.get_need("ca", done["id"])
    far = store.create_need("cc", category="legal", description="景山", raised_by="resident")
    with pytest.raises(store.NotFound):
        store.unit_take_need(unit, "cc", far["id"], by)
    with pytest.raises(store.NotFound):
        store.unit_take_need(unit, "ca", "noneed", by)
    assert len(store.unit_activity(unit)["needs"]) == 1
    assert store.unit_activity(u.district["id"])["needs"] == []


# ---------------------------------------------------------------- members and their hours


def _report_in(world, uid: str, cid: str = "ca") -> None:
    report = store.submit_report_in(uid, cid)
    store.confirm_report_in(cid, report["id"], world.admin_a["uid"])


def _serve(world, uid: str, day: str, cid: str = "ca", start="09:00", end="11:00") -> None:
    """A shift on ``day`` the person served, with hours confirmed."""
    _post, shift = world.post(cid=cid, day=day, start=start, end=end, title=f"服务{day}")
    moment = datetime.fromisoformat(day)
    row = store.sign_up(cid, shift["id"], uid, at=moment - timedelta(days=3))
    after = moment + timedelta(hours=23)
    store.mark_attendance(
        cid, shift["id"], row["id"], store.PRESENT, world.admin_a["uid"], at=after
    )
    store.confirm_hours(cid, shift["id"], world.admin_a["uid"], at=after)


def test_choose_a_unit(u):
    member, unit = u.w.member["uid"], u.street["id"]
    assert store.chosen_unit(member) is None
    assert store.choose_unit(member, unit) == unit
    assert store.chosen_unit(member) == unit
    _refused(lambda: store.choose_unit(u.w.volunteer["uid"], unit), "只有在职党员")
    _refused(lambda: store.choose_unit(member, "nounit"), "请从列表中选择驻区单位")
    assert store.chosen_unit(member) == unit
    store.choose_unit(member, unit)  # the same choice again writes nothing new
    store.choose_unit(member, u.district["id"])
    assert store.chosen_unit(member) == u.district["id"]
    _report_in(u.w, member)
    assert store.unit_member_hours(unit, at=AT)["rows"] == []
    assert [r["uid"] for r in store.unit_member_hours(u.district["id"], at=AT)["rows"]] == [member]
    assert store.choose_unit(member, None) is None
    assert store.chosen_unit(member) is None
    assert store.unit_member_hours(u.district["id"], at=AT)["rows"] == []


def test_hours_of_members_who_chose_the_unit(u):
    w, unit = u.w, u.street["id"]
    member = w.member["uid"]
    other = make_user("13800000072", "member", home_cid="ca", name="未选单位")
    away = make_user("13800000073", "member", home_cid="ca", name="未报到")
    for uid in (member, other["uid"]):
        _report_in(w, uid)
    store.choose_unit(member, unit)
    store.choose_unit(away["uid"], unit)  # chose the unit but is not reported in anywhere
    _serve(w, member, "2026-04-02")  # this quarter: 2 hours
    _serve(w, member, "2026-05-06", start="14:00", end="17:30")  # this quarter: 3.5 hours
    _serve(w, member, "2026-02-10")  # the last quarter: 2 hours
    _serve(w, member, "2025-12-01")  # before: not shown
    _serve(w, other["uid"], "2026-04-03")
    hours = store.unit_member_hours(unit, at=AT)
    assert hours["quarters"] == ("2026-Q2", "2026-Q1")
    (row,) = hours["rows"]
    assert (row["uid"], row["name"], row["community"]["id"]) == (member, w.member["name"], "ca")
    assert row["hours"] == {"2026-Q2": 5.5, "2026-Q1": 2.0}
    assert row["services"] == {"2026-Q2": 2, "2026-Q1": 1}
    # The quarterly letter: the same figures as the community's letter to the unit.
    (letter,) = store.unit_quarter_letter(unit, "2026-Q2")
    assert letter["total_hours"] == 5.5 and len(letter["items"]) == 2
    assert letter["reported_in"]["id"] == "ca"
    assert letter == dict(
        store.member_quarter_summary(member, "2026-Q2"), reported_in=letter["reported_in"]
    )
    with pytest.raises(store.NotFound):
        store.unit_quarter_letter(unit, "2026-Q5")
    # A member who deletes their account is no longer shown, nor in the letter.
    store.delete_account(member)
    assert store.unit_member_hours(unit, at=AT)["rows"] == []
    assert store.unit_quarter_letter(unit, "2026-Q2") == []


def test_a_quarter_wraps_to_the_year_before(u):
    hours = store.unit_member_hours(u.street["id"], at=datetime(2026, 2, 1))
    assert hours["quarters"] == ("2026-Q1", "2025-Q4")
