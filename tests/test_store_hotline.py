"""接诉即办 work orders in the store (files and PostgreSQL): the state machine with an
injected clock and every side path, illegal steps refused, due times and overdue flags,
the batch import (idempotent, bad rows by number, all or nothing, 5,000 rows fast),
rating and reopening once, and the counters equal to a recount."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import make_user

T0 = datetime(2026, 12, 1, 9, 0, 0)
MONTH = "2026-12"


def actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def row(number: str, **extra) -> dict:
    fields = {
        "工单编号": number,
        "受理时间": "2026-12-01 08:30",
        "诉求人": "张先生",
        "联系电话": "13812345678",
        "诉求内容": "楼下路灯不亮，晚上出行不便。",
        "诉求类别": "路灯照明",
        "地址": "东四北大街 1 号",
        "所属街道": "东四街道",
        "所属社区": "测试甲社区",
        "办理时限": "",
    }
    return fields | extra


@pytest.fixture
def h(world):
    class H:
        w = world
        district = actor(world.district)
        street = actor(world.street)
        ca = actor(world.admin_a)
        cb = actor(world.admin_b)

    return H


def _import(h, *numbers, at=T0) -> list[str]:
    store.apply_hotline_import([row(n) for n in numbers], "district", h.district, at=at)
    return [store.hotline_order_id_by_number(n) for n in numbers]


def _to_community(h, oid: str, at=T0) -> None:
    store.dispatch_hotline_order(oid, "district", h.district, "street:dongsi", at=at)
    store.sign_hotline_order(oid, "street:dongsi", h.street, at=at + timedelta(minutes=30))
    store.dispatch_hotline_order(
        oid, "street:dongsi", h.street, "community:ca", at=at + timedelta(minutes=40)
    )


def _answered(h, oid: str, at=T0) -> dict:
    _to_community(h, oid, at)
    store.sign_hotline_order(oid, "community:ca", h.ca, at=at + timedelta(hours=1))
    store.contact_hotline_caller(
        oid, "community:ca", h.ca, "电话联系了", at=at + timedelta(hours=2)
    )
    return store.answer_hotline_order(
        oid, "community:ca", h.ca, "已更换灯泡", True, at=at + timedelta(days=1)
    )


def _check_counters(months=(MONTH,)) -> None:
    for month in months:
        expected = store.hotline_recount(store.hotline_orders_of_month(month))
        units = {
            u
            for kind in ("street", "community", "dept")
            for u in store.hotline_counted_units(month, kind)
        }
        assert set(expected) <= units | set(expected)
        for unit in units | set(expected):
            wanted = expected.get(unit, dict.fromkeys(store.HOTLINE_COUNT_FIELDS, 0))
            assert store.hotline_counts(month, unit) == wanted, unit


# ---------------------------------------------------------------- import


def test_import_plans_then_adds_once(h):
    rows = [row("A1"), row("A2", 所属社区="", 办理时限="3"), row("A3", 所属街道="", 所属社区="")]
    plan = store.plan_hotline_import(rows, h.district, at=T0)
    assert plan["errors"] == [] and len(plan["orders"]) == 3
    assert store.list_hotline_open("district", at=T0) == []  # the plan wrote nothing
    result = store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert result == {"added": 3, "skipped": 0, "rows": 3}
    again = store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert again == {"added": 0, "skipped": 3, "rows": 3}
    assert store.plan_hotline_import(rows, h.district, at=T0)["skipped"] == [
        (2, "A1"),
        (3, "A2"),
        (4, "A3"),
    ]
    listed = store.list_hotline_open("district", at=T0)
    assert sorted(e["number"] for e in listed) == ["A1", "A2", "A3"]
    a2 = store.get_hotline_order(store.hotline_order_id_by_number("A2"))
    assert a2["state"] == "待派单" and a2["channel"] == "hotline" and a2["close_given"]
    assert a2["due"]["close"] == "2026-12-04 08:30:00"  # 3 days from 受理时间
    a1 = store.get_hotline_order(store.hotline_order_id_by_number("A1"))
    assert a1["due"]["close"] == "2026-12-06 08:30:00"  # 路灯照明: 5 days (hotline.yml)
    assert a1["suggest"] == {"street": "dongsi", "community": "ca"}
    assert a1["timeline"][0]["action"] == "受理"


def test_bad_rows_are_named_and_nothing_is_imported(h):
    rows = [
        row("B1"),
        row("B2", 受理时间="昨天"),
        row("B3", 诉求类别="外星人"),
        row("B1"),
        row("B5", 所属街道="西城街道"),
        row("B6", 所属社区="测试丙社区"),
        row("B7", 诉求内容=""),
        row("B8", 办理时限="2026-11-01"),
    ]
    plan = store.plan_hotline_import(rows, h.district, at=T0)
    errors = dict(plan["errors"])
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "受理时间" in errors[3] and "外星人" in errors[4] and "第 2 行" in errors[5]
    assert "西城街道" in errors[6] and "测试丙社区" in errors[7]
    assert "诉求内容" in errors[8] and "办理时限" in errors[9]
    with pytest.raises(store.StoreError, match="第 3 行"):
        store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert store.hotline_order_id_by_number("B1") is None
    assert store.list_hotline_open("district", at=T0) == []
    with pytest.raises(store.StoreError, match="区级"):
        store.apply_hotline_import([row("B9")], "street:dongsi", h.street, at=T0)


@pytest.mark.slow
def test_five_thousand_rows_import_once(h, store_backend):
    """A 5,000-row file lands whole and a second import of it adds nothing. How long it
    takes is a figure of the bench (``python -m bench --hotline``), not asserted here."""
    rows = [row(f"N{i:06d}", 诉求内容="路灯不亮，晚上出行不便。" * 4) for i in range(5000)]
    result = store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert result["added"] == 5000
    assert len(store.list_hotline_open("district", at=T0)) == 5000
    again = store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert again["added"] == 0
    assert len(store.list_hotline_open("district", at=T0)) == 5000


# ---------------------------------------------------------------- the main path


def test_main_path_with_clock_timeline_and_counters(h):
    (oid,) = _import(h, "M1")
    _to_community(h, oid)
    order = store.get_hotline_order(oid)
    assert order["state"] == "已派单" and order["holder"] == "community:ca"
    assert order["route"] == {"street": "dongsi", "community": "ca", "grid": None, "dept": None}
    # 签收 limit 2 h from the dispatch at 09:40: signing at 12:00 is late.
    store.sign_hotline_order(oid, "community:ca", h.ca, at=T0 + timedelta(hours=3))
    store.contact_hotline_caller(oid, "community:ca", h.ca, "电话联系", at=T0 + timedelta(hours=4))
    order = store.answer_hotline_order(
        oid, "community:ca", h.ca, "已修复", True, at=T0 + timedelta(days=1)
    )
    assert order["state"] == "已答复"
    order = store.record_hotline_followup(
        oid, "district", h.district, "satisfied", "挺好", at=T0 + timedelta(days=2)
    )
    assert order["state"] == "已回访" and order["rating"]["source"] == "phone"
    order = store.close_hotline_order(oid, "district", h.district, at=T0 + timedelta(days=2))
    assert order["state"] == "已结案" and order["closed_at"]
    actions = [(s["action"], s["unit"], s["state"]) for s in order["timeline"]]
    assert actions[:4] == [
        ("受理", "district", "待派单"),
        ("派单", "district", "已派单"),
        ("签收", "street:dongsi", "已签收"),
        ("派单", "street:dongsi", "已派单"),
    ]
    assert all(s["uid"] for s in order["timeline"])  # every staff step names who
    street = store.hotline_counts(MONTH, "street:dongsi")
    community = store.hotline_counts(MONTH, "community:ca")
    assert (street["dispatched"], street["signed_in_time"]) == (1, 1)
    assert (community["dispatched"], community["signed"], community["signed_in_time"]) == (1, 1, 0)
    for figures in (street, community):
        assert (figures["closed"], figures["resolved"], figures["rated"], figures["satisfied"]) == (
            1,
            1,
            1,
            1,
        )
    for unit in ("district", "street:dongsi", "community:ca"):
        assert store.list_hotline_open(unit, at=T0) == []
    _check_counters()


def test_illegal_steps_are_refused_and_change_nothing(h):
    (oid,) = _import(h, "I1")
    before = store.get_hotline_order(oid)
    refusals = [
        lambda: store.sign_hotline_order(oid, "district", h.district, at=T0),
        lambda: store.answer_hotline_order(oid, "district", h.district, "x", True, at=T0),
        lambda: store.dispatch_hotline_order(oid, "district", h.district, "community:ca", at=T0),
        lambda: store.dispatch_hotline_order(oid, "street:dongsi", h.street, "community:ca", at=T0),
        lambda: store.close_hotline_order(oid, "district", h.district, at=T0),
    ]
    for refuse in refusals:
        with pytest.raises(store.StoreError):
            refuse()
    assert store.get_hotline_order(oid) == before
    _to_community(h, oid)
    with pytest.raises(store.StoreError, match="不归您"):
        store.sign_hotline_order(oid, "community:cb", h.cb, at=T0)
    store.sign_hotline_order(oid, "community:ca", h.ca, at=T0 + timedelta(hours=1))
    with pytest.raises(store.StoreError, match="已签收"):
        store.sign_hotline_order(oid, "community:ca", h.ca, at=T0 + timedelta(hours=1))
    with pytest.raises(store.StoreError, match="已签收，不能答复"):
        store.answer_hotline_order(oid, "community:ca", h.ca, "答复", True, at=T0)
    with pytest.raises(store.StoreError):
        store.dispatch_hotline_order(oid, "community:ca", h.ca, "community:cb", at=T0)
    with pytest.raises(store.StoreError, match="答复后"):
        store.record_hotline_followup(oid, "district", h.district, "satisfied", at=T0)
    with pytest.raises(store.NotFound):
        store.hotline_order_for(oid, "community:cb")
    with pytest.raises(store.NotFound):
        store.hotline_order_for(oid, "street:jingshan")
    assert store.hotline_order_for(oid, "street:dongsi")["id"] == oid
    _check_counters()


def test_grid_and_department_routes(h, world):
    gid = store.add_grid("ca", 1, "北片网格")["id"]
    one, two = _import(h, "G1", "G2")
    _to_community(h, one)
    store.sign_hotline_order(one, "community:ca", h.ca, at=T0 + timedelta(hours=1))
    targets = dict(store.hotline_dispatch_targets(store.get_hotline_order(one), "community:ca"))
    assert targets == {f"grid:ca:{gid}": "北片网格"}
    store.dispatch_hotline_order(one, "community:ca", h.ca, f"grid:ca:{gid}", at=T0)
    worker = make_user("13800000031", "volunteer", home_cid="ca")
    grid_unit = f"grid:ca:{gid}"
    store.sign_hotline_order(one, grid_unit, actor(worker), at=T0 + timedelta(hours=2))
    assert [e["id"] for e in store.list_hotline_open(grid_unit, at=T0)] == [one]
    assert store.get_hotline_order(one)["route"]["grid"] == gid
    store.dispatch_hotline_order(two, "district", h.district, "dept:yuanlin", at=T0)
    liaison = make_user("13800000032", "dept_liaison", scope="yuanlin")
    store.sign_hotline_order(two, "dept:yuanlin", actor(liaison), at=T0 + timedelta(hours=1))
    assert store.hotline_counts(MONTH, "dept:yuanlin")["signed_in_time"] == 1
    with pytest.raises(store.NotFound):
        store.hotline_order_for(two, "street:dongsi")
    _check_counters()


# ---------------------------------------------------------------- side paths


def test_return_names_the_duty_and_goes_back_to_the_dispatcher(h):
    (oid,) = _import(h, "R1")
    _to_community(h, oid)
    with pytest.raises(store.StoreError, match="职责"):
        store.return_hotline_order(oid, "community:ca", h.ca, "", "不归我们", at=T0)
    with pytest.raises(store.StoreError, match="退单理由"):
        store.return_hotline_order(oid, "community:ca", h.ca, "CG-01", " ", at=T0)
    order = store.return_hotline_order(oid, "community:ca", h.ca, "CG-01", "属于市政", at=T0)
    assert order["holder"] == "street:dongsi" and order["state"] == "已签收"
    assert order["route"]["community"] is None
    assert "CG-01" in order["timeline"][-1]["note"]
    assert store.list_hotline_open("community:ca", at=T0) == []
    order = store.return_hotline_order(oid, "street:dongsi", h.street, "CG-03", "区级部门", at=T0)
    assert order["holder"] == "district" and order["state"] == "待派单"
    assert order["route"] == {"street": None, "community": None, "grid": None, "dept": None}
    store.dispatch_hotline_order(oid, "district", h.district, "dept:chengshi", at=T0)
    assert store.hotline_counts(MONTH, "community:ca")["returned"] == 1
    assert store.hotline_counts(MONTH, "street:dongsi")["returned"] == 1
    _check_counters()


def test_extension_refused_then_approved_by_the_dispatcher(h):
    (oid,) = _import(h, "E1")
    _to_community(h, oid)
    store.sign_hotline_order(oid, "community:ca", h.ca, at=T0 + timedelta(hours=1))
    old = store.get_hotline_order(oid)["due"]["close"]
    later = T0 + timedelta(days=20)
    with pytest.raises(store.StoreError, match="晚于"):
        store.request_hotline_extension(oid, "community:ca", h.ca, T0, "等配件", at=T0)
    store.request_hotline_extension(oid, "community:ca", h.ca, later, "等配件", at=T0)
    with pytest.raises(store.StoreError, match="已经有"):
        store.request_hotline_extension(oid, "community:ca", h.ca, later, "再等", at=T0)
    with pytest.raises(store.StoreError, match="派单单位"):
        store.decide_hotline_extension(oid, "district", h.district, True, at=T0)
    assert "street:dongsi" in {e for e in [store.get_hotline_order(oid)["extension"]["decider"]]}
    order = store.decide_hotline_extension(oid, "street:dongsi", h.street, False, at=T0)
    assert order["due"]["close"] == old and order["extension"] is None
    store.request_hotline_extension(oid, "community:ca", h.ca, later, "等配件", at=T0)
    order = store.decide_hotline_extension(oid, "street:dongsi", h.street, True, "同意", at=T0)
    assert order["due"]["close"] == "2026-12-21 09:00:00"
    assert [e["approved"] for e in order["extensions"]] == [False, True]
    assert store.hotline_counts(MONTH, "community:ca")["extended"] == 1
    _check_counters()


def test_whistle_from_an_order_links_both_and_repairs_a_crash(h):
    one, two = _import(h, "W1", "W2")
    _to_community(h, one)
    with pytest.raises(store.StoreError, match="街道"):
        store.raise_hotline_whistle(
            one, "community:ca", h.ca, item_id="W11-3", description="路灯成片不亮"
        )
    order, whistle = store.raise_hotline_whistle(
        one, "street:dongsi", h.street, item_id="W11-3", description="路灯成片不亮", at=T0
    )
    assert order["whistle"]["whistle_id"] == whistle["id"]
    assert order["timeline"][-1]["action"] == "升级吹哨"
    assert store.get_whistle("dongsi", whistle["id"])["street_id"] == "dongsi"
    with pytest.raises(store.StoreError, match="已经"):
        store.raise_hotline_whistle(
            one, "street:dongsi", h.street, item_id="W11-3", description="再吹", at=T0
        )
    # A crash after the whistle and before the link: the next press links that whistle.
    _to_community(h, two)
    orphan = store.create_whistle(
        "dongsi",
        h.street,
        item_id="W11-3",
        description=f"路灯\n【工单 {two}】（工单编号 W2）",
        place="东四",
        at=T0,
    )
    order, whistle = store.raise_hotline_whistle(
        two, "street:dongsi", h.street, item_id="W11-3", description="路灯", at=T0
    )
    assert whistle["id"] == orphan["id"] and order["whistle"]["whistle_id"] == orphan["id"]
    assert len(store.list_whistles(["dongsi"])) == 2


# ---------------------------------------------------------------- rating and 重办


def test_unsatisfied_reopens_once_within_the_window(h):
    (oid,) = _import(h, "S1")
    _answered(h, oid)
    order, token = store.issue_hotline_link(oid, "district", h.district, at=T0)
    with pytest.raises(store.StoreError):
        store.rate_hotline_order(token, "great", at=T0 + timedelta(days=2))
    order = store.rate_hotline_order(token, "unsatisfied", "没修好", at=T0 + timedelta(days=2))
    assert order["state"] == "办理中" and order["reopened"] and order["rating"] is None
    assert order["holder"] == "community:ca"
    assert order["due"]["close"] == "2026-12-08 09:00:00"  # a new 5-day limit from 重办
    assert store.hotline_counts(MONTH, "community:ca")["answered"] == 0
    store.answer_hotline_order(
        oid, "community:ca", h.ca, "换了灯杆", True, at=T0 + timedelta(days=3)
    )
    order = store.rate_hotline_order(token, "unsatisfied", "还是不行", at=T0 + timedelta(days=4))
    assert order["state"] == "已回访" and order["rating"]["value"] == "unsatisfied"  # once only
    with pytest.raises(store.StoreError, match="每次答复只评价一次"):
        store.rate_hotline_order(token, "satisfied", at=T0 + timedelta(days=4))
    assert [r["value"] for r in order["ratings"]] == ["unsatisfied", "unsatisfied"]
    figures = store.hotline_counts(MONTH, "community:ca")
    assert (figures["rated"], figures["unsatisfied"], figures["reopened"]) == (1, 1, 1)
    _check_counters()


def test_unsatisfied_after_the_window_does_not_reopen_and_close_waits(h):
    (oid,) = _import(h, "S2")
    _answered(h, oid)  # answered T0 + 1 day
    with pytest.raises(store.StoreError, match="还可以评价"):
        store.close_hotline_order(oid, "district", h.district, at=T0 + timedelta(days=3))
    _order, token = store.issue_hotline_link(oid, "district", h.district, at=T0)
    order = store.rate_hotline_order(token, "unsatisfied", at=T0 + timedelta(days=9))
    assert order["state"] == "已回访" and not order["reopened"]
    with pytest.raises(store.NotFound):
        store.rate_hotline_order(token[:-2] + "xx", "satisfied", at=T0)
    store.issue_hotline_link(oid, "district", h.district, at=T0)  # the old link stops working
    with pytest.raises(store.NotFound):
        store.hotline_order_by_token(token)
    _check_counters()


def test_phone_followup_and_reveal_are_audited(h):
    (oid,) = _import(h, "P1")
    _answered(h, oid)
    with pytest.raises(store.StoreError, match="受理"):
        store.record_hotline_followup(oid, "community:ca", h.ca, "satisfied", at=T0)
    store.record_hotline_followup(oid, "district", h.district, "basic", "一般", at=T0)
    assert store.mask_hotline_phone("13812345678") == "138****5678"
    with pytest.raises(store.StoreError):
        store.reveal_hotline_phone(oid, "street:dongsi", h.street, at=T0)
    assert store.reveal_hotline_phone(oid, "community:ca", h.ca, at=T0) == "13812345678"
    actions = [e["action"] for e in store.list_audit(MONTH)]
    assert "记录电话回访" in actions and "查看诉求人完整电话" in actions
    assert all(e["street_id"] == "dongsi" for e in store.list_audit(MONTH, "dongsi")[:2])


# ---------------------------------------------------------------- due times


def test_list_sorts_by_urgency_and_flags_overdue(h):
    first, second = _import(h, "U1", "U2")
    store.dispatch_hotline_order(first, "district", h.district, "street:dongsi", at=T0)
    at = T0 + timedelta(hours=1)
    rows = store.list_hotline_open("street:dongsi", at=at)
    assert [r["id"] for r in rows] == [first]
    assert rows[0]["urgency"]["what"] == "签收" and rows[0]["urgency"]["left"] == 3600
    assert not rows[0]["urgency"]["overdue"] and rows[0]["mine"]
    late = store.list_hotline_open("street:dongsi", at=T0 + timedelta(hours=3))
    assert late[0]["urgency"]["overdue"] and late[0]["urgency"]["late"] == ["签收"]
    district = store.list_hotline_open("district", at=T0 + timedelta(days=2))
    assert [r["id"] for r in district] == [second]
    assert district[0]["urgency"]["late"] == ["首次联系"]


# ---------------------------------------------------------------- intake from the portal


def test_manual_entry_need_and_finding_become_orders(h, world):
    with pytest.raises(store.StoreError, match="手工录入"):
        store.create_hotline_order(
            "district",
            h.district,
            channel="hotline",
            category="other",
            caller="",
            phone="",
            content="x",
        )
    order, token = store.create_hotline_order(
        "street:dongsi",
        h.street,
        channel="reception",
        category="parking",
        caller="王",
        phone="13900000000",
        content="胡同停车难",
        community_id="ca",
        at=T0,
    )
    assert order["origin"] == "street:dongsi" and order["route"]["street"] == "dongsi"
    assert store.hotline_order_by_token(token)["id"] == order["id"]
    store.dispatch_hotline_order(order["id"], "street:dongsi", h.street, "community:ca", at=T0)
    need = store.create_need(
        "ca", category="streetlight", description="路灯坏了", raised_by="resident", at=T0
    )
    made = store.hotline_order_from_need("ca", need["id"], "community:ca", h.ca, at=T0)
    assert made["links"]["need"] == {"community_id": "ca", "need_id": need["id"]}
    assert made["channel"] == "snapshot" and made["category"] == "streetlight"
    assert made["origin"] == "street:dongsi"
    assert store.get_need("ca", need["id"])["hotline_order"]["id"] == made["id"]
    with pytest.raises(store.StoreError, match="已经转为工单"):
        store.hotline_order_from_need("ca", need["id"], "community:ca", h.ca, at=T0)
    with pytest.raises(store.NotFound):
        store.hotline_order_from_need("ca", need["id"], "community:cb", h.cb, at=T0)
    lane = store.add_lane("dongsi", "东四北大街")
    steward = make_user("13800000041", "volunteer", home_cid="ca")
    store.appoint("street", "dongsi", steward["uid"], "lane_steward", [lane["id"]], h.street["uid"])
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"], at=T0)
    finding = store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="facilities", note="井盖松动", at=T0
    )
    made = store.hotline_order_from_finding(
        "dongsi", patrol["id"], finding["id"], steward["uid"], actor(steward), at=T0
    )
    assert made["channel"] == "grid" and made["address"].startswith("东四北大街")
    found = store.get_patrol_finding(store.get_patrol("dongsi", patrol["id"]), finding["id"])
    assert found["order"]["id"] == made["id"]
    with pytest.raises(store.StoreError, match="已经转为工单"):
        store.hotline_order_from_finding(
            "dongsi", patrol["id"], finding["id"], steward["uid"], actor(steward), at=T0
        )
    _check_counters()


def test_dispatching_the_suggested_ones_at_once(h):
    rows = [
        row("Q1"),
        row("Q2", 所属街道="景山街道", 所属社区=""),
        row("Q3", 所属街道="", 所属社区="", 诉求类别="树木绿化"),
        row("Q4", 所属街道="", 所属社区=""),
    ]
    store.apply_hotline_import(rows, "district", h.district, at=T0)
    assert store.dispatch_hotline_suggested("district", h.district, at=T0) == 3
    holders = {
        n: store.get_hotline_order(store.hotline_order_id_by_number(n))["holder"]
        for n in ("Q1", "Q2", "Q3", "Q4")
    }
    assert holders == {
        "Q1": "street:dongsi",  # the district sends it to the street; the street to 测试甲社区
        "Q2": "street:jingshan",
        "Q3": "dept:yuanlin",  # 树木绿化: a department's by default (hotline.yml)
        "Q4": "district",
    }
    assert [r["number"] for r in store.list_hotline_open("district", at=T0)] == ["Q4"]
    assert store.dispatch_hotline_suggested("district", h.district, at=T0) == 0
    q1 = store.hotline_order_id_by_number("Q1")
    store.sign_hotline_order(q1, "street:dongsi", h.street, at=T0)
    assert (
        store.dispatch_hotline_suggested("street:dongsi", h.street, at=T0) == 0
    )  # signed, not 待派单
    store.dispatch_hotline_order(q1, "street:dongsi", h.street, "community:ca", at=T0)
    assert store.hotline_counts(MONTH, "street:jingshan")["dispatched"] == 1
    _check_counters()


def test_an_order_counts_in_the_month_it_was_received(h):
    store.apply_hotline_import(
        [row("NOV", 受理时间="2026-11-30 23:50")], "district", h.district, at=T0
    )
    oid = store.hotline_order_id_by_number("NOV")
    assert oid.startswith("202611-")
    _answered(h, oid)  # every step in December
    assert store.hotline_counts("2026-11", "community:ca")["answered"] == 1
    assert store.hotline_counts(MONTH, "community:ca")["answered"] == 0
    assert store.hotline_counted_units("2026-11", "street") == ["street:dongsi"]
    _check_counters(("2026-11", MONTH))
