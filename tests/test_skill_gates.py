"""Posts that need a confirmed skill: the sign-up refusal, 申请确认专长 and its decision,
and 为我推荐 telling confirmed skills from declared ones."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal import store

LAWYER = [{"skill": "lawyer", "count": None, "confirm": True}]


def _gated(world, **extra):
    """A post in community A whose lawyer skill needs the community's confirmation."""
    return world.post(title="法律援助岗", skills=LAWYER, **extra)


def _request_id(world, skill="lawyer"):
    return store.request_skill("ca", world.member["uid"], skill)["id"]


# the store


def test_sign_up_refused_without_the_confirmed_skill(world):
    post, shift = _gated(world)
    assert store.required_skills(post) == ["lawyer"]
    with pytest.raises(store.StoreError, match="需要经社区确认的专长：律师与法律咨询"):
        store.sign_up("ca", shift["id"], world.member["uid"])
    assert store.shift_counts("ca", shift)["confirmed"] == 0


def test_confirmed_skill_lets_the_member_in(world):
    _post, shift = _gated(world)
    store.confirm_skills(world.member["uid"], ["lawyer"])
    assert store.sign_up("ca", shift["id"], world.member["uid"])["status"] == "confirmed"


def test_posts_without_required_skills_are_unchanged(world):
    post, shift = world.post(skills=[{"skill": "lawyer", "count": 2}])
    assert store.required_skills(post) == []
    assert store.sign_up("ca", shift["id"], world.member["uid"])["status"] == "confirmed"


def test_request_then_confirm_adds_the_skill(world):
    _post, shift = _gated(world)
    rid = _request_id(world)
    with pytest.raises(store.StoreError, match="请等待社区审核"):
        _request_id(world)
    assert [r["id"] for r in store.list_skill_requests("ca", store.SKILL_PENDING)] == [rid]
    row = store.decide_skill_request("ca", rid, world.admin_a["uid"], confirm=True)
    assert row["status"] == store.SKILL_CONFIRMED
    assert "lawyer" in store.get_user(world.member["uid"])["skills_confirmed"]
    with pytest.raises(store.StoreError, match="已经确认"):
        _request_id(world)
    with pytest.raises(store.StoreError, match="不能再做这个操作"):
        store.decide_skill_request("ca", rid, world.admin_a["uid"], confirm=True)
    assert store.sign_up("ca", shift["id"], world.member["uid"])["status"] == "confirmed"


def test_decline_needs_a_reason_and_may_be_asked_again(world):
    rid = _request_id(world)
    with pytest.raises(store.StoreError, match="请填写原因"):
        store.decide_skill_request("ca", rid, world.admin_a["uid"], confirm=False)
    row = store.decide_skill_request(
        "ca", rid, world.admin_a["uid"], confirm=False, reason="请带执业证来核验"
    )
    assert (row["status"], row["reason"]) == (store.SKILL_DECLINED, "请带执业证来核验")
    assert "lawyer" not in store.get_user(world.member["uid"])["skills_confirmed"]
    again = store.request_skill("ca", world.member["uid"], "lawyer")
    assert (again["id"], again["status"]) == (rid, store.SKILL_PENDING)
    assert len(store.list_skill_requests("ca")) == 1  # one row per member and skill


def test_request_refused_for_an_undeclared_skill(world):
    with pytest.raises(store.StoreError, match="请先在个人资料中填写专长"):
        store.request_skill("ca", world.member["uid"], "doctor")


def test_recommend_ranks_confirmed_skills_first_and_says_which(world):
    declared, _s = world.post(title="调解岗", skills=[{"skill": "mediator", "count": None}])
    confirmed, _s = world.post(title="律师岗", skills=[{"skill": "lawyer", "count": None}])
    store.confirm_skills(world.member["uid"], ["lawyer"])
    groups, _total = store.recommend_posts(world.member["uid"])
    assert [g["post"]["id"] for g in groups[:2]] == [confirmed["id"], declared["id"]]
    assert "专长已确认：律师与法律咨询" in groups[0]["reasons"]
    assert "专长匹配（未确认）：人民调解" in groups[1]["reasons"]


# the views


def test_post_page_shows_the_requirement_and_the_request_button(client, auth, world):
    post, _shift = _gated(world)
    url = f"/portal/c/ca/posts/{post['id']}"
    html = client.get(url).get_data(as_text=True)
    assert "需确认专长：律师与法律咨询" in html and "申请确认专长" not in html  # anonymous
    auth.login(world.member["phone"])
    html = client.get(url).get_data(as_text=True)
    assert "申请确认专长" in html
    request_url = f"/portal/c/ca/posts/{post['id']}/skills/lawyer/request"
    response = auth.post(request_url, follow=True)
    assert "已向社区申请确认专长" in response.get_data(as_text=True)
    html = client.get(url).get_data(as_text=True)
    assert "已申请，等待社区确认" in html and "申请确认专长</button>" not in html
    # a skill the post does not require cannot be asked for through it
    assert auth.post(f"/portal/c/ca/posts/{post['id']}/skills/doctor/request").status_code == 404


def test_sign_up_view_shows_the_refusal(client, auth, world):
    post, shift = _gated(world)
    auth.login(world.member["phone"])
    response = auth.post(f"/portal/c/ca/shifts/{shift['id']}/signup", follow=True)
    assert "需要经社区确认的专长：律师与法律咨询" in response.get_data(as_text=True)


def test_admin_confirms_a_request_and_the_member_is_told(client, auth, world):
    _gated(world)
    rid = _request_id(world)
    auth.login(world.admin_a["phone"])
    html = client.get("/portal/admin/c/ca/members").get_data(as_text=True)
    assert "待确认的专长申请" in html and world.member["name"] in html
    response = auth.post(f"/portal/admin/c/ca/skill-requests/{rid}/confirm", follow=True)
    assert "已确认专长“律师与法律咨询”" in response.get_data(as_text=True)
    assert "lawyer" in store.get_user(world.member["uid"])["skills_confirmed"]
    notice = store.inbox(world.member["uid"])[0]
    assert notice["kind"] == "skill_confirmed" and "律师与法律咨询" in notice["text"]


def test_admin_declines_with_a_reason(client, auth, world):
    rid = _request_id(world)
    auth.login(world.admin_a["phone"])
    response = auth.post(f"/portal/admin/c/ca/skill-requests/{rid}/decline", follow=True)
    assert "不通过时请填写原因" in response.get_data(as_text=True)
    assert store.get_skill_request("ca", rid)["status"] == store.SKILL_PENDING
    auth.post(f"/portal/admin/c/ca/skill-requests/{rid}/decline", {"reason": "请带证件核验"})
    assert store.get_skill_request("ca", rid)["status"] == store.SKILL_DECLINED
    notice = store.inbox(world.member["uid"])[0]
    assert notice["kind"] == "skill_declined" and "请带证件核验" in notice["text"]
    assert "待确认的专长申请" not in client.get("/portal/admin/c/ca/members").get_data(as_text=True)


def test_other_community_admin_cannot_decide(client, auth, world):
    rid = _request_id(world)
    auth.login(world.admin_b["phone"])
    assert auth.post(f"/portal/admin/c/ca/skill-requests/{rid}/confirm").status_code == 404
    assert store.get_skill_request("ca", rid)["status"] == store.SKILL_PENDING


def test_recommend_page_shows_requirement_and_ranking_text(client, auth, world):
    world.post(title="调解岗", skills=[{"skill": "mediator", "count": None}])
    _gated(world)
    auth.login(world.member["phone"])
    html = client.get("/portal/recommend").get_data(as_text=True)
    cards = re.findall(r'<article class="card recommend-post">(.*?)</article>', html, re.S)
    gated = next(c for c in cards if "法律援助岗" in c)
    assert "需确认专长：律师与法律咨询" in gated and "申请确认专长" in gated
    assert "专长匹配（未确认）" in gated
    store.confirm_skills(world.member["uid"], ["lawyer"])
    html = client.get("/portal/recommend").get_data(as_text=True)
    cards = re.findall(r'<article class="card recommend-post">(.*?)</article>', html, re.S)
    assert "法律援助岗" in cards[0] and "专长已确认：律师与法律咨询" in cards[0]
    assert "申请确认专长" not in cards[0]


def test_post_form_marks_a_skill_as_needing_confirmation(client, auth, world):
    day = (date.today() + timedelta(days=5)).isoformat()
    auth.login(world.admin_a["phone"])
    assert "需经社区确认" in client.get("/portal/admin/c/ca/posts/new").get_data(as_text=True)
    data = {
        "title": "法律援助",
        "category": "legal",
        "description": "咨询",
        "place": "服务站",
        "kind": "shifts",
        "skills-0-skill": "lawyer",
        "skills-0-confirm": "y",
        "skills-1-skill": "mediator",
        "shifts-0-day": day,
        "shifts-0-start": "09:00",
        "shifts-0-end": "11:00",
        "shifts-0-capacity": "3",
    }
    assert auth.post("/portal/admin/c/ca/posts/new", data).status_code == 302
    post = store.list_posts("ca")[0]
    assert post["skills"] == [
        {"skill": "lawyer", "count": None, "confirm": True},
        {"skill": "mediator", "count": None},
    ]
    assert store.required_skills(post) == ["lawyer"]
