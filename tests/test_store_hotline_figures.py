"""接诉即办 figures in the store (files and PostgreSQL): 三率 from the counters with the
district adding up its streets, rankings, the public figures; 未诉先办 hot spots over the
last 30 days only and 主动治理任务 with their effect; 每月一题 across orders, needs and
whistles, the recorded topic and its trend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal import store

T0 = datetime(2026, 12, 1, 9, 0, 0)
MONTH = "2026-12"


def actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def row(number: str, received: datetime = T0, **extra) -> dict:
    fields = {
        "工单编号": number,
        "受理时间": received.strftime("%Y-%m-%d %H:%M"),
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


def _import(world, rows, at=T0) -> list[str]:
    store.apply_hotline_import(rows, "district", actor(world.district), at=at)
    return [store.hotline_order_id_by_number(r["工单编号"]) for r in rows]


def _handled(world, oid: str, value: str | None, sign_late=False, resolved=True, at=T0):
    """District → 东四 → 测试甲社区, signed, answered, rated (by phone) and closed."""
    district, street, ca = actor(world.district), actor(world.street), actor(world.admin_a)
    store.dispatch_hotline_order(oid, "district", district, "street:dongsi", at=at)
    late = timedelta(hours=5 if sign_late else 0, minutes=30)
    store.sign_hotline_order(oid, "street:dongsi", street, at=at + late)
    store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca", at=at + late)
    store.sign_hotline_order(oid, "community:ca", ca, at=at + late + timedelta(minutes=10))
    store.contact_hotline_caller(oid, "community:ca", ca, "电话联系", at=at + timedelta(hours=6))
    store.answer_hotline_order(oid, "community:ca", ca, "处理了", resolved, at=at + timedelta(1))
    if value:
        store.record_hotline_followup(oid, "district", district, value, at=at + timedelta(2))
    if value in ("satisfied", "basic"):  # 不满意 reopens the order (重办) instead
        store.close_hotline_order(oid, "district", district, at=at + timedelta(days=2))


# ---------------------------------------------------------------- 三率


def test_rates_of_units_district_and_ranking(world):
    oids = _import(world, [row(f"R{i}") for i in range(4)])
    _handled(world, oids[0], "satisfied")
    _handled(world, oids[1], "basic", sign_late=True, resolved=False)
    _handled(world, oids[2], "unsatisfied")  # reopened: its rating no longer counts
    # the fourth went to 景山 and is only dispatched there
    store.dispatch_hotline_order(oids[3], "district", actor(world.district), "street:jingshan")

    street = store.hotline_unit_rates(MONTH, "street:dongsi")
    assert street["counts"]["dispatched"] == 3 and street["counts"]["signed_in_time"] == 2
    assert (street["counts"]["closed"], street["counts"]["resolved"]) == (2, 1)
    assert street["rates"] == {
        "response": pytest.approx(2 / 3, abs=1e-4),
        "resolution": 0.5,
        "satisfaction": 1.0,
    }
    community = store.hotline_unit_rates(MONTH, "community:ca")
    assert (
        community["counts"]["dispatched"] == 3
        and community["rates"]["resolution"] == street["rates"]["resolution"]
    )
    district = store.hotline_unit_rates(MONTH, "district")
    assert district["counts"]["dispatched"] == 4  # 3 to 东四 + 1 to 景山
    assert district["counts"]["rated"] == 2 and district["counts"]["reopened"] == 1
    assert district["rates"]["satisfaction"] == 1.0
    # a unit with nothing to divide by has no rate, not 0
    empty = store.hotline_unit_rates(MONTH, "community:cb")
    assert empty["rates"] == {"response": None, "resolution": None, "satisfaction": None}

    streets = store.hotline_street_rates(MONTH)
    by_id = {r["id"]: r for r in streets}
    assert by_id["dongsi"]["rank"] == 1
    assert by_id["jingshan"]["rank"] == 2  # a response rate (0 %) but nothing closed yet
    assert all(r["rank"] is None for r in streets if r["id"] not in ("dongsi", "jingshan"))
    assert streets[0]["id"] == "dongsi"
    communities = store.hotline_community_rates(MONTH, "dongsi")
    assert [r["id"] for r in communities] == ["ca", "cb"]
    assert [r["rank"] for r in communities] == [1, None]
    with pytest.raises(store.StoreError):
        store.hotline_unit_rates("2026-13", "district")


def test_rates_match_a_recount_and_the_public_figures_hold_no_personal_data(world):
    oids = _import(world, [row(f"P{i}") for i in range(2)])
    _handled(world, oids[0], "satisfied")
    recount = store.hotline_recount(store.hotline_orders_of_month(MONTH))
    assert store.hotline_unit_rates(MONTH, "street:dongsi")["counts"] == recount["street:dongsi"]
    public = store.hotline_public_figures(MONTH)
    text = repr(public)
    assert "13812345678" not in text and "张先生" not in text and "东四北大街" not in text
    dongsi = next(s for s in public["streets"] if s["id"] == "dongsi")
    assert dongsi["counts"] == {"dispatched": 1, "answered": 1, "closed": 1, "rated": 1}
    assert dongsi["rates"]["satisfaction"] == 1.0
    trend = store.hotline_rates_trend("street:dongsi", MONTH)
    assert [t["month"] for t in trend][-2:] == ["2026-11", MONTH]
    assert trend[-1]["counts"]["closed"] == 1 and trend[0]["counts"]["closed"] == 0


# ---------------------------------------------------------------- 未诉先办


def test_hot_spots_need_the_threshold_within_the_window(world):
    rule = store.hotspot_threshold()
    assert rule["count"] == 3 and rule["days"] == 30  # hotline.yml (示例)
    _import(world, [row("H1", T0 - timedelta(days=45))], at=T0 - timedelta(days=45))
    _import(
        world,
        [
            row("H2", T0 - timedelta(days=20)),
            row("H3", T0 - timedelta(days=2), 地址="东四北大街1号"),  # same place, no spaces
            row("H4", T0 - timedelta(hours=1), 诉求类别="环境卫生"),  # another category
        ],
    )
    at = T0
    assert store.hotline_hotspots("dongsi", None, at) == []  # 2 in 30 days (H1 is older)
    _import(world, [row("H5", T0 - timedelta(hours=2))])
    spots = store.hotline_hotspots("dongsi", None, at)
    assert len(spots) == 1
    spot = spots[0]
    assert (spot["category"], spot["kind"], spot["count"]) == ("streetlight", "address", 3)
    assert spot["order_ids"] == [store.hotline_order_id_by_number(n) for n in ("H2", "H3", "H5")]
    assert store.hotline_hotspots("dongsi", "ca", at)[0]["count"] == 3
    assert store.hotline_hotspots("dongsi", "cb", at) == []
    assert store.hotline_hotspots("jingshan", None, at) == []
    assert len(store.hotline_hotspots(None, None, at)) == 1  # the district sees it too
    # 45 days later the window holds none of them
    assert store.hotline_hotspots("dongsi", None, T0 + timedelta(days=45)) == []


def test_proactive_task_links_orders_records_result_and_shows_effect(world):
    _import(world, [row(f"T{i}", T0 - timedelta(days=i + 1)) for i in range(3)])
    street, ca, cb = actor(world.street), actor(world.admin_a), actor(world.admin_b)
    spot = store.hotline_hotspots("dongsi", None, T0)[0]
    with pytest.raises(store.StoreError, match="措施"):
        store.open_proactive_task(
            "dongsi", None, spot["category"], "address", spot["place"], " ", street, at=T0
        )
    with pytest.raises(store.StoreError, match="不是热点"):
        store.open_proactive_task("dongsi", None, "noise", "address", spot["place"], "x", street)
    task = store.open_proactive_task(
        "dongsi", None, spot["category"], "address", spot["place"], "全面检修路灯", street, at=T0
    )
    assert task["order_ids"] == spot["order_ids"] and task["community_id"] == "ca"
    assert store.hotline_hotspots("dongsi", None, T0)[0]["task"]["id"] == task["id"]
    with pytest.raises(store.StoreError, match="进行中"):
        store.open_proactive_task(
            "dongsi", "ca", spot["category"], "address", spot["place"], "再来", ca, at=T0
        )
    assert [t["id"] for t in store.list_proactive_tasks("dongsi", "ca")] == [task["id"]]
    assert store.list_proactive_tasks("dongsi", "cb") == []
    assert [t["id"] for t in store.list_proactive_tasks()] == [task["id"]]
    # one more order of that class 5 days later, one of another class
    _import(
        world,
        [
            row("T9", T0 + timedelta(days=5)),
            row("T8", T0 + timedelta(days=6), 诉求类别="噪声油烟扰民"),
        ],
        at=T0 + timedelta(days=6),
    )
    effect = store.proactive_task_effect(task, T0 + timedelta(days=10))
    assert effect == {"days": 30, "before": 3, "after": 1, "elapsed": 10, "complete": False}
    assert store.proactive_task_effect(task, T0 + timedelta(days=31))["complete"] is True
    # another community's admin cannot record the result of A's task
    with pytest.raises(store.NotFound):
        store.record_proactive_result("dongsi", task["id"], "好了", cb, community_id="cb")
    done = store.record_proactive_result(
        "dongsi", task["id"], "路灯全部更换", ca, community_id="ca", at=T0 + timedelta(days=10)
    )
    assert done["status"] == "已完成" and done["closed_by"]["uid"] == ca["uid"]
    assert store.get_proactive_task("dongsi", task["id"])["result"] == "路灯全部更换"
    with pytest.raises(store.StoreError, match="已经记录"):
        store.record_proactive_result("dongsi", task["id"], "再记", street)


# ---------------------------------------------------------------- 每月一题


def test_monthly_topic_counts_orders_needs_and_whistles(world):
    _import(world, [row(f"M{i}", 诉求类别="停车与通行") for i in range(2)])
    for _ in range(2):
        store.create_need(
            "ca", category="legal", description="邻居纠纷", raised_by="resident", at=T0
        )
    store.create_need("cc", category="parking", description="乱停车", raised_by="resident", at=T0)
    store.create_whistle(
        "dongsi", actor(world.street), item_id="W05-1", description="违停", place="胡同口", at=T0
    )
    top = store.top_monthly_topic("dongsi", MONTH)
    assert top["category"] == "parking"
    assert top["by_channel"] == {"orders": 2, "needs": 0, "whistles": 1, "total": 3}
    assert top["ranking"][1] == (
        "neighbours",
        {"orders": 0, "needs": 2, "whistles": 0, "total": 2},
    )
    district = store.top_monthly_topic("district", MONTH)
    assert district["category"] == "parking" and district["by_channel"]["needs"] == 1
    assert store.top_monthly_topic("jingshan", MONTH)["count"] == 1
    assert store.top_monthly_topic("dongsi", "2026-11") is None


def test_monthly_topic_is_recorded_with_plan_orders_result_and_trend(world):
    oids = _import(world, [row(f"S{i}", 诉求类别="停车与通行") for i in range(2)])
    street = actor(world.street)
    with pytest.raises(store.StoreError, match="治理方案"):
        store.set_monthly_topic("dongsi", MONTH, "parking", "", "王主任", [], street)
    with pytest.raises(store.StoreError, match="诉求类别"):
        store.set_monthly_topic("dongsi", MONTH, "ufo", "方案", "王主任", [], street)
    with pytest.raises(store.StoreError, match="没有找到工单"):
        store.set_monthly_topic("dongsi", MONTH, "parking", "方案", "王", ["202612-zzzz"], street)
    # an order routed to 景山 is not 东四's to link
    store.dispatch_hotline_order(oids[1], "district", actor(world.district), "street:jingshan")
    with pytest.raises(store.StoreError, match="不在本辖区"):
        store.set_monthly_topic("dongsi", MONTH, "parking", "方案", "王", [oids[1]], street)
    assert store.get_monthly_topic("dongsi", MONTH) is None
    store.dispatch_hotline_order(oids[0], "district", actor(world.district), "street:dongsi")
    topic = store.set_monthly_topic(
        "dongsi", MONTH, "parking", "错峰共享车位", "王主任", [oids[0], oids[0]], street, at=T0
    )
    assert topic["order_ids"] == [oids[0]] and topic["result"] is None
    assert store.get_monthly_topic("district", MONTH) is None
    done = store.record_monthly_topic_result("dongsi", MONTH, "新增车位 40 个", street)
    assert done["result"] == "新增车位 40 个"
    again = store.set_monthly_topic("dongsi", MONTH, "parking", "扩大方案", "李", [], street)
    assert again["result"] == "新增车位 40 个" and again["plan"] == "扩大方案"
    with pytest.raises(store.StoreError, match="先确定"):
        store.record_monthly_topic_result("jingshan", MONTH, "x", street)
    trend = store.monthly_topic_trend("dongsi", MONTH, "parking", at=T0)
    assert trend["rows"][-1] == (MONTH, 1)  # 东四's order of the month (the other is 景山's)
    assert [m for m, _n in trend["rows"]] == ["2026-09", "2026-10", "2026-11", MONTH]
    assert trend["before"] == 0 and trend["after"] is None
