"""议事厅 and 五民工作法 in the store (files and PostgreSQL): residents and their scope, a
proposal from its support to the agenda, merge and decline, comments and their moderation,
meetings with sign-in and minutes, votes (one household one vote, changed until the close,
frozen and recounted), the project with its progress, and the residents' ratings."""

from __future__ import annotations

import contextvars
import re
import threading
from datetime import datetime, timedelta

import pytest

from portal import store
from portal.store.council import votes as vote_module
from portal.store.council.halls import council_key
from tests.conftest import make_user

T0 = datetime(2026, 4, 1, 9, 0, 0)


@pytest.fixture
def c(world):
    """Community A with two grids: 5号楼 and 6号楼 in the first, 7号楼 in the second.
    Residents: four in 5号楼 (two share room 101), one in 6号楼, one in 7号楼, all
    confirmed; a head of 5号楼 who lives elsewhere; a newcomer waiting for confirmation."""
    admin = world.admin_a["uid"]

    class C:
        w = world
        g1 = store.add_grid("ca", 1, "第一网格")
        g2 = store.add_grid("ca", 2, "第二网格")

    C.b5 = store.add_building("ca", C.g1["id"], "楼", "5号楼", 60)
    C.b6 = store.add_building("ca", C.g1["id"], "楼", "6号楼", 40)
    C.b7 = store.add_building("ca", C.g2["id"], "楼", "7号楼", 30)
    homes = [
        ("13900000001", C.b5, "101"),
        ("13900000002", C.b5, "101"),
        ("13900000003", C.b5, "102"),
        ("13900000004", C.b5, "103"),
        ("13900000005", C.b6, "201"),
        ("13900000006", C.b7, "301"),
    ]
    C.people = []
    for phone, building, room in homes:
        user = make_user(phone, "volunteer", home_cid="ca", name=f"居民{phone[-2:]}号")
        store.register_home("ca", user["uid"], building["id"], room)
        store.confirm_resident("ca", user["uid"], admin)
        C.people.append(user)
    C.head = make_user("13900000010", "volunteer", home_cid="ca", name="楼长老张")
    store.appoint("community", "ca", C.head["uid"], "building_head", [C.b5["id"]], admin)
    C.newcomer = make_user("13900000011", "member", home_cid="ca")
    store.register_home("ca", C.newcomer["uid"], C.b5["id"], "104")
    C.hall5 = f"b-{C.b5['id']}"
    return C


def _proposal(c, hall=None, who=0, **extra):
    fields = {"title": "楼道加装扶手", "description": "老人上下楼不方便"} | extra
    return store.propose("ca", hall or c.hall5, c.people[who]["uid"], at=T0, **fields)


def _on_agenda(c):
    p = _proposal(c)
    for person in c.people[1:4]:
        p = store.support_proposal("ca", p["id"], person["uid"], at=T0)
    assert p["status"] == "议事中"
    return p


def test_halls_of_the_three_levels_and_their_names(c):
    halls = store.council_halls("ca")
    assert [h["level"] for h in halls] == [
        "community",
        "grid",
        "building",
        "building",
        "grid",
        "building",
    ]
    assert store.council_hall("ca", c.hall5)["name"] == "5号楼小院议事厅"
    assert store.council_hall("ca", f"g-{c.g1['id']}")["name"] == "第一网格网格议事厅"
    assert store.council_hall("ca", "community")["name"].endswith("社区议事厅")
    for bad in ("b-nothing", "g-", "x-1", "community2"):
        with pytest.raises(store.NotFound):
            store.council_hall("ca", bad)


def test_a_home_is_confirmed_before_it_counts_and_a_room_is_checked(c):
    hall = store.council_hall("ca", c.hall5)
    assert store.council_in_scope("ca", hall, c.newcomer["uid"]) is None
    with pytest.raises(store.StoreError, match="房间号"):
        store.register_home("ca", c.newcomer["uid"], c.b5["id"], "1 0 1")
    with pytest.raises(store.StoreError, match="楼门院"):
        store.register_home("ca", c.newcomer["uid"], "nope", "101")
    store.confirm_resident("ca", c.newcomer["uid"], c.head["uid"])
    assert store.council_in_scope("ca", hall, c.newcomer["uid"])["room"] == "104"
    # Moving to another room waits for confirmation again.
    store.register_home("ca", c.newcomer["uid"], c.b6["id"], "202")
    assert store.council_resident("ca", c.newcomer["uid"])["status"] == "待确认"
    assert store.may_confirm_resident("ca", c.people[0]["uid"], c.head["uid"], False)
    assert not store.may_confirm_resident("ca", c.people[4]["uid"], c.head["uid"], False)


def test_who_may_propose_where(c):
    p = _proposal(c)
    assert p["status"] == "征集中" and p["by_role"] == "resident" and p["level"] == "building"
    # The resident of 7号楼 is outside 5号楼's and the first grid's hall, inside the community's.
    with pytest.raises(store.StoreError, match="范围"):
        _proposal(c, who=5)
    with pytest.raises(store.StoreError, match="范围"):
        _proposal(c, hall=f"g-{c.g1['id']}", who=5)
    assert _proposal(c, hall="community", who=5)["level"] == "community"
    # The 楼门院长 proposes for a resident of the building, naming them.
    with pytest.raises(store.StoreError, match="称呼"):
        store.propose("ca", c.hall5, c.head["uid"], title="t", description="d")
    for_her = store.propose(
        "ca", c.hall5, c.head["uid"], title="修车棚", description="车棚漏雨", on_behalf="王奶奶"
    )
    assert for_her["by_role"] == "building_head" and for_her["on_behalf"] == "王奶奶"
    with pytest.raises(store.StoreError, match="楼门院长"):
        store.propose(
            "ca", f"b-{c.b7['id']}", c.head["uid"], title="t", description="d", on_behalf="李"
        )
    with pytest.raises(store.StoreError, match="标题"):
        _proposal(c, title="")


def test_support_reaches_the_threshold_once_per_person(c):
    p = _proposal(c)
    with pytest.raises(store.StoreError, match="不需要"):
        store.support_proposal("ca", p["id"], c.people[0]["uid"])
    with pytest.raises(store.StoreError, match="范围"):
        store.support_proposal("ca", p["id"], c.people[4]["uid"])
    with pytest.raises(store.StoreError, match="范围"):
        store.support_proposal("ca", p["id"], c.newcomer["uid"])  # not confirmed yet
    store.support_proposal("ca", p["id"], c.people[1]["uid"])
    with pytest.raises(store.StoreError, match="已经附议"):
        store.support_proposal("ca", p["id"], c.people[1]["uid"])
    p = store.support_proposal("ca", p["id"], c.people[2]["uid"])
    assert p["status"] == "征集中" and store.support_threshold("building") == 3
    p = store.support_proposal("ca", p["id"], c.people[3]["uid"])
    assert p["status"] == "议事中" and p["agenda_at"]
    assert store.get_proposal("ca", p["id"])["supporters"] == [u["uid"] for u in c.people[1:4]]


def test_merge_carries_supporters_and_decline_needs_a_reason(c):
    first = _proposal(c)
    store.support_proposal("ca", first["id"], c.people[1]["uid"])
    twin = _proposal(c, who=2, title="楼梯扶手")
    store.support_proposal("ca", twin["id"], c.people[3]["uid"])
    merged = store.merge_proposal("ca", twin["id"], first["id"], c.w.admin_a["uid"])
    assert merged["status"] == "已合并" and merged["merged_into"] == first["id"]
    target = store.get_proposal("ca", first["id"])
    # people[1] already, people[3] carried, people[2] (twin's proposer) carried: agenda.
    assert sorted(target["supporters"]) == sorted(u["uid"] for u in c.people[1:4])
    assert target["status"] == "议事中" and target["merged_from"] == [twin["id"]]
    with pytest.raises(store.StoreError):
        store.support_proposal("ca", twin["id"], c.people[1]["uid"])
    other = _proposal(c, hall="community", who=5)
    with pytest.raises(store.StoreError, match="同一议事厅"):
        store.merge_proposal("ca", other["id"], first["id"], c.w.admin_a["uid"])
    with pytest.raises(store.StoreError, match="理由"):
        store.decline_proposal("ca", other["id"], " ", c.w.admin_a["uid"])
    declined = store.decline_proposal("ca", other["id"], "属于物业职责", c.w.admin_a["uid"])
    assert declined["status"] == "未采纳" and declined["decline_reason"] == "属于物业职责"
    assert store.proposal_stage(declined) is None


def test_comments_in_scope_and_hidden_with_a_reason(c):
    p = _proposal(c)
    with pytest.raises(store.StoreError, match="范围"):
        store.comment_proposal("ca", p["id"], c.people[5]["uid"], "我也同意")
    with pytest.raises(store.StoreError, match="留言"):
        store.comment_proposal("ca", p["id"], c.people[1]["uid"], "  ")
    kept = store.comment_proposal("ca", p["id"], c.people[1]["uid"], "同意，扶手要结实")
    rude = store.comment_proposal("ca", p["id"], c.people[2]["uid"], "广告内容")
    with pytest.raises(store.StoreError, match="理由"):
        store.hide_comment("ca", rude["id"], "", c.w.admin_a["uid"])
    hidden = store.hide_comment("ca", rude["id"], "与议题无关的广告", c.w.admin_a["uid"])
    assert hidden["hidden_reason"] == "与议题无关的广告"
    assert [x["id"] for x in store.comments_of("ca", p["id"])] == [kept["id"]]
    assert len(store.comments_of("ca", p["id"], hidden=True)) == 2
    with pytest.raises(store.StoreError, match="已经隐藏"):
        store.hide_comment("ca", rude["id"], "再次隐藏", c.w.admin_a["uid"])


def test_a_meeting_with_sign_in_and_minutes(c):
    collecting = _proposal(c, title="收集中")
    p = _on_agenda(c)
    kwargs = {"starts_at": T0 + timedelta(days=2), "place": "5号楼前小院", "by": "x"}
    with pytest.raises(store.StoreError, match="议程"):
        store.schedule_meeting("ca", c.hall5, proposal_ids=[collecting["id"]], roles=[], **kwargs)
    meeting = store.schedule_meeting(
        "ca",
        c.hall5,
        proposal_ids=[p["id"]],
        roles=["building_head", "property", "bogus"],
        **kwargs,
    )
    assert meeting["roles"] == ["building_head", "property"]
    assert len(meeting["code"]) == 6 and len(meeting["token"]) == 24
    start = T0 + timedelta(days=2)
    uid = c.people[1]["uid"]
    with pytest.raises(store.StoreError, match="签到码"):
        store.meeting_sign_in("ca", meeting["id"], uid, "000000x", at=start)
    with pytest.raises(store.StoreError, match="签到时间"):
        store.meeting_sign_in(
            "ca", meeting["id"], uid, meeting["code"], at=start - timedelta(hours=3)
        )
    _m, first = store.meeting_sign_in("ca", meeting["id"], uid, meeting["token"], at=start)
    again, second = store.meeting_sign_in("ca", meeting["id"], uid, meeting["code"], at=start)
    assert first and not second and [s["uid"] for s in again["signins"]] == [uid]
    assert store.find_meeting_by_code("ca", meeting["code"])["id"] == meeting["id"]
    with pytest.raises(store.StoreError, match="议程"):
        store.record_minutes("ca", meeting["id"], collecting["id"], "说了", "", "x")
    done = store.record_minutes("ca", meeting["id"], p["id"], "大家同意安装", "提交表决", "x")
    assert done["minutes"][p["id"]]["decision"] == "提交表决"
    assert store.meetings_of_proposal("ca", p["id"])[0]["id"] == meeting["id"]


def test_one_household_one_vote_changed_until_the_close_then_frozen(c):
    p = _on_agenda(c)
    admin = c.w.admin_a["uid"]
    with pytest.raises(store.StoreError, match="议程"):
        store.open_vote("ca", _proposal(c)["id"], admin, 3, at=T0)
    with pytest.raises(store.StoreError, match="天数"):
        store.open_vote("ca", p["id"], admin, 99, at=T0)
    vote = store.open_vote("ca", p["id"], admin, 3, at=T0)
    # 5号楼: rooms 101 (two people), 102, 103 are confirmed households.
    assert vote["mode"] == "household" and vote["electorate"] == 3
    assert store.get_proposal("ca", p["id"])["status"] == "表决中"
    t = T0 + timedelta(hours=1)
    a, b, d = (c.people[i]["uid"] for i in (0, 1, 2))
    assert store.cast_vote("ca", vote["id"], a, "no", at=t) is False
    assert store.cast_vote("ca", vote["id"], b, "yes", at=t) is True  # same room: changed
    assert store.my_vote_choice("ca", vote["id"], a) == "yes"
    assert store.cast_vote("ca", vote["id"], d, "yes", at=t) is False
    with pytest.raises(store.StoreError, match="范围"):
        store.cast_vote("ca", vote["id"], c.people[4]["uid"], "yes", at=t)
    with pytest.raises(store.StoreError, match="赞成"):
        store.cast_vote("ca", vote["id"], d, "maybe", at=t)
    with pytest.raises(store.StoreError, match="才结束"):
        store.close_vote("ca", vote["id"], admin, at=t)
    end = T0 + timedelta(days=3)
    with pytest.raises(store.StoreError, match="已经结束"):
        store.cast_vote("ca", vote["id"], d, "no", at=end)
    closed = store.close_vote("ca", vote["id"], admin, at=end)
    tally = closed["tally"]
    assert (tally["yes"], tally["no"], tally["cast"]) == (2, 0, 2)
    assert tally["turnout_percent"] == 66.7 and tally["quorum_met"] and tally["passed"]
    assert store.get_proposal("ca", p["id"])["status"] == "已通过"
    with pytest.raises(store.StoreError, match="已经计票"):
        store.close_vote("ca", vote["id"], admin, at=end)
    # After the close the window check alone is not what stops a late ballot: the freeze is.
    with pytest.raises(store.StoreError, match="已经结束"):
        store.cast_vote("ca", vote["id"], d, "no", at=t)
    recount = store.recount_vote("ca", vote["id"])
    assert recount["matches"] and recount["digest"] == tally["digest"]
    ballots = vote_module.stored_ballots("ca", vote["id"])
    assert len(ballots) == 2
    # Voters are named by a digest only: no uid anywhere, and the room (101) in no field
    # but the digest's hex (where three such digits turn up by chance now and then).
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["voter"]) for r in ballots)
    raw = str(ballots)
    assert a not in raw and b not in raw
    assert all("101" not in str(v) for r in ballots for k, v in r.items() if k != "voter")


def test_a_recount_notices_a_ballot_changed_behind_the_store(c):
    p = _on_agenda(c)
    admin = c.w.admin_a["uid"]
    vote = store.open_vote("ca", p["id"], admin, 1, at=T0)
    for person in c.people[:4]:
        store.cast_vote("ca", vote["id"], person["uid"], "yes", at=T0)
    store.close_vote("ca", vote["id"], admin, at=T0 + timedelta(days=1))
    [ballot] = vote_module.stored_ballots("ca", vote["id"])[:1]
    key = vote_module.ballots_key("ca", vote["id"], ballot["voter"][0])
    with store.current_backend().transaction(key) as (db,):
        db.table("ballots").update({"choice": "no"}, doc_ids=[1])
    assert not store.recount_vote("ca", vote["id"])["matches"]


def test_one_resident_one_vote_when_the_hall_says_so_and_a_quorum_can_fail(c):
    store.set_council_vote_mode("ca", c.hall5, "person", c.w.admin_a["uid"])
    p = _on_agenda(c)
    vote = store.open_vote("ca", p["id"], "x", 2, at=T0)
    assert vote["mode"] == "person" and vote["electorate"] == 4
    store.cast_vote("ca", vote["id"], c.people[0]["uid"], "yes", at=T0)
    assert store.cast_vote("ca", vote["id"], c.people[1]["uid"], "yes", at=T0) is False
    closed = store.close_vote("ca", vote["id"], "x", at=T0 + timedelta(days=2))
    assert closed["tally"]["cast"] == 2 and closed["tally"]["turnout_percent"] == 50.0
    assert closed["tally"]["quorum_met"] and closed["tally"]["passed"]
    other = _on_agenda(c)
    vote = store.open_vote("ca", other["id"], "x", 2, at=T0)
    store.cast_vote("ca", vote["id"], c.people[0]["uid"], "yes", at=T0)
    closed = store.close_vote("ca", vote["id"], "x", at=T0 + timedelta(days=2))
    assert not closed["tally"]["quorum_met"] and not closed["tally"]["passed"]
    assert store.get_proposal("ca", other["id"])["status"] == "未通过"


def test_ballots_cast_at_once_by_threads_count_each_household_once(c):
    p = _on_agenda(c)
    vote = store.open_vote("ca", p["id"], "x", 1, at=T0)
    errors = []

    def cast(person, choice):
        try:
            for _ in range(5):
                store.cast_vote("ca", vote["id"], person["uid"], choice, at=T0)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(cast, person, choice))
        for person, choice in zip(c.people[:4], ("yes", "yes", "no", "abstain"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    tally = store.close_vote("ca", vote["id"], "x", at=T0 + timedelta(days=1))["tally"]
    assert tally["cast"] == 3 and tally["yes"] == 1 and tally["no"] + tally["abstain"] == 2


def _passed(c):
    p = _on_agenda(c)
    vote = store.open_vote("ca", p["id"], "x", 1, at=T0)
    for person in c.people[:4]:
        store.cast_vote("ca", vote["id"], person["uid"], "yes", at=T0)
    store.close_vote("ca", vote["id"], "x", at=T0 + timedelta(days=1))
    return p


def test_a_passed_proposal_becomes_a_project_reports_progress_and_is_rated(c):
    p = _passed(c)
    admin = c.w.admin_a["uid"]
    with pytest.raises(store.StoreError, match="表决通过"):
        store.start_council_project("ca", _on_agenda(c)["id"], admin)
    project = store.start_council_project("ca", p["id"], admin, at=T0 + timedelta(days=2))
    listed = store.get_project("ca", project["id"])
    assert listed["status"] == "进行中" and listed["proposal_id"] == p["id"]
    assert store.get_proposal("ca", p["id"])["project_id"] == project["id"]
    post, _shift = c.w.post(title="扶手安装志愿者")
    assert store.council_project_posts("ca", store.get_proposal("ca", p["id"])) == []
    store.link_post("ca", project["id"], post["id"])
    linked = store.council_project_posts("ca", store.get_proposal("ca", p["id"]))
    assert [row["id"] for row in linked] == [post["id"]]
    unit = store.register_unit(
        name="某驻区单位", level="street", street_id="dongsi", phone="13600000009", by="x"
    )
    store.appoint_unit_contact(unit["id"], c.people[3]["uid"], "x")
    store.unit_join_project(unit["id"], "ca", project["id"], "x")
    with pytest.raises(store.StoreError, match="完成后"):
        store.rate_project("ca", p["id"], c.people[0]["uid"], 5)
    store.add_project_progress("ca", p["id"], 40, "采购扶手", admin, at=T0 + timedelta(days=3))
    with pytest.raises(store.StoreError, match="100"):
        store.add_project_progress("ca", p["id"], 90, "装好了", admin, done=True)
    with pytest.raises(store.StoreError, match="0 到 100"):
        store.add_project_progress("ca", p["id"], 140, "超了", admin)
    done_at = T0 + timedelta(days=5)
    store.add_project_progress("ca", p["id"], 100, "安装完成", admin, done=True, at=done_at)
    assert [s["percent"] for s in store.progress_of("ca", p["id"])] == [0, 40, 100]
    assert store.get_project("ca", project["id"])["status"] == "已完成"
    later = done_at + timedelta(days=1)
    store.rate_project("ca", p["id"], c.people[0]["uid"], 5, "很结实", at=later)
    store.rate_project("ca", p["id"], c.people[1]["uid"], "4", at=later)
    with pytest.raises(store.StoreError, match="已经评价"):
        store.rate_project("ca", p["id"], c.people[1]["uid"], 3, at=later)
    with pytest.raises(store.StoreError, match="驻区单位"):
        store.rate_project("ca", p["id"], c.people[3]["uid"], 5, at=later)
    with pytest.raises(store.StoreError, match="范围"):
        store.rate_project("ca", p["id"], c.people[5]["uid"], 5, at=later)
    with pytest.raises(store.StoreError, match="1 到 5"):
        store.rate_project("ca", p["id"], c.people[2]["uid"], 6, at=later)
    with pytest.raises(store.StoreError, match="已过"):
        store.rate_project("ca", p["id"], c.people[2]["uid"], 3, at=done_at + timedelta(days=30))
    summary = store.rating_summary("ca", p["id"])
    assert summary["count"] == 2 and summary["average"] == 4.5
    assert summary["comments"] == [(5, "很结实")]


def test_the_board_lists_matters_by_stage_with_masked_names_and_figures(c):
    _proposal(c, title="收集中的提议")
    p = _passed(c)
    board = store.hall_board("ca", c.hall5)
    assert board["counts"] == {"propose": 1, "discuss": 0, "decide": 1, "do": 0, "judge": 0}
    decided = board["stages"][2]["matters"][0]
    assert decided["id"] == p["id"] and decided["turnout"] == 100.0
    assert decided["tally"] == {"yes": 3, "no": 0, "abstain": 0, "cast": 3}
    assert decided["proposer"] == "居***号" and "居民01号" not in str(board)
    assert board["votes"] == 1 and board["passed"] == 1
    assert store.council_figures("ca")["proposals"] == 2
    assert store.council_hall_counts("ca") == {c.hall5: 2}


def test_the_shared_renderings_are_kept_until_what_they_show_changes(c):
    """The hall's board and the community's list of halls are rendered once per version
    of what they show: a proposal (the council document) renders both again, a new
    building (the grid structure) the list of halls, a vote's ballot neither."""
    calls = {"board": 0, "halls": 0}

    def board(board, meetings):
        calls["board"] += 1
        return f"{board['counts']}|{len(meetings)}"

    def halls():
        calls["halls"] += 1
        rows = store.council_halls("ca")
        return f"{len(rows)}|{store.council_hall_counts('ca')}"

    def seen():
        return (
            store.council_board_fragment("ca", c.hall5, board),
            store.council_halls_fragment("ca", halls),
        )

    first = seen()
    assert seen() == first and calls == {"board": 1, "halls": 1}
    p = _on_agenda(c)
    after = seen()
    assert calls == {"board": 2, "halls": 2}
    assert after[0].startswith("{'propose': 0, 'discuss': 1") and after[1].endswith(
        f"{{'{c.hall5}': 1}}"
    )
    store.add_building("ca", c.g2["id"], "楼", "9号楼", 20)
    grown = seen()
    assert calls == {"board": 2, "halls": 3} and grown[1].split("|")[0] == str(
        int(after[1].split("|")[0]) + 1
    )
    vote = store.open_vote("ca", p["id"], c.w.admin_a["uid"], at=T0)
    assert seen()[0].startswith("{'propose': 0, 'discuss': 0, 'decide': 1")
    assert calls == {"board": 3, "halls": 4}
    store.cast_vote("ca", vote["id"], c.people[0]["uid"], "yes", at=T0 + timedelta(hours=1))
    seen()
    assert calls == {"board": 3, "halls": 4}  # a ballot changes neither page


def test_a_vote_is_not_closed_early_even_when_every_household_has_voted(c):
    """The rule printed on the page: a ballot may be changed until the announced close,
    so the window is never cut short, not even once every household has voted."""
    p = _on_agenda(c)
    vote = store.open_vote("ca", p["id"], c.w.admin_a["uid"], 3, at=T0)
    for person in c.people[:4]:  # rooms 101, 101, 102, 103: all three households
        store.cast_vote("ca", vote["id"], person["uid"], "yes", at=T0)
    assert len(vote_module.stored_ballots("ca", vote["id"])) == vote["electorate"] == 3
    with pytest.raises(store.StoreError, match="不能提前结束"):
        store.close_vote("ca", vote["id"], "x", at=T0 + timedelta(days=2))
    assert store.get_vote("ca", vote["id"])["status"] == "投票中"
    assert store.cast_vote("ca", vote["id"], c.people[2]["uid"], "no", at=T0 + timedelta(days=2))
    assert store.close_due_votes("x", at=T0 + timedelta(days=2)) == []
    [(_cid, closed)] = store.close_due_votes("x", at=T0 + timedelta(days=3))
    assert (closed["tally"]["yes"], closed["tally"]["no"]) == (2, 1)


def test_steps_saved_in_the_same_second_keep_the_order_they_were_saved(c):
    """Eight steps of one second come back in the order saved (by id alone: 1 in 40,320);
    a step stored before the sequence number existed is still read, by time then id."""
    p = _passed(c)
    admin = c.w.admin_a["uid"]
    same = T0 + timedelta(days=2)
    store.start_council_project("ca", p["id"], admin, at=same)
    for k in range(1, 8):
        store.add_project_progress("ca", p["id"], k * 10, f"第{k}步", admin, at=same)
    steps = store.progress_of("ca", p["id"])
    assert [s["percent"] for s in steps] == [0, 10, 20, 30, 40, 50, 60, 70]
    assert [s["seq"] for s in steps] == sorted({s["seq"] for s in steps})
    backend = store.current_backend()
    with backend.transaction(council_key("ca")) as (db,):
        db.table("progress").insert(
            {
                "id": "0" * 12,
                "proposal_id": p["id"],
                "percent": 5,
                "text": "旧数据",
                "at": "2026-04-02 08:00:00",
                "by": admin,
            }
        )
    steps = store.progress_of("ca", p["id"])
    assert steps[0]["text"] == "旧数据" and [s["percent"] for s in steps[1:]][:2] == [0, 10]
    assert store.hall_board("ca", c.hall5)["stages"][3]["matters"][0]["percent"] == 70
