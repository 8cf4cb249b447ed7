"""社区专员 through the pages: the street admin appoints, changes and revokes them (refusals
in Chinese change nothing); the 社区专员's home and its figures, read-only detail with
names masked; deciding their communities' requests to whistle as the street's liaison,
audited in that capacity; anything outside their communities is a 404."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import store
from tests.conftest import make_user

ADMIN = "/portal/admin/community-liaisons/"
HOME = "/portal/liaison/"


def _category():
    from kb import data as kbdata

    return kbdata.taxonomy()["categories"][0]["id"]


def _need(cid="ca", **extra):
    fields = {"urgency": "normal", "phone": "13712345678", "name": "王阿姨"} | extra
    return store.create_need(
        cid, category=_category(), description="楼道灯坏了", raised_by="resident", **fields
    )


def _appointments():
    return [
        (r["uid"], r["targets"], r["revoked_at"])
        for r in store.list_appointments("street", "dongsi", active=False)
        if r["role"] == "community_liaison"
    ]


def _audit(action_part: str) -> list[dict]:
    month = store.now().strftime("%Y-%m")
    return [e for e in store.list_audit(month, "dongsi") if action_part in e["action"]]


def _flashes(page: str) -> str:
    return " ".join(re.findall(r'<li class="flash flash-\w+">([^<]*)</li>', page))


@pytest.fixture
def liaison(world):
    """A volunteer appointed 社区专员 of community A by the street admin, through the store."""
    person = make_user("13800000013", "volunteer", home_cid="ca")
    store.appoint(
        "street", "dongsi", person["uid"], "community_liaison", ["ca"], world.street["uid"]
    )
    return person


# ---------------------------------------------------------------- the street admin's page


def test_street_admin_appoints_by_phone_and_the_person_is_told(world, client, auth):
    person = make_user("13800000013", "volunteer", name="张晓明")
    auth.login(world.street["phone"])
    resp = auth.post(ADMIN, {"phone": "138 0000 0013", "communities": ["ca", "cb"]})
    assert resp.status_code == 302
    assert _appointments() == [(person["uid"], ["ca", "cb"], None)]
    entry = _audit("任命社区专员")[0]
    assert entry["actor_uid"] == world.street["uid"] and "张晓明" in entry["target"]
    assert entry["after"] == "测试甲社区、测试乙社区"
    notice = store.inbox(person["uid"])[0]
    assert "社区专员" in notice["text"] and notice["link"] == HOME
    page = client.get(ADMIN).get_data(as_text=True)
    assert "张晓明" in page and "138****0013" in page and "13800000013" not in page
    assert "测试甲社区、测试乙社区" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "13900000999", "communities": ["ca"]}, "没有找到用这个手机号注册的账号"),
        ({"phone": "13800000003", "communities": ["ca"]}, "只能任命已注册的在职党员或志愿者"),
        ({"phone": "12345", "communities": ["ca"]}, "请输入 11 位中国大陆手机号"),
        ({"phone": "13800000002"}, "请至少选择一个社区。"),
        ({"phone": "13800000002", "communities": ["cc"]}, "所选社区不在本街道"),
        (
            {"phone": "13800000002", "communities": ["ca", "cb", "cd", "ce"]},
            "一位社区专员联系 1 到 3 个社区。",
        ),
    ],
)
def test_appointing_refusals_change_nothing(world, client, auth, data, message):
    store.add_community("dongsi", "测试丁社区", cid="cd")
    store.add_community("dongsi", "测试戊社区", cid="ce")
    auth.login(world.street["phone"])
    resp = auth.post(ADMIN, data)
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert _appointments() == []
    assert _audit("社区专员") == []


def test_appointing_twice_is_refused(world, client, auth, liaison):
    auth.login(world.street["phone"])
    resp = auth.post(ADMIN, {"phone": liaison["phone"], "communities": ["cb"]})
    assert resp.status_code == 200
    assert "已经是社区专员，请修改原任命的范围" in resp.get_data(as_text=True)
    assert _appointments() == [(liaison["uid"], ["ca"], None)]
    assert _audit("社区专员") == []


def test_change_and_revoke_with_refusals(world, client, auth, liaison):
    aid = store.holds_appointment(liaison["uid"], "community_liaison")[0]["id"]
    auth.login(world.street["phone"])
    # No community: refused, nothing changed.
    resp = auth.post(f"{ADMIN}{aid}/change", {f"a{aid}-communities": []}, follow=True)
    assert "请至少选择一个社区。" in _flashes(resp.get_data(as_text=True))
    assert _appointments() == [(liaison["uid"], ["ca"], None)]
    # Four communities, or one of another street: refused too.
    resp = auth.post(f"{ADMIN}{aid}/change", {f"a{aid}-communities": ["cc"]}, follow=True)
    assert "所选社区不在本街道" in _flashes(resp.get_data(as_text=True))
    assert _appointments() == [(liaison["uid"], ["ca"], None)]
    assert _audit("社区专员") == []
    # Changed to both communities.
    resp = auth.post(f"{ADMIN}{aid}/change", {f"a{aid}-communities": ["ca", "cb"]}, follow=True)
    assert "已调整" in _flashes(resp.get_data(as_text=True))
    assert _appointments() == [(liaison["uid"], ["ca", "cb"], None)]
    entry = _audit("调整社区专员")[0]
    assert (entry["before"], entry["after"]) == ("测试甲社区", "测试甲社区、测试乙社区")
    # Revoked: kept, with who; the 社区专员's pages close at once.
    resp = auth.post(f"{ADMIN}{aid}/revoke", follow=True)
    assert "已撤销" in _flashes(resp.get_data(as_text=True))
    [(uid, _targets, revoked_at)] = _appointments()
    assert uid == liaison["uid"] and revoked_at
    assert _audit("撤销社区专员")[0]["actor_uid"] == world.street["uid"]
    page = client.get(ADMIN).get_data(as_text=True)
    assert 'id="revoked"' in page and world.street["name"] in page
    # Revoking again: refused in Chinese, nothing written.
    resp = auth.post(f"{ADMIN}{aid}/revoke", follow=True)
    assert "这项任命已经撤销。" in _flashes(resp.get_data(as_text=True))
    assert len(_audit("撤销社区专员")) == 1
    auth.logout()
    auth.login(liaison["phone"])
    assert client.get(HOME).status_code == 403


def test_other_streets_and_other_roles_appointments_are_404(world, client, auth, liaison):
    aid = store.holds_appointment(liaison["uid"], "community_liaison")[0]["id"]
    lane = store.add_lane("dongsi", "东四北大街")
    steward = make_user("13800000012", "volunteer")
    sid = store.appoint(
        "street", "dongsi", steward["uid"], "lane_steward", [lane["id"]], world.street["uid"]
    )["id"]
    # A 小巷管家 is not changed or revoked from this page.
    auth.login(world.street["phone"])
    assert auth.post(f"{ADMIN}{sid}/revoke").status_code == 404
    assert auth.post(f"{ADMIN}{sid}/change", {f"a{sid}-communities": ["ca"]}).status_code == 404
    assert store.holds_appointment(steward["uid"], "lane_steward")
    auth.logout()
    # Another street's admin cannot see or touch 东四's appointment.
    other = make_user("13800000031", "street_admin", scope="jingshan")
    auth.login(other["phone"])
    assert liaison["name"] not in client.get(ADMIN).get_data(as_text=True)
    assert auth.post(f"{ADMIN}{aid}/revoke").status_code == 404
    assert auth.post(f"{ADMIN}{aid}/change", {f"a{aid}-communities": ["cc"]}).status_code == 404
    assert _appointments() == [(liaison["uid"], ["ca"], None)]


# ---------------------------------------------------------------- the 社区专员's home


def _figure(page: str, cid: str, name: str) -> int:
    card = page.split(f'data-community="{cid}"', 1)[1].split("</section>", 1)[0]
    match = re.search(rf'data-figure="{name}"[^>]*><strong>(\d+)</strong>', card)
    assert match, name
    return int(match.group(1))


def test_home_figures_and_read_only_detail(world, client, auth, liaison):
    # A: one member reported in (not in a grid), one waiting, an overdue urgent need, a late
    # whistle from A's need, and A's request to whistle. B's things are not shown.
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    waiting = make_user("13800000021", "member", name="李建国")
    store.submit_report_in(waiting["uid"], "ca")
    overdue = _need(urgency="urgent", at=store.now() - timedelta(days=4))
    _need()  # raised just now: not overdue
    late = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="胡同口",
        need_refs=[("ca", overdue["id"])],
        at=store.now() - timedelta(days=10),
    )
    store.request_whistle("ca", overdue["id"], world.admin_a, "请街道协调")
    need_b = _need("cb", urgency="critical", at=store.now() - timedelta(days=4))
    store.request_whistle("cb", need_b["id"], world.admin_b, "乙社区提请")

    auth.login(liaison["phone"])
    page = client.get(HOME).get_data(as_text=True)
    assert 'data-community="cb"' not in page
    assert _figure(page, "ca", "pending") == 1
    assert _figure(page, "ca", "overdue-needs") == 1
    assert _figure(page, "ca", "overdue-whistles") == 1
    assert _figure(page, "ca", "requests") == 1
    assert _figure(page, "ca", "unplaced") == 1
    assert "已入 0/1" in page and "较急 3 天" in page

    detail = client.get("/portal/liaison/c/ca").get_data(as_text=True)
    # Members' names masked, no phone numbers at all.
    assert "李*国" in detail and "李建国" not in detail
    assert store.mask_name(world.member["name"]) in detail
    assert world.member["phone"] not in detail and waiting["phone"] not in detail
    assert f"/portal/liaison/c/ca/needs/{overdue['id']}" in detail
    assert f"/portal/liaison/w/dongsi/{late['id']}" in detail

    need_page = client.get(f"/portal/liaison/c/ca/needs/{overdue['id']}").get_data(as_text=True)
    assert "楼道灯坏了" in need_page and "超期" in need_page
    assert "王阿姨" not in need_page and "13712345678" not in need_page
    assert "<form" not in need_page.split('id="main"', 1)[-1].split("</main>", 1)[0]
    whistle_page = client.get(f"/portal/liaison/w/dongsi/{late['id']}").get_data(as_text=True)
    assert "违停" in whistle_page and "超时" in whistle_page
    # Another community's need or whistle, or a community not theirs: 404.
    assert client.get(f"/portal/liaison/c/cb/needs/{need_b['id']}").status_code == 404
    assert client.get(f"/portal/liaison/c/ca/needs/{need_b['id']}").status_code == 404
    assert client.get("/portal/liaison/c/cb").status_code == 404


def test_only_a_liaison_has_a_home(world, client, auth, liaison):
    auth.login(world.volunteer["phone"])
    assert client.get(HOME).status_code == 403
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get(HOME).status_code == 403


# ---------------------------------------------------------------- deciding requests


def test_liaison_declines_a_request_of_their_community(world, client, auth, liaison):
    need = _need()
    req = store.request_whistle("ca", need["id"], world.admin_a, "请街道协调")
    auth.login(liaison["phone"])
    page = client.get("/portal/liaison/requests").get_data(as_text=True)
    assert "请街道协调" in page and "不予吹哨" in page
    # Without a reason: refused, the request still waits.
    resp = auth.post(f"/portal/liaison/requests/dongsi/{req['id']}/decline", {"reason": ""})
    assert resp.status_code == 302
    assert store.get_request("dongsi", req["id"])["status"] == "待街道处理"
    resp = auth.post(
        f"/portal/liaison/requests/dongsi/{req['id']}/decline", {"reason": "属社区自治范围"}
    )
    assert resp.status_code == 302
    row = store.get_request("dongsi", req["id"])
    assert row["status"] == "未予吹哨" and row["decided_by"] == liaison["uid"]
    [entry] = _audit("不予吹哨")
    assert entry["actor_uid"] == liaison["uid"] and entry["actor_role"] == "community_liaison"
    assert entry["action"] == "不予吹哨（社区专员）" and entry["community_id"] == "ca"
    assert any("属社区自治范围" in n["text"] for n in store.inbox(world.admin_a["uid"]))
    assert any("社区专员" in n["text"] for n in store.inbox(world.street["uid"]))
    # Decided once: a second answer is refused.
    resp = auth.post(
        f"/portal/liaison/requests/dongsi/{req['id']}/decline", {"reason": "再答复"}, follow=True
    )
    assert "已经处理过了" in _flashes(resp.get_data(as_text=True))
    assert store.get_request("dongsi", req["id"])["reason"] == "属社区自治范围"
    auth.logout()
    # The street admin's audit log shows who and in which capacity.
    auth.login(world.street["phone"])
    log = client.get("/portal/admin/audit").get_data(as_text=True)
    assert liaison["name"] in log and "不予吹哨（社区专员）" in log


def test_liaison_whistles_from_a_request_of_their_community(world, client, auth, liaison):
    need = _need(building="5号楼")
    req = store.request_whistle("ca", need["id"], world.admin_a, "违停多次劝导无效", "W05-1")
    url = f"/portal/liaison/requests/dongsi/{req['id']}/whistle"
    auth.login(liaison["phone"])
    form = client.get(url).get_data(as_text=True)
    assert "楼道灯坏了" in form and "测试甲社区 5号楼" in form
    departments = store.get_item("W05-1")["department_ids"]
    # A refused form (no departments) comes back and raises nothing.
    resp = auth.post(url, {"item": "W05-1", "description": "违停", "place": "胡同口"})
    assert resp.status_code == 200 and "请至少召集一个部门。" in resp.get_data(as_text=True)
    assert store.open_whistles(["dongsi"]) == []
    resp = auth.post(
        url,
        {"item": "W05-1", "description": "违停", "place": "胡同口", "departments": departments},
    )
    assert resp.status_code == 302
    [whistle] = store.open_whistles(["dongsi"])
    assert resp.headers["Location"].endswith(f"/portal/liaison/w/dongsi/{whistle['id']}")
    assert whistle["raised_by"] == liaison["uid"] and whistle["request_id"] == req["id"]
    assert whistle["community_id"] == "ca"
    assert store.get_request("dongsi", req["id"])["status"] == "已吹哨"
    [entry] = _audit("街道吹哨")
    assert entry["actor_uid"] == liaison["uid"] and entry["actor_role"] == "community_liaison"
    assert entry["action"] == "街道吹哨（社区专员）" and req["id"] in entry["after"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"{liaison['name']}（社区专员）" in page
    assert any(whistle["id"] in n["text"] for n in store.inbox(world.admin_a["uid"]))
    # Decided: the form is not offered again.
    resp = client.get(url)
    assert resp.status_code == 302
    assert len(store.open_whistles(["dongsi"])) == 1


def test_another_communitys_request_is_404_and_changes_nothing(world, client, auth, liaison):
    need_b = _need("cb")
    req = store.request_whistle("cb", need_b["id"], world.admin_b, "乙社区提请")
    auth.login(liaison["phone"])
    assert "乙社区提请" not in client.get("/portal/liaison/requests").get_data(as_text=True)
    base = f"/portal/liaison/requests/dongsi/{req['id']}"
    assert auth.post(f"{base}/decline", {"reason": "不归我管"}).status_code == 404
    assert client.get(f"{base}/whistle").status_code == 404
    departments = store.get_item("W05-1")["department_ids"]
    data = {"item": "W05-1", "description": "违停", "place": "乙", "departments": departments}
    assert auth.post(f"{base}/whistle", data).status_code == 404
    # The same id under another street, or an unknown id: 404 too.
    assert auth.post(f"/portal/liaison/requests/jingshan/{req['id']}/decline").status_code == 404
    assert auth.post("/portal/liaison/requests/dongsi/nope/decline").status_code == 404
    assert store.get_request("dongsi", req["id"])["status"] == "待街道处理"
    assert store.open_whistles(["dongsi"]) == []
    assert _audit("吹哨") == []


def test_the_home_cards_kept_show_each_new_figure(world, client, auth, liaison):
    """The community cards are kept rendered by what they show: a write that changes a
    figure shows on the next visit, with the card's links and names unchanged."""
    auth.login(liaison["phone"])
    page = client.get(HOME).get_data(as_text=True)
    assert _figure(page, "ca", "pending") == 0 and _figure(page, "ca", "unplaced") == 0
    assert 'href="/portal/liaison/c/ca#report-ins"' in page and "测试甲社区" in page
    waiting = make_user("13800000021", "member")
    report = store.submit_report_in(waiting["uid"], "ca")
    page = client.get(HOME).get_data(as_text=True)
    assert _figure(page, "ca", "pending") == 1 and _figure(page, "ca", "unplaced") == 0
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    page = client.get(HOME).get_data(as_text=True)
    assert _figure(page, "ca", "pending") == 0 and _figure(page, "ca", "unplaced") == 1
    assert "已入 0/1" in page
    assert 'href="/portal/liaison/c/ca#grid"' in page and 'href="/portal/liaison/requests"' in page
