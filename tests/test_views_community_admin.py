"""Community admin flows and scopes: queue, confirm/return, skills, posts, roster."""

from datetime import date, timedelta

import pytest

from portal import store


def _pending(world):
    return store.submit_report_in(world.member["uid"], "ca")


def test_queue_confirm_and_audit(client, auth, world):
    report = _pending(world)
    auth.login(world.admin_a["phone"])
    html = client.get("/portal/admin/c/ca/report-ins").get_data(as_text=True)
    assert world.member["name"] in html and world.member["phone"] in html  # admin in scope sees it
    response = auth.post(f"/portal/admin/c/ca/report-ins/{report['id']}/confirm")
    assert response.status_code == 302
    assert store.get_report_in("ca", report["id"])["status"] == "已报到"
    entry = store.list_audit(store.audit_months()[0])[0]
    assert entry["action"] == "确认报到" and entry["actor_uid"] == world.admin_a["uid"]
    assert (entry["before"], entry["after"]) == ("待确认", "已报到")


def test_return_needs_reason(client, auth, world):
    report = _pending(world)
    auth.login(world.admin_a["phone"])
    html = auth.post(
        f"/portal/admin/c/ca/report-ins/{report['id']}/return", {"reason": ""}, follow=True
    ).get_data(as_text=True)
    assert "退回时请填写原因" in html
    assert store.get_report_in("ca", report["id"])["status"] == "待确认"
    auth.post(f"/portal/admin/c/ca/report-ins/{report['id']}/return", {"reason": "地址不符"})
    assert store.get_report_in("ca", report["id"])["reason"] == "地址不符"


@pytest.mark.parametrize("who", ["admin_b", "member", "volunteer"])
def test_other_communities_and_non_admins_get_no_data(client, auth, world, who):
    report = _pending(world)
    post, shift = world.post()
    auth.login(getattr(world, who)["phone"])
    expected = 404 if who == "admin_b" else 403
    for url in (
        "/portal/admin/c/ca/",
        "/portal/admin/c/ca/report-ins",
        "/portal/admin/c/ca/members",
        f"/portal/admin/c/ca/posts/{post['id']}",
        f"/portal/admin/c/ca/shifts/{shift['id']}/roster",
    ):
        response = client.get(url)
        assert response.status_code == expected, url
        assert world.member["phone"] not in response.get_data(as_text=True)
    assert (
        auth.post(f"/portal/admin/c/ca/report-ins/{report['id']}/confirm").status_code == expected
    )
    assert store.get_report_in("ca", report["id"])["status"] == "待确认"


def test_street_and_district_admins_reach_their_communities(client, auth, world):
    auth.login(world.street["phone"])
    assert client.get("/portal/admin/c/ca/").status_code == 200
    assert client.get("/portal/admin/c/cb/").status_code == 200
    assert client.get("/portal/admin/c/cc/").status_code == 404  # another street
    overview = client.get("/portal/admin/").get_data(as_text=True)
    assert "测试甲社区" in overview and "测试丙社区" not in overview
    auth.logout()
    auth.login(world.district["phone"])
    assert client.get("/portal/admin/c/cc/").status_code == 200
    assert "测试丙社区" in client.get("/portal/admin/").get_data(as_text=True)


def test_anonymous_admin_pages_redirect_to_login(client, world):
    response = client.get("/portal/admin/c/ca/report-ins")
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]


def test_confirm_skills_only_declared(client, auth, world):
    store.confirm_report_in("ca", _pending(world)["id"], world.admin_a["uid"])
    auth.login(world.admin_a["phone"])
    url = f"/portal/admin/c/ca/members/{world.member['uid']}/skills"
    html = auth.post(url, {"skills": ["lawyer", "doctor"]}).get_data(as_text=True)
    assert "只能确认成员申报过的专长" in html
    assert store.get_user(world.member["uid"])["skills_confirmed"] == []
    assert auth.post(url, {"skills": ["lawyer"]}).status_code == 302
    assert store.get_user(world.member["uid"])["skills_confirmed"] == ["lawyer"]
    members = client.get("/portal/admin/c/ca/members").get_data(as_text=True)
    assert "已确认" in members
    # a person not reported in to this community is not reachable here
    assert (
        client.get(f"/portal/admin/c/ca/members/{world.volunteer['uid']}/skills").status_code == 404
    )


def _post_form(**overrides):
    day = (date.today() + timedelta(days=5)).isoformat()
    data = {
        "title": "周末义诊",
        "category": "medical",
        "description": "量血压",
        "place": "卫生站",
        "kind": "shifts",
        "skills-0-skill": "doctor",
        "skills-0-count": "2",
        "shifts-0-day": day,
        "shifts-0-start": "09:00",
        "shifts-0-end": "11:00",
        "shifts-0-capacity": "3",
        "shifts-1-day": day,
        "shifts-1-start": "14:00",
        "shifts-1-end": "16:00",
        "shifts-1-capacity": "2",
    }
    data.update(overrides)
    return data


def test_create_post_with_two_shifts_and_roster(client, auth, world):
    auth.login(world.admin_a["phone"])
    response = auth.post("/portal/admin/c/ca/posts/new", _post_form())
    assert response.status_code == 302
    post = store.list_posts("ca")[0]
    shifts = store.post_shifts("ca", post["id"])
    assert [(s["start"], s["capacity"]) for s in shifts] == [("09:00", 3), ("14:00", 2)]
    assert post["skills"] == [{"skill": "doctor", "count": 2}]
    store.sign_up("ca", shifts[0]["id"], world.member["uid"])
    roster = client.get(f"/portal/admin/c/ca/shifts/{shifts[0]['id']}/roster").get_data(
        as_text=True
    )
    assert world.member["name"] in roster


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "请填写岗位名称"),
        ({"category": "nope"}, "请选择岗位分类"),
        ({"shifts-0-end": "08:00"}, "结束时间必须晚于开始时间"),
        ({"shifts-0-capacity": ""}, "没有填完整"),
        ({"shifts-0-day": "2001-01-01"}, "日期已经过去"),
        ({"shifts-0-day": "not-a-date"}, "日期"),
        ({"shifts-0-capacity": "abc"}, ""),
        ({"skills-0-skill": "hacker"}, "无效"),
        ({"kind": "standing", "standing_capacity": ""}, "长期岗位请填写名额"),
    ],
)
def test_create_post_refusals(client, auth, world, overrides, message):
    auth.login(world.admin_a["phone"])
    response = auth.post("/portal/admin/c/ca/posts/new", _post_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert store.list_posts("ca") == []


def test_close_reopen_and_copy(client, auth, world):
    post, _shift = world.post(day="2099-06-01")
    auth.login(world.admin_a["phone"])
    auth.post(f"/portal/admin/c/ca/posts/{post['id']}/status/closed")
    assert store.get_post("ca", post["id"])["status"] == "closed"
    assert auth.post(f"/portal/admin/c/ca/posts/{post['id']}/status/bogus").status_code == 404
    auth.post(f"/portal/admin/c/ca/posts/{post['id']}/status/open")
    assert store.get_post("ca", post["id"])["status"] == "open"
    response = auth.post(f"/portal/admin/c/ca/posts/{post['id']}/copy", {"days": "7"})
    assert response.status_code == 302
    dates = sorted(
        s["date"] for p in store.list_posts("ca") for s in store.post_shifts("ca", p["id"])
    )
    assert dates == ["2099-06-01", "2099-06-08"]
    html = auth.post(
        f"/portal/admin/c/ca/posts/{post['id']}/copy", {"days": "0"}, follow=True
    ).get_data(as_text=True)
    assert "顺延天数应在 1 到 84 天之间" in html and len(store.list_posts("ca")) == 2


def test_area_admin_adds_community_in_scope_only(client, auth, world):
    auth.login(world.street["phone"])
    assert (
        auth.post(
            "/portal/admin/communities/new", {"street_id": "dongsi", "name": "新社区"}
        ).status_code
        == 302
    )
    html = auth.post(
        "/portal/admin/communities/new", {"street_id": "jingshan", "name": "越权社区"}
    ).get_data(as_text=True)
    assert "管辖范围内的街道" in html
    names = [c["name"] for c in store.list_communities()]
    assert "新社区" in names and "越权社区" not in names
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/admin/communities/new").status_code == 403
