"""Demo data (示例): the 17 real streets, invented communities, posts and accounts.

Only ``python run.py seed-demo`` (and ``make run`` on an empty store) calls this;
a real store never gets demo accounts. Every invented name says 示例.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from kb import data as kbdata

from . import demo_council, demo_hotline, store
from .config import DEFAULTS

CONSENT = str(DEFAULTS["CONSENT_VERSION"])

DEMO_PASSWORD = "demo1234"
# phone, name, role, where (street id or community index), kind-specific fields
DEMO_ACCOUNTS = [
    ("13900000001", "区级管理员（示例）", "district_admin", None),
    ("13900000002", "东四街道管理员（示例）", "street_admin", "dongsi"),
    ("13900000003", "东四示例社区一管理员", "community_admin", "dongsi:0"),
    ("13900000004", "王建国（示例在职党员）", "member", "dongsi:0"),
    ("13900000005", "李秀兰（示例志愿者）", "volunteer", "dongsi:0"),
    # One volunteer in each appointed role (任命 by the community or the street).
    ("13900000006", "赵网格（示例网格员）", "volunteer", "dongsi:0"),
    ("13900000007", "钱巷管（示例小巷管家）", "volunteer", "dongsi:0"),
    ("13900000008", "孙专员（示例社区专员）", "volunteer", "dongsi:0"),
]
# 示例 grids of 东四示例社区一: number, name, 网格党支部书记, buildings (kind, name, households,
# 党小组长). The lanes of 东四 for its 小巷管家.
DEMO_GRIDS = [
    (
        1,
        "北片网格",
        "周书记（示例）",
        [
            ("building", "1号楼", 48, "吴组长（示例）"),
            ("building", "2号楼", 36, ""),
            ("courtyard", "北口胡同7号院", 9, "郑组长（示例）"),
        ],
    ),
    (
        2,
        "南片网格",
        "冯书记（示例）",
        [("unit", "5号楼1单元", 18, "陈组长（示例）"), ("unit", "5号楼2单元", 18, "")],
    ),
    (3, "胡同网格", "", [("courtyard", "东四六条12号院", 11, "")]),
]
DEMO_LANES = ["东四北大街（示例）", "东四六条（示例）", "东四七条（示例）"]
# Whistles the 东四 street raised (示例): item, what, where. Each department they summon
# gets a liaison account (13900000201…), so the 部门报到 side can be tried too.
DEMO_WHISTLES = [
    ("W05-1", "胡同口车辆违停，消防车和救护车无法通行（示例）", "东四示例社区一北口胡同"),
    ("W03-1", "垃圾清运车连续两天未按时清运，桶站满溢（示例）", "东四示例社区二垃圾分类驿站"),
]
LIAISON_PHONE = "139000002{:02d}"
COMMUNITIES_PER_STREET = 3
NUMERALS = "一二三四五六七八九十"
POST_TEMPLATES = {
    "medical": ("周末义诊与血压测量", "社区卫生站门前"),
    "education": ("青少年课业辅导", "社区活动室"),
    "legal": ("法律咨询服务日", "社区党群服务中心"),
    "mediation": ("邻里纠纷调解值班", "小院议事厅"),
    "elderly": ("独居老人探访", "社区内各楼门"),
    "environment": ("背街小巷环境巡查", "社区主要街巷"),
    "waste": ("垃圾分类桶前值守", "各小区垃圾分类驿站"),
    "property": ("物业问题意见收集", "社区居委会"),
    "checkpoint": ("重要活动卡口值守", "社区北门卡口"),
    "culture": ("节日文艺演出保障", "社区文化广场"),
}


def _short(street_name: str) -> str:
    return street_name.removesuffix("街道")


def seed(at=None, rng: random.Random | None = None) -> dict:
    """Fill an empty store with demo data; returns counts. Refuses a non-empty store."""
    if not store.is_empty():
        raise store.StoreError("数据目录不是空的：演示数据只写入空的数据目录。")
    rng = rng or random.Random(20261128)
    at = at or store.now()
    tax = kbdata.taxonomy()
    by_street: dict[str, list] = {}
    for street in store.list_streets():
        for n in range(COMMUNITIES_PER_STREET):
            name = f"{_short(street['name'])}示例社区{NUMERALS[n]}"
            by_street.setdefault(street["id"], []).append(
                store.add_community(street["id"], name, example=True)
            )

    def where(spec):
        if spec is None:
            return None, None
        if ":" in spec:
            street, n = spec.split(":")
            return by_street[street][int(n)]["id"], street
        return spec, spec

    users = {}
    for phone, name, role, spec in DEMO_ACCOUNTS:
        place, street = where(spec)
        scope = {"street_admin": street, "community_admin": place}.get(role)
        users[phone] = store.create_user(
            phone=phone,
            password=DEMO_PASSWORD,
            name=name,
            role=role,
            scope=scope,
            work_unit="东城区某机关（示例）" if role == "member" else "",
            party_org="某机关第一党支部（示例）" if role == "member" else "",
            home_cid=place if role in ("member", "volunteer") else None,
            skills=["lawyer", "mediator"] if role == "member" else ["patrol", "elder_care"],
            availability=["weekend", "weekday_evening"],
            consent_version=CONSENT if role in ("member", "volunteer") else None,
            demo=True,
        )
    admin = users["13900000003"]["uid"]
    district = users["13900000001"]["uid"]
    first = by_street["dongsi"][0]["id"]
    store.confirm_report_in(
        first, store.submit_report_in(users["13900000004"]["uid"], first)["id"], admin
    )

    # More members across the district, some waiting for confirmation.
    skills = [s["id"] for s in tax["skills"]]
    communities = [c for rows in by_street.values() for c in rows]
    for n in range(24):
        community = communities[(n * 7) % len(communities)]
        member = store.create_user(
            phone=f"1390000{1000 + n:04d}",
            password=DEMO_PASSWORD,
            name=f"示例党员{n + 1:02d}",
            role="member",
            work_unit="示例单位",
            party_org="示例党支部",
            home_cid=community["id"],
            skills=rng.sample(skills, 2),
            availability=rng.sample(["weekday_day", "weekday_evening", "weekend"], 2),
            consent_version=CONSENT,
            demo=True,
        )
        report = store.submit_report_in(member["uid"], community["id"])
        if n % 3:
            store.confirm_report_in(community["id"], report["id"], district)

    posts = 0
    categories = list(POST_TEMPLATES)
    for i, community in enumerate(communities):
        for j in range(2):
            category = categories[(i + j * 3) % len(categories)]
            title, place = POST_TEMPLATES[category]
            shifts = []
            for week in range(3):
                day = (at + timedelta(days=2 + week * 7 + (i + j) % 5)).date()
                start = "09:00" if (i + j) % 2 else "14:00"
                end = "11:00" if start == "09:00" else "16:30"
                shifts.append(
                    {
                        "date": day.isoformat(),
                        "start": start,
                        "end": end,
                        "capacity": 2 + (i + j) % 4,
                    }
                )
            store.create_post(
                community["id"],
                district,
                title=f"{title}（示例）",
                category=category,
                description=f"{tax['category_by_id'][category]['summary']}本岗位为演示数据。",
                place=place,
                kind="shifts",
                shifts=shifts,
                skills=[{"skill": tax["category_by_id"][category]["skills"][0], "count": 1}],
            )
            posts += 1

    # Shifts that already started, so attendance, hours and certificates can be tried today.
    helpers = [users["13900000004"]["uid"], users["13900000005"]["uid"]]
    neighbour = store.find_user_by_phone("13900001000")  # 示例党员01 (any member may sign up)
    assert neighbour is not None
    helpers.append(neighbour["uid"])
    _served_shifts(first, admin, helpers, at)
    posts += 1
    _grids(first, users, by_street["dongsi"], at)
    liaisons = _whistles(users["13900000002"], at)
    hotline = demo_hotline.seed_orders(users, at)  # after the grids, lanes and whistles
    council = demo_council.seed_matters(first, users, at)  # 议事厅 matters, after the grids
    return {
        "communities": len(communities),
        "accounts": len(users) + 24 + liaisons,
        "posts": posts,
        "hotline_orders": hotline["orders"],
        "council_matters": council,
    }


def _grids(cid: str, users: dict, dongsi: list, at: datetime) -> None:
    """Grids and buildings of the first community, 王建国 placed in one, a grid need,
    and one volunteer in each appointed role (网格员, 小巷管家, 社区专员)."""
    admin = users["13900000003"]["uid"]
    street_admin = users["13900000002"]["uid"]
    first_grid = first_building = None
    for number, name, secretary, buildings in DEMO_GRIDS:
        grid = store.add_grid(cid, number, name, secretary, admin, at=at)
        first_grid = first_grid or grid
        for kind, bname, households, leader in buildings:
            building = store.add_building(cid, grid["id"], kind, bname, households, leader, admin)
            first_building = first_building or building
    assert first_grid is not None and first_building is not None
    member = users["13900000004"]["uid"]
    active = store.current_report_state(member)["active"]
    store.place_member(cid, active["id"], None, first_building["id"], admin, at=at)
    store.create_need(
        cid,
        category=next(iter(kbdata.need_category_choices()))[0],
        description="1号楼楼道声控灯坏了，晚上上下楼看不见（示例）",
        raised_by="resident",
        building_id=first_building["id"],
        at=at,
    )
    store.appoint(
        "community", cid, users["13900000006"]["uid"], "grid_worker", [first_grid["id"]], admin
    )
    lanes = [store.add_lane("dongsi", name, street_admin) for name in DEMO_LANES]
    store.appoint(
        "street",
        "dongsi",
        users["13900000007"]["uid"],
        "lane_steward",
        [lane["id"] for lane in lanes[:2]],
        street_admin,
    )
    store.appoint(
        "street",
        "dongsi",
        users["13900000008"]["uid"],
        "community_liaison",
        [c["id"] for c in dongsi[:2]],
        street_admin,
    )
    # A 驻区单位 of the street, its contact (the member 王建国), and a resource it pledged
    # to the street-level list (区域化党建, 示例).
    unit = store.register_unit(
        name="东四示例驻区单位",
        level="street",
        street_id="dongsi",
        phone="13900000004",
        by=street_admin,
        description="示例单位：可提供会议室和法律志愿者",
    )
    store.appoint_unit_contact(unit["id"], member, street_admin)
    store.unit_pledge_resource(
        unit["id"],
        member,
        level="street",
        scope="dongsi",
        name="单位会议室（示例）",
        kind="venue",
        description="周末可借用，容纳 40 人",
        availability="周末",
    )


def _served_shifts(cid: str, admin: str, uids: list[str], at: datetime) -> None:
    """A post (示例) of the first community with shifts 14 and 7 days ago, yesterday and
    one running now, each with sign-ups: the oldest with hours confirmed, the next with
    attendance marked and hours waiting for confirmation, the last two not marked yet. The
    demo volunteer has asked for a certificate, which waits for the community's approval."""
    today = at.date()
    start = max(at - timedelta(hours=1), datetime.combine(today, time(0, 0)))
    running_start = start.replace(minute=0, second=0)
    running_end = min(running_start + timedelta(hours=3), datetime.combine(today, time(23, 59)))
    days = [today - timedelta(days=14), today - timedelta(days=7), today - timedelta(days=1)]
    shifts = [
        {"date": d.isoformat(), "start": "09:00", "end": "11:00", "capacity": 4} for d in days
    ]
    shifts.append(
        {
            "date": today.isoformat(),
            "start": running_start.strftime("%H:%M"),
            "end": running_end.strftime("%H:%M"),
            "capacity": 4,
        }
    )
    post = store.create_post(
        cid,
        admin,
        title="楼院环境整治（示例，含已开始的班次）",
        category="environment",
        description="清理楼道堆物、整理自行车棚。本岗位为演示数据：前几个班次已经结束或正在进行，"
        "可以试一试登记到岗、确认工时和申请志愿服务记录证明。",
        place="东四示例社区一3号院",
        kind="shifts",
        shifts=shifts,
        at=at - timedelta(days=20),
    )
    rows = store.post_shifts(cid, post["id"])
    for n, shift in enumerate(rows):
        begin = store.shift_start(shift)
        assert begin is not None
        signed = [
            store.sign_up(cid, shift["id"], uid, at=begin - timedelta(days=2)) for uid in uids
        ]
        if n == 0:  # 14 days ago: everyone came, hours confirmed
            for row in signed:
                store.mark_attendance(
                    cid, shift["id"], row["id"], store.PRESENT, admin, at=begin + timedelta(hours=2)
                )
            store.confirm_hours(cid, shift["id"], admin, at=begin + timedelta(hours=3))
        elif n == 1:  # 7 days ago: marked (one absence), hours not confirmed yet
            for row, status in zip(
                signed, (store.PRESENT, store.PRESENT, store.ABSENT), strict=True
            ):
                store.mark_attendance(
                    cid, shift["id"], row["id"], status, admin, at=begin + timedelta(hours=2)
                )
    store.issue_certificate(uids[1], days[0], today, at=at)


def _whistles(street_admin: dict, at: datetime) -> int:
    """The 东四 street's demo whistles and one liaison per department they summon (the
    first whistle already acknowledged by its first department); returns the liaisons made."""
    liaisons: dict[str, dict] = {}
    for n, (item_id, description, place) in enumerate(DEMO_WHISTLES):
        for dept_id in store.get_item(item_id)["department_ids"]:
            if dept_id not in liaisons:
                liaisons[dept_id] = store.create_user(
                    phone=LIAISON_PHONE.format(len(liaisons) + 1),
                    password=DEMO_PASSWORD,
                    name=f"{store.get_department(dept_id)['name']}联络员（示例）",
                    role="dept_liaison",
                    scope=dept_id,
                    demo=True,
                )
        whistle = store.create_whistle(
            "dongsi",
            street_admin,
            item_id=item_id,
            description=description,
            place=place,
            at=at - timedelta(hours=3 - n),
        )
        if n == 0:
            dept_id = next(iter(whistle["departments"]))
            store.acknowledge(
                "dongsi",
                whistle["id"],
                dept_id,
                liaisons[dept_id],
                "已接单，安排执法人员前往（示例）。",
                at=at - timedelta(hours=2),
            )
    return len(liaisons)
