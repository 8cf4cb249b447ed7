"""Demo 接诉即办 work orders (示例): a month of orders of the 东四 street, through the store.

Called by ``demo.seed`` after the grids, lanes and whistles exist. The orders come from
every channel (a hotline batch import, a resident's need turned into an order, a
小巷管家's finding, a 接待日 and a 民情日记 entry) and stand in every state from 待派单 to
已结案, with one 退单, one approved 延期, one 重办 and one 升级吹哨, so each list, order
page and figure has something to show. Every text says 示例; the callers' numbers are
invented. Steps are dated in the past, in order, so the 三率 are those of real steps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import store

STREET = "dongsi"
# The hotline batch (示例): 工单编号 suffix, days before now, category, caller, content,
# address, community index of 东四 (None: street only). Three 路灯照明 calls from one address
# make a 未诉先办 hot spot (hotline.yml: 3 in 30 days). What happens to each order is in
# ``_work_the_batch``.
LAMP = "北口胡同7号院（示例）"
HOTLINE_ROWS = [
    ("01", 28, "路灯照明", "张先生", "北口胡同路灯连续三晚不亮，老人夜里出门不便（示例）", LAMP, 0),
    ("02", 25, "环境卫生", "刘女士", "楼下垃圾桶满溢无人清理，气味很大（示例）", "", 0),
    ("03", 20, "物业服务", "陈先生", "小区电梯经常停运，物业答应维修一直没修（示例）", "", 0),
    ("04", 18, "停车与通行", "周先生", "胡同口长期有车辆违停，消防通道被堵（示例）", "", None),
    ("05", 15, "噪声油烟扰民", "吴女士", "沿街餐馆油烟直排进院子，晚上还有噪声（示例）", "", 0),
    ("06", 12, "市政设施", "郑先生", "人行道地砖大面积松动，雨后溅水（示例）", "", 0),
    ("07", 8, "垃圾分类", "王女士", "分类驿站开放时间太短，下班后无法投放（示例）", "", 1),
    ("08", 5, "树木绿化", "冯先生", "院内大树枯枝悬在电线上方，担心掉落（示例）", "", None),
    ("09", 1, "邻里纠纷", "褚女士", "楼上住户装修噪声持续到深夜（示例）", "", None),
    ("10", 0, "养老助残", "卫先生", "独居老人希望每周有人上门探访（示例）", "", 2),
    ("11", 17, "路灯照明", "杨女士", "院门口路灯又不亮了（示例）", LAMP, 0),
    ("12", 3, "路灯照明", "朱先生", "院里路灯时亮时灭（示例）", LAMP, None),
]


def _who(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def _phone(n: int) -> str:
    return f"1380000{n:04d}"  # invented, like every demo number


def seed_orders(users: dict, at: datetime) -> dict:
    """The demo orders; returns ``{"orders": n}``. ``users`` are demo.seed's accounts by
    phone (district, street, community admins, the grid worker and the 小巷管家)."""
    district = _who(users["13900000001"])
    street = _who(users["13900000002"])
    community = _who(users["13900000003"])
    grid_worker = _who(users["13900000006"])
    steward = users["13900000007"]
    dongsi = store.list_communities(STREET)
    first = f"community:{users['13900000003']['scope']}"  # 东四示例社区一
    oids = _import_batch(district, dongsi, at)
    _work_the_batch(oids, district, street, community, first, dongsi, at)
    made = len(oids)
    made += _from_need(street, community, first, at)
    made += _from_finding(steward, street, community, grid_worker, first, at)
    made += _manual_entries(district, street, community, first, at)
    return {"orders": made}


def _import_batch(district: dict, dongsi: list[dict], at: datetime) -> dict[str, str]:
    """The hotline's batch, imported as the district would (preview, then all or none)."""
    rows = []
    for suffix, days, category, caller, content, address, cindex in HOTLINE_ROWS:
        received = at - timedelta(days=days, hours=2)
        rows.append(
            {
                "工单编号": f"SL{received.strftime('%Y%m%d')}{suffix}",
                "受理时间": received.strftime("%Y-%m-%d %H:%M"),
                "诉求人": caller,
                "联系电话": _phone(int(suffix)),
                "诉求内容": content,
                "诉求类别": category,
                "地址": address or f"东四示例地址{int(suffix)}号",
                "所属街道": "东四街道",
                "所属社区": dongsi[cindex]["name"] if cindex is not None else "",
                "办理时限": "",
            }
        )
    # Each row is imported soon after it came in (the daily export), so no step of an
    # order predates its import.
    for row in rows:
        received = datetime.strptime(row["受理时间"], "%Y-%m-%d %H:%M")
        store.apply_hotline_import([row], "district", district, at=received + timedelta(minutes=10))
    found = {}
    for row in rows:
        oid = store.hotline_order_id_by_number(row["工单编号"])
        assert oid is not None
        found[row["工单编号"][-2:]] = oid
    return found


def _to_community(oid, district, street, target, start: datetime) -> datetime:
    """District → 东四 → ``target`` community, each signed in time; returns the clock."""
    store.dispatch_hotline_order(oid, "district", district, f"street:{STREET}", at=start)
    store.sign_hotline_order(oid, f"street:{STREET}", street, at=start + timedelta(minutes=40))
    store.dispatch_hotline_order(
        oid, f"street:{STREET}", street, target, at=start + timedelta(hours=1)
    )
    return start + timedelta(hours=1)


def _answer(oid, unit, actor, text, start: datetime, resolved=True) -> datetime:
    """Sign, call the resident, answer; returns the clock after the answer."""
    store.sign_hotline_order(oid, unit, actor, at=start + timedelta(minutes=30))
    store.contact_hotline_caller(
        oid, unit, actor, "已电话联系诉求人，约定上门查看（示例）", at=start + timedelta(hours=3)
    )
    done = start + timedelta(days=2)
    store.answer_hotline_order(oid, unit, actor, text, resolved, at=done)
    return done


def _resident_rates(oid, district, value, comment, at: datetime) -> None:
    """The district hands the caller a link; the caller rates through it."""
    _order, token = store.issue_hotline_link(oid, "district", district, at=at)
    store.rate_hotline_order(token, value, comment, at=at + timedelta(hours=5))


def _work_the_batch(oids, district, street, community, first, dongsi, at) -> None:
    day = timedelta(days=1)
    # 01 路灯: answered, rated 满意 through the link, closed.
    start = _to_community(oids["01"], district, street, first, at - 28 * day)
    done = _answer(oids["01"], first, community, "已更换路灯灯具，恢复照明（示例）", start)
    _resident_rates(oids["01"], district, "satisfied", "修得很快（示例）", done + day)
    store.close_hotline_order(oids["01"], "district", district, at=done + 2 * day)
    # 02 环境卫生: answered, 电话回访 基本满意, closed.
    start = _to_community(oids["02"], district, street, first, at - 25 * day)
    done = _answer(oids["02"], first, community, "已协调保洁公司增加清运频次（示例）", start)
    store.record_hotline_followup(
        oids["02"], "district", district, "basic", "清运及时了，桶还有点旧（示例）", at=done + day
    )
    store.close_hotline_order(oids["02"], "district", district, at=done + 2 * day)
    # 03 物业: 不满意 → 重办 → answered again → 满意 (已回访, not closed yet).
    start = _to_community(oids["03"], district, street, first, at - 20 * day)
    done = _answer(oids["03"], first, community, "已督促物业报修（示例）", start)
    _resident_rates(oids["03"], district, "unsatisfied", "电梯还是停（示例）", done + day)
    store.answer_hotline_order(
        oids["03"],
        first,
        community,
        "已约物业和维保单位更换电梯主板，试运行正常（示例）",
        True,
        at=done + 4 * day,
    )
    _resident_rates(oids["03"], district, "satisfied", "这次修好了（示例）", done + 5 * day)
    # 04 停车: with the street, signed late (past its 2-hour limit: the 响应率 shows it),
    # 升级吹哨 to the departments, then in hand.
    oid = oids["04"]
    start = at - 18 * day
    store.dispatch_hotline_order(oid, "district", district, f"street:{STREET}", at=start)
    store.sign_hotline_order(oid, f"street:{STREET}", street, at=start + timedelta(hours=3))
    store.raise_hotline_whistle(
        oid,
        f"street:{STREET}",
        street,
        item_id="W05-1",
        description="胡同口长期违停堵塞消防通道，需交通和公安到场（示例）",
        at=start + timedelta(hours=4),
    )
    store.contact_hotline_caller(
        oid, f"street:{STREET}", street, "已告知诉求人已吹哨（示例）", at=start + timedelta(hours=5)
    )
    # 05 噪声油烟: the community returns it (职责准入); back with the street, 已签收.
    start = _to_community(oids["05"], district, street, first, at - 15 * day)
    store.return_hotline_order(
        oids["05"],
        first,
        community,
        "CG-01",
        "餐馆油烟直排属执法事项，不在社区职责内（示例）",
        at=start + timedelta(hours=2),
    )
    # 06 市政设施: in hand, 延期 asked and approved by the street.
    start = _to_community(oids["06"], district, street, first, at - 12 * day)
    store.sign_hotline_order(oids["06"], first, community, at=start + timedelta(minutes=20))
    store.contact_hotline_caller(
        oids["06"], first, community, "已现场查看，需等地砖材料（示例）", at=start + day
    )
    store.request_hotline_extension(
        oids["06"],
        first,
        community,
        at + 6 * day,
        "地砖需统一采购，预计下周到货（示例）",
        at=start + 2 * day,
    )
    store.decide_hotline_extension(
        oids["06"], f"street:{STREET}", street, True, "同意（示例）", at=start + 3 * day
    )
    # 07 垃圾分类: dispatched to 东四示例社区二, not signed yet.
    _to_community(oids["07"], district, street, f"community:{dongsi[1]['id']}", at - 8 * day)
    # 08 树木: straight to the 园林绿化 department, not signed yet.
    store.dispatch_hotline_order(oids["08"], "district", district, "dept:yuanlin", at=at - 5 * day)
    # 09, 10: 待派单 with the district.
    # 11 路灯 again: answered two weeks ago and never rated (the window has passed: the
    # district may close it without a rating).
    start = _to_community(oids["11"], district, street, first, at - 17 * day)
    _answer(oids["11"], first, community, "已更换灯泡（示例）", start)
    # 12 路灯, a third time: with the street, not signed in time yet.
    store.dispatch_hotline_order(
        oids["12"], "district", district, f"street:{STREET}", at=at - 3 * day
    )


def _from_need(street, community, first, at: datetime) -> int:
    """A resident's need (随手拍) turned into an order of the street, now in hand."""
    cid = first.split(":")[1]
    when = at - timedelta(days=10)
    need = store.create_need(
        cid,
        category="sanitation",
        description="小区门口建筑垃圾堆了一周没人清（示例）",
        raised_by="resident",
        name="孙女士（示例）",
        phone=_phone(21),
        address="东四示例社区一南门",
        at=when,
    )
    order = store.hotline_order_from_need(
        cid, need["id"], f"street:{STREET}", street, at=when + timedelta(hours=1)
    )
    store.dispatch_hotline_order(
        order["id"], f"street:{STREET}", street, first, at=when + timedelta(hours=2)
    )
    store.sign_hotline_order(order["id"], first, community, at=when + timedelta(hours=3))
    store.contact_hotline_caller(
        order["id"], first, community, "已联系物业安排清运（示例）", at=when + timedelta(hours=6)
    )
    return 1


def _from_finding(steward, street, community, grid_worker, first, at: datetime) -> int:
    """A 小巷管家's finding turned into an order, down to the 北片网格, answered there."""
    when = at - timedelta(days=6)
    lane = store.steward_lane_ids(STREET, steward["uid"])[0]
    patrol = store.start_patrol(STREET, lane, steward["uid"], at=when)
    finding = store.add_patrol_finding(
        STREET,
        patrol["id"],
        steward["uid"],
        category="facilities",
        note="井盖松动，车辆经过时响声很大（示例）",
        place="东四六条西口",
        at=when + timedelta(minutes=20),
    )
    store.end_patrol(STREET, patrol["id"], steward["uid"], at=when + timedelta(hours=1))
    order = store.hotline_order_from_finding(
        STREET,
        patrol["id"],
        finding["id"],
        steward["uid"],
        _who(steward),
        at=when + timedelta(hours=2),
    )
    oid = order["id"]
    store.dispatch_hotline_order(
        oid, f"street:{STREET}", street, first, at=when + timedelta(hours=3)
    )
    store.sign_hotline_order(oid, first, community, at=when + timedelta(hours=4))
    targets = store.hotline_dispatch_targets(store.get_hotline_order(oid), first)
    grid = next(unit for unit, name in targets if name == "北片网格")  # 赵网格's grid
    store.dispatch_hotline_order(oid, first, community, grid, at=when + timedelta(hours=5))
    _answer(oid, grid, grid_worker, "已联系市政养护单位加固井盖（示例）", when + timedelta(hours=5))
    return 1


def _manual_entries(district, street, community, first, at: datetime) -> int:
    """A 接待日 call entered by the street (closed after a phone follow-up) and a 民情日记
    entry of the district (signed by the street)."""
    when = at - timedelta(days=22)
    order, _token = store.create_hotline_order(
        f"street:{STREET}",
        street,
        channel="reception",
        category="elderly",
        caller="蒋大爷（示例）",
        phone=_phone(31),
        content="党代表接待日反映：楼道扶手松动，老人上下楼不安全（示例）",
        address="东四示例社区一3号楼",
        community_id=first.split(":")[1],
        received=when,
        at=when,
    )
    oid = order["id"]
    store.dispatch_hotline_order(
        oid, f"street:{STREET}", street, first, at=when + timedelta(hours=1)
    )
    done = _answer(oid, first, community, "已请物业加固扶手（示例）", when + timedelta(hours=1))
    store.record_hotline_followup(
        oid,
        f"street:{STREET}",
        street,
        "satisfied",
        "扶手很牢了（示例）",
        at=done + timedelta(days=1),
    )
    store.close_hotline_order(oid, f"street:{STREET}", street, at=done + timedelta(days=2))
    when = at - timedelta(days=3)
    order, _token = store.create_hotline_order(
        "district",
        district,
        channel="diary",
        category="welfare",
        caller="韩女士（示例）",
        phone="",
        content="民情日记：失业后想咨询就业帮扶政策（示例）",
        address="东四示例社区二",
        received=when,
        at=when,
    )
    store.dispatch_hotline_order(
        order["id"], "district", district, f"street:{STREET}", at=when + timedelta(hours=2)
    )
    store.sign_hotline_order(order["id"], f"street:{STREET}", street, at=when + timedelta(hours=3))
    return 2
