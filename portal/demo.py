"""Demo data (示例): the 17 real streets, invented communities, posts and accounts.

Only ``python run.py seed-demo`` (and ``make run`` on an empty store) calls this;
a real store never gets demo accounts. Every invented name says 示例.
"""

from __future__ import annotations

import random
from datetime import timedelta

from kb import data as kbdata

from . import store
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
]
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
    return {"communities": len(communities), "accounts": len(users) + 24, "posts": posts}
