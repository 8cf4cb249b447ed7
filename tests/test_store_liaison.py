"""社区专员 in the store: which communities a person guides, overdue needs, the home's
figures per community, and the scope of requests and whistles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import store
from tests.conftest import make_user


def _category():
    from kb import data as kbdata

    return kbdata.taxonomy()["categories"][0]["id"]


def _liaison(world, targets=("ca",), phone="13800000013"):
    person = make_user(phone, "volunteer", home_cid="ca")
    row = store.appoint(
        "street", "dongsi", person["uid"], "community_liaison", list(targets), world.street["uid"]
    )
    return person, row


def _need(cid="ca", urgency="normal", at=None, **extra):
    return store.create_need(
        cid,
        category=_category(),
        description="楼道灯坏了",
        raised_by="resident",
        urgency=urgency,
        phone="13712345678",
        at=at,
        **extra,
    )


def test_communities_of_a_liaison_and_only_while_appointed(world):
    person, row = _liaison(world, ("ca", "cb"))
    assert [c["id"] for c in store.liaison_communities(person["uid"])] == ["ca", "cb"]
    assert store.guides_community(person["uid"], "dongsi", "ca")
    assert not store.guides_community(person["uid"], "jingshan", "ca")
    assert not store.guides_community(person["uid"], "dongsi", "cc")
    # Nobody else guides anything: a member, an admin, a 小巷管家.
    assert store.liaison_communities(world.member["uid"]) == []
    assert store.liaison_communities(world.street["uid"]) == []
    store.change_appointment("street", "dongsi", row["id"], ["cb"], world.street["uid"])
    assert [c["id"] for c in store.liaison_communities(person["uid"])] == ["cb"]
    store.revoke_appointment("street", "dongsi", row["id"], world.street["uid"])
    assert store.liaison_communities(person["uid"]) == []
    assert not store.guides_community(person["uid"], "dongsi", "cb")


def test_overdue_needs_by_urgency(world):
    now = store.now()
    critical = _need(urgency="critical", at=now - timedelta(days=2))
    urgent = _need(urgency="urgent", at=now - timedelta(days=2))  # 3 days: not yet
    old = _need(at=now - timedelta(days=8))
    fresh = _need(at=now - timedelta(days=6))
    started = _need(at=now - timedelta(days=9))
    store.start_need("ca", started["id"], world.admin_a["uid"], "在办")
    done = _need(urgency="critical", at=now - timedelta(days=30))
    store.start_need("ca", done["id"], world.admin_a["uid"])
    store.close_need("ca", done["id"], world.admin_a["uid"], "已修好")
    _need("cb", urgency="critical", at=now - timedelta(days=5))  # another community's

    rows = store.overdue_needs("ca", now)
    assert [n["id"] for n in rows] == [started["id"], old["id"], critical["id"]]  # oldest first
    assert rows[-1]["due_at"] == (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    ids = {n["id"] for n in rows}
    assert urgent["id"] not in ids and fresh["id"] not in ids and done["id"] not in ids
    # Due exactly now is not overdue yet; a second later it is.
    assert fresh["id"] not in {n["id"] for n in store.overdue_needs("ca", now + timedelta(days=1))}
    later = now + timedelta(days=1, seconds=1)
    assert fresh["id"] in {n["id"] for n in store.overdue_needs("ca", later)}


def test_community_overview_counts(world):
    person, _row = _liaison(world, ("ca",))
    # A second member's report-in waits for the community.
    other = make_user("13800000021", "member", home_cid="ca")
    store.submit_report_in(other["uid"], "ca")
    # The member is reported in to A and placed in a grid; the other member is not yet.
    active = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", active["id"], world.admin_a["uid"])
    grid = store.add_grid("ca", 1, "第一网格")
    need = _need(urgency="critical", at=store.now() - timedelta(days=3))
    # Whistles: one from A's need raised long ago (late), one from B.
    old = store.now() - timedelta(days=10)
    late = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="胡同口",
        need_refs=[("ca", need["id"])],
        at=old,
    )
    need_b = _need("cb")
    store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="乙社区",
        need_refs=[("cb", need_b["id"])],
    )
    request = store.request_whistle("ca", need["id"], world.admin_a, "请街道协调")

    o = store.liaison_community_overview("ca")
    assert o["community"]["id"] == "ca"
    assert [r["uid"] for r in o["pending_report_ins"]] == [other["uid"]]
    assert [n["id"] for n in o["overdue_needs"]] == [need["id"]]
    assert [w["id"] for w in o["open_whistles"]] == [late["id"]]
    assert [w["id"] for w in o["overdue_whistles"]] == [late["id"]]
    assert o["late_steps"][late["id"]]
    assert [r["id"] for r in o["pending_requests"]] == [request["id"]]
    assert o["coverage"]["members"] == 1 and o["coverage"]["placed"] == 0
    assert [r["uid"] for r in o["coverage"]["unplaced"]] == [world.member["uid"]]

    store.place_member("ca", active["id"], grid["id"], None, world.admin_a["uid"])
    o = store.liaison_community_overview("ca")
    assert o["coverage"]["placed"] == 1 and o["coverage"]["unplaced"] == []
    assert [r["community"]["id"] for r in store.liaison_overview(person["uid"])] == ["ca"]


def test_requests_and_whistles_only_of_guided_communities(world):
    person, _row = _liaison(world, ("ca",))
    need_a, need_b = _need("ca"), _need("cb")
    mine = store.request_whistle("ca", need_a["id"], world.admin_a, "甲社区提请")
    theirs = store.request_whistle("cb", need_b["id"], world.admin_b, "乙社区提请")
    assert store.liaison_request(person["uid"], "dongsi", mine["id"])["id"] == mine["id"]
    with pytest.raises(store.NotFound):
        store.liaison_request(person["uid"], "dongsi", theirs["id"])
    assert [r["id"] for r in store.liaison_requests(person["uid"])] == [mine["id"]]

    w_b = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="乙社区",
        need_refs=[("cb", need_b["id"])],
        request_id=theirs["id"],
    )
    with pytest.raises(store.NotFound):
        store.liaison_whistle(person["uid"], "dongsi", w_b["id"])
    w_a = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="甲社区",
        need_refs=[("ca", need_a["id"])],
        request_id=mine["id"],
    )
    assert store.liaison_whistle(person["uid"], "dongsi", w_a["id"])["id"] == w_a["id"]
    # Decided requests stay listed, after the waiting ones.
    later = store.request_whistle("ca", _need("ca")["id"], world.admin_a, "再提请")
    assert [r["id"] for r in store.liaison_requests(person["uid"])] == [later["id"], mine["id"]]


def test_the_figures_kept_per_community_follow_every_write_and_the_clock(world):
    """The home's figures are kept per community between calls (``_still``): each kind of
    write they are read from shows on the next call, and lateness moves with ``at``."""
    person, _row = _liaison(world, ("ca",))

    def figures(at=None):
        (o,) = store.liaison_overview(person["uid"], at)
        return {
            "pending": len(o["pending_report_ins"]),
            "overdue": [n["id"] for n in o["overdue_needs"]],
            "open": [w["id"] for w in o["open_whistles"]],
            "late": [w["id"] for w in o["overdue_whistles"]],
            "requests": len(o["pending_requests"]),
            "members": o["coverage"]["members"],
            "grid": o["routing"]["grid"],
        }

    start = figures()
    assert start == {
        "pending": 0,
        "overdue": [],
        "open": [],
        "late": [],
        "requests": 0,
        "members": 0,
        "grid": 0,
    }
    # The community's document: a report-in waiting, then confirmed.
    report = store.submit_report_in(world.member["uid"], "ca")
    assert figures()["pending"] == 1
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    assert figures()["pending"] == 0 and figures()["members"] == 1
    # A need raised now is not late now, but is once its days have passed (same document).
    need = _need(urgency="critical")
    assert figures()["overdue"] == []
    assert figures(store.now() + timedelta(days=2))["overdue"] == [need["id"]]
    # The street's requests document.
    store.request_whistle("ca", need["id"], world.admin_a, "请街道协调")
    assert figures()["requests"] == 1
    # The street's whistles: one raised in an earlier month (another month's document and
    # the open index), late by now.
    old = _need(urgency="critical", at=store.now() - timedelta(days=40))
    whistle = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="胡同口",
        need_refs=[("ca", old["id"])],
        at=store.now() - timedelta(days=40),
    )
    now = figures()
    assert now["open"] == [whistle["id"]] and now["late"] == [whistle["id"]]
    # A department's step writes only that month's document (not the open index).
    police = make_user("13900000101", "dept_liaison", scope="gongan")

    def late_steps():
        (o,) = store.liaison_overview(person["uid"])
        return {(s["dept"], s["step"]) for s in o["late_steps"][whistle["id"]]}

    assert ("gongan", "acknowledge") in late_steps()
    store.acknowledge("dongsi", whistle["id"], "gongan", police)
    assert ("gongan", "arrive") in late_steps()
    assert ("gongan", "acknowledge") not in late_steps()
    # Closed in the grid this month: the routing figures.
    grid = store.add_grid("ca", 1, "第一网格")
    building = store.add_building("ca", grid["id"], "楼", "5号楼", 40)
    small = _need(building_id=building["id"])
    store.close_need_in_grid("ca", small["id"], world.admin_a["uid"], "网格内已处理")
    assert figures()["grid"] == 1
    # Another community's writes change nothing here.
    _need("cb", urgency="critical", at=store.now() - timedelta(days=5))
    assert figures() == dict(now, grid=1)


def test_the_communities_guided_follow_the_places_order_as_communities_are_added(world):
    person, row = _liaison(world, ("cb", "ca"))
    assert [c["id"] for c in store.liaison_communities(person["uid"])] == ["ca", "cb"]
    # A community added to the street afterwards (the places change) takes its place.
    store.add_community("dongsi", "测试丁社区", cid="cd")
    store.change_appointment("street", "dongsi", row["id"], ["cd", "cb"], world.street["uid"])
    assert [c["id"] for c in store.liaison_communities(person["uid"])] == ["cb", "cd"]
    store.change_appointment("street", "dongsi", row["id"], ["cd", "ca", "cb"], world.street["uid"])
    assert [c["id"] for c in store.liaison_communities(person["uid"])] == ["ca", "cb", "cd"]
