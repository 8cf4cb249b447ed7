"""The 议事厅 through HTTP: five stages end to end (a home confirmed, a proposal with a photo,
support to the agenda, comments and their moderation, a meeting with QR sign-in and
minutes, the vote cast, changed, closed and recounted, the project with its post and
progress, the ratings), decline and merge told in the inbox, scope as 404, and bad input
answered in Chinese with nothing changed."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from portal import store
from portal.store.council import votes as vote_module
from tests.conftest import AuthActions, csrf_token, make_user

ADMIN = "/portal/admin/c/ca/council"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def hall(world):
    """5号楼 (grid 1) with four confirmed residents in rooms 101, 101, 102, 103, and 7号楼
    (grid 2) with one; returns the hall id, the residents and the outsider."""
    g1 = store.add_grid("ca", 1, "第一网格")
    g2 = store.add_grid("ca", 2, "第二网格")
    b5 = store.add_building("ca", g1["id"], "楼", "5号楼", 60)
    b7 = store.add_building("ca", g2["id"], "楼", "7号楼", 30)
    people = []
    for n, room in enumerate(("101", "101", "102", "103")):
        user = make_user(f"1390000010{n}", "volunteer", home_cid="ca", name=f"邻居{n}号")
        store.register_home("ca", user["uid"], b5["id"], room)
        store.confirm_resident("ca", user["uid"], world.admin_a["uid"])
        people.append(user)
    outsider = make_user("13900000199", "volunteer", home_cid="ca", name="七号楼居民")
    store.register_home("ca", outsider["uid"], b7["id"], "301")
    store.confirm_resident("ca", outsider["uid"], world.admin_a["uid"])
    return {"id": f"b-{b5['id']}", "b5": b5, "people": people, "outsider": outsider}


def _as(app, user) -> AuthActions:
    client = app.test_client()
    actions = AuthActions(client)
    assert actions.login(user["phone"]).status_code == 302
    actions.client = client  # type: ignore[attr-defined]
    return actions


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_five_stages_end_to_end(app, world, hall, monkeypatch):
    people, cid = hall["people"], "ca"
    # 登记住址: a newcomer registers, the admin confirms.
    newcomer = make_user("13900000150", "member", home_cid="ca", name="新住户")
    me = _as(app, newcomer)
    page = me.post(
        "/portal/council/c/ca/home", {"building": hall["b5"]["id"], "room": "3 01"}, follow=True
    )
    assert (
        "房间号只能由数字" in _text(page) and store.council_resident(cid, newcomer["uid"]) is None
    )
    me.post("/portal/council/c/ca/home", {"building": hall["b5"]["id"], "room": "104"})
    assert store.council_resident(cid, newcomer["uid"])["status"] == "待确认"
    admin = _as(app, world.admin_a)
    assert "新住户" in _text(admin.client.get(f"{ADMIN}/"))
    admin.post(f"{ADMIN}/residents/{newcomer['uid']}/confirm")
    assert store.council_resident(cid, newcomer["uid"])["status"] == "已确认"

    # 民事民提: a proposal with a photo; three neighbours support it onto the agenda.
    proposer = _as(app, people[0])
    url = f"/portal/council/c/ca/h/{hall['id']}/propose"
    page = proposer.client.post(
        url,
        data={
            "csrf_token": csrf_token(proposer.client, url),
            "title": "楼道加装扶手",
            "description": "老人上下楼不方便",
            "photos": (io.BytesIO(_jpeg()), "stairs.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 302
    [item] = store.list_proposals(cid)
    pid, purl = item["id"], f"/portal/council/c/ca/p/{item['id']}"
    assert proposer.client.get(f"{purl}/photo").status_code == 200
    for person in people[1:4]:
        _as(app, person).post(f"{purl}/support")
    assert store.get_proposal(cid, pid)["status"] == "议事中"

    # 民事民议: a comment, one hidden by the admin (audited), a meeting with sign-in.
    neighbour = _as(app, people[1])
    neighbour.post(f"{purl}/comment", {"text": "同意，扶手要结实"})
    neighbour.post(f"{purl}/comment", {"text": "广告：低价装修"})
    [ad] = [c for c in store.comments_of(cid, pid) if "广告" in c["text"]]
    admin.post(f"{ADMIN}/comments/{ad['id']}/hide", {"reason": "广告", "proposal": pid})
    public = _text(app.test_client().get(purl))
    assert "同意，扶手要结实" in public and "低价装修" not in public
    assert any(
        e["action"] == "议事厅：隐藏留言" for e in store.list_audit(store.now().strftime("%Y-%m"))
    )
    soon = store.now() + timedelta(minutes=30)
    page = admin.post(
        f"{ADMIN}/meetings/new",
        {
            "hall": hall["id"],
            "day": soon.strftime("%Y-%m-%d"),
            "time": soon.strftime("%H:%M"),
            "place": "5号楼前小院",
            "proposals": pid,
            "roles": ["building_head", "property"],
        },
    )
    assert page.status_code == 302, _text(page)
    [meeting] = store.list_meetings(cid)
    staff_page = _text(admin.client.get(page.headers["Location"]))
    assert meeting["code"] in staff_page
    # The link the QR code carries, as text staff can copy into the residents' group.
    link = f"/portal/council/c/ca/m/{meeting['id']}/sign-in?t={meeting['token']}"
    assert re.search(r'id="sign-in-link"[^>]*>http[^<]*' + re.escape(link) + "<", staff_page)
    qr = admin.client.get(f"{ADMIN}/m/{meeting['id']}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    sign_url = f"/portal/council/c/ca/m/{meeting['id']}/sign-in"
    form = _text(neighbour.client.get(f"{sign_url}?t={meeting['token']}"))
    assert meeting["token"] in form
    neighbour.post(sign_url, {"code": meeting["token"]})
    neighbour.post(sign_url, {"code": meeting["code"]})
    assert len(store.get_meeting(cid, meeting["id"])["signins"]) == 1
    page = neighbour.post(sign_url, {"code": "999"})
    assert page.status_code == 400 and "签到码不对" in _text(page)
    admin.post(
        f"{ADMIN}/m/{meeting['id']}/minutes",
        {"proposal": pid, "text": "大家同意安装不锈钢扶手", "decision": "提交表决"},
    )
    assert "提交表决" in _text(app.test_client().get(f"/portal/council/c/ca/m/{meeting['id']}"))

    # 民事民决: the vote, a household's two members (the later counts), a change, the close.
    admin.post(f"{ADMIN}/p/{pid}/vote/open", {"days": "3"})
    vid = store.get_proposal(cid, pid)["vote_id"]
    assert vid and store.get_vote(cid, vid)["electorate"] == 4  # rooms 101, 102, 103, 104
    proposer.post(f"{purl}/vote", {"choice": "no"})
    neighbour.post(f"{purl}/vote", {"choice": "yes"})  # same room 101: replaces it
    _as(app, people[2]).post(f"{purl}/vote", {"choice": "no"})
    page = _as(app, people[2]).post(f"{purl}/vote", {"choice": "yes"}, follow=True)
    assert "已改票" in _text(page)
    page = _as(app, people[3]).post(f"{purl}/vote", {"choice": "maybe"}, follow=True)
    assert "不是有效的选择" in _text(page)
    outsider = _as(app, hall["outsider"])
    assert outsider.post(f"{purl}/vote", {"choice": "no"}).status_code == 404
    assert "当前的选择" in _text(proposer.client.get(purl))
    assert "表决不能提前结束" in _text(app.test_client().get(purl))  # the rule, printed
    page = admin.post(f"{ADMIN}/p/{pid}/vote/close", follow=True)
    assert "表决不能提前结束" in _text(page) and "结束后再计票" in _text(page)
    assert store.get_vote(cid, vid)["status"] == "投票中" and not store.get_vote(cid, vid)["tally"]
    later = store.now() + timedelta(days=3, minutes=1)
    monkeypatch.setattr(vote_module, "now", lambda: later)
    admin.post(f"{ADMIN}/p/{pid}/vote/close")
    tally = store.get_vote(cid, vid)["tally"]
    assert (tally["yes"], tally["no"], tally["cast"], tally["passed"]) == (2, 0, 2, True)
    assert "参与率 50.0%" in _text(app.test_client().get(purl))
    recount = _text(app.test_client().get(f"{purl}/recount"))
    assert "一致" in recount and "不一致" not in recount
    assert any(n["kind"] == "council" for n in store.inbox(people[0]["uid"]))

    # 民事民办: the project in the 项目清单, a post linked, progress to done.
    admin.post(f"{ADMIN}/p/{pid}/project")
    project_id = store.get_proposal(cid, pid)["project_id"]
    assert store.get_project(cid, project_id)["proposal_id"] == pid
    post, _shift = world.post(title="扶手安装志愿者")
    store.link_post(cid, project_id, post["id"])
    # Residents find the project's posts on the proposal page, each linked to its page
    # (where they sign up).
    page = _text(proposer.client.get(purl))
    posts = page[page.find('id="project-posts"') :]
    assert f'href="/portal/c/ca/posts/{post["id"]}">扶手安装志愿者</a>' in posts
    assert proposer.client.get(f"/portal/c/ca/posts/{post['id']}").status_code == 200
    admin.post(f"{ADMIN}/p/{pid}/progress", {"percent": "50", "text": "扶手已采购"})
    page = admin.post(
        f"{ADMIN}/p/{pid}/progress", {"percent": "80", "text": "装好", "done": "y"}, follow=True
    )
    assert "标记完成时进度应为 100%" in _text(page)
    admin.post(f"{ADMIN}/p/{pid}/progress", {"percent": "100", "text": "安装完成", "done": "y"})
    assert store.get_project(cid, project_id)["status"] == "已完成"

    # 民事民评: residents rate; the averages show on the proposal and the hall.
    _as(app, people[1]).post(f"{purl}/rate", {"score": "5", "comment": "很好"})
    _as(app, people[2]).post(f"{purl}/rate", {"score": "4"})
    page = _text(app.test_client().get(f"/portal/council/c/ca/h/{hall['id']}/"))
    assert "评价 4.5 分（2 人）" in page and "楼道加装扶手" in page
    assert "邻居0号" not in page, page[page.find("邻居0号") - 300 :][:400]
    assert "邻**号" in page
    dashboard = _text(admin.client.get("/portal/admin/c/ca/"))
    assert "议事厅（五民工作法）" in dashboard and "居民评价 4.5 分（2 人）" in dashboard
    project_page = _text(admin.client.get(f"/portal/admin/c/ca/lists/projects/{project_id}"))
    assert "居民评价 4.5 分（2 人）" in project_page and "扶手安装志愿者" in project_page


def test_decline_and_merge_tell_the_proposer_and_need_a_reason(app, world, hall):
    people = hall["people"]
    first = store.propose("ca", hall["id"], people[0]["uid"], title="修车棚", description="漏雨")
    twin = store.propose("ca", hall["id"], people[1]["uid"], title="车棚漏雨", description="同上")
    admin = _as(app, world.admin_a)
    page = admin.post(f"{ADMIN}/p/{first['id']}/decline", {"reason": ""}, follow=True)
    assert (
        "请填写理由" in _text(page) and store.get_proposal("ca", first["id"])["status"] == "征集中"
    )
    admin.post(f"{ADMIN}/p/{twin['id']}/merge", {"into": first["id"]})
    assert store.get_proposal("ca", twin["id"])["status"] == "已合并"
    assert "已合并" in store.inbox(people[1]["uid"])[0]["text"]
    admin.post(f"{ADMIN}/p/{first['id']}/decline", {"reason": "属于物业维修范围"})
    assert store.get_proposal("ca", first["id"])["decline_reason"] == "属于物业维修范围"
    assert "属于物业维修范围" in store.inbox(people[0]["uid"])[0]["text"]


def test_scope_another_buildings_matter_and_another_community_are_404(app, world, hall):
    item = store.propose("ca", hall["id"], hall["people"][0]["uid"], title="t", description="d")
    outsider = _as(app, hall["outsider"])
    purl = f"/portal/council/c/ca/p/{item['id']}"
    for action in ("support", "comment", "vote", "rate"):
        assert outsider.post(f"{purl}/{action}", {"text": "x"}).status_code == 404, action
    assert outsider.client.get(f"/portal/council/c/ca/h/{hall['id']}/propose").status_code == 404
    assert store.get_proposal("ca", item["id"])["supporters"] == []
    admin_b = _as(app, world.admin_b)
    assert admin_b.client.get(f"{ADMIN}/").status_code == 404
    assert admin_b.post(f"{ADMIN}/p/{item['id']}/decline", {"reason": "不行"}).status_code == 404
    assert app.test_client().get("/portal/council/c/ca/p/nothing").status_code == 404
    assert app.test_client().get("/portal/council/c/cb/p/" + item["id"]).status_code == 404


def test_the_public_pages_show_no_personal_data(app, world, hall):
    store.propose(
        "ca", hall["id"], hall["people"][0]["uid"], title="装路灯", description="院里太黑"
    )
    client = app.test_client()
    halls = _text(client.get("/portal/council/c/ca/"))
    assert "5号楼小院议事厅" in halls and "第一网格网格议事厅" in halls
    page = _text(client.get(f"/portal/council/c/ca/h/{hall['id']}/"))
    assert "装路灯" in page and "民事民提" in page and "民事民评" in page
    assert "邻居0号" not in page and not re.search(r"1[3-9]\d{9}", page)
    assert "登录" in page  # anonymous visitors are told how to take part


def test_the_hall_pages_follow_each_change_of_their_matters_and_halls(app, world, hall):
    """The parts of the hall page and of the list of halls kept between requests show a
    new proposal, its move onto the agenda, a meeting and a new building at once."""
    client = app.test_client()
    url = f"/portal/council/c/ca/h/{hall['id']}/"

    def open_matters() -> str:
        page = _text(client.get("/portal/council/c/ca/"))
        found = re.search(r"5号楼小院议事厅</a>\s*<span[^>]*>进行中的事项 (\d+) 件", page)
        assert found, page
        return found.group(1)

    def stage_count(stage: str) -> str:
        found = re.search(
            rf'id="stage-{stage}">[^<]*<span class="count">(\d+)', _text(client.get(url))
        )
        assert found
        return found.group(1)

    assert (open_matters(), stage_count("propose")) == ("0", "0")
    people = hall["people"]
    item = store.propose("ca", hall["id"], people[0]["uid"], title="装路灯", description="太黑")
    assert (open_matters(), stage_count("propose"), stage_count("discuss")) == ("1", "1", "0")
    assert "共 1 条提议" in _text(client.get("/portal/council/c/ca/"))
    for person in people[1:4]:
        store.support_proposal("ca", item["id"], person["uid"])
    assert (stage_count("propose"), stage_count("discuss")) == ("0", "1")
    assert "议事会" not in _text(client.get(url)).split("民事民评")[1]
    store.schedule_meeting(
        "ca",
        hall["id"],
        starts_at=store.now() + timedelta(days=1),
        place="五号楼小院",
        proposal_ids=[item["id"]],
        roles=[],
        by=world.admin_a["uid"],
    )
    assert "五号楼小院" in _text(client.get(url))
    grid = store.council_hall("ca", hall["id"])["grid_id"]
    assert "9号楼小院议事厅" not in _text(client.get("/portal/council/c/ca/"))
    store.add_building("ca", grid, "楼", "9号楼", 20)
    assert "9号楼小院议事厅" in _text(client.get("/portal/council/c/ca/"))


def test_links_from_the_admin_pages_and_the_participants_home(app, world, hall):
    admin = _as(app, world.admin_a)
    assert "/portal/admin/c/ca/council/" in _text(admin.client.get("/portal/admin/c/ca/"))
    resident = _as(app, hall["people"][0])
    assert "/portal/council/" in _text(resident.client.get("/portal/me"))
    home = _text(resident.client.get("/portal/council/"))
    assert "5号楼小院议事厅" in home and "第一网格网格议事厅" in home


def test_the_grid_worker_holds_meetings_of_the_grids_halls_only(app, world, hall):
    people = hall["people"]
    item = store.propose("ca", hall["id"], people[0]["uid"], title="修车棚", description="d")
    for person in people[1:4]:
        store.support_proposal("ca", item["id"], person["uid"])
    worker = make_user("13900000160", "volunteer", home_cid="ca", name="网格员小赵")
    grid_id = hall["b5"]["grid_id"]
    store.appoint("community", "ca", worker["uid"], "grid_worker", [grid_id], world.admin_a["uid"])
    staff = _as(app, worker)
    home = "/portal/council/grid/c/ca"
    assert "5号楼小院议事厅" in _text(staff.client.get(f"{home}/"))
    assert "7号楼" not in _text(staff.client.get(f"{home}/meetings/new"))
    soon = store.now() + timedelta(hours=2)
    fields = {
        "day": soon.strftime("%Y-%m-%d"),
        "time": soon.strftime("%H:%M"),
        "place": "车棚旁",
        "proposals": item["id"],
    }
    other_hall = next(h["id"] for h in store.council_halls("ca") if h["name"].startswith("7号楼"))
    page = staff.post(f"{home}/meetings/new", dict(fields, hall=other_hall))
    assert page.status_code == 400 and "请选择议事厅" in _text(page)
    assert store.list_meetings("ca") == []
    page = staff.post(f"{home}/meetings/new", dict(fields, hall=hall["id"]))
    assert page.status_code == 302
    [meeting] = store.list_meetings("ca")
    assert meeting["code"] in _text(staff.client.get(f"{home}/m/{meeting['id']}"))
    assert staff.client.get(f"{home}/m/{meeting['id']}/qr.svg").mimetype == "image/svg+xml"
    staff.post(f"{home}/m/{meeting['id']}/minutes", {"proposal": item["id"], "text": "同意"})
    assert store.get_meeting("ca", meeting["id"])["minutes"][item["id"]]["text"] == "同意"
    # Another community, or a meeting that is not there: 404; not a grid worker: 403.
    assert staff.client.get("/portal/council/grid/c/cb/").status_code == 404
    assert staff.client.get(f"{home}/m/0000000000").status_code == 404
    assert _as(app, people[0]).client.get(f"{home}/").status_code == 403


def test_the_building_head_confirms_a_neighbour_of_the_building_only(app, world, hall):
    head = make_user("13900000170", "volunteer", home_cid="ca", name="楼长老周")
    store.appoint(
        "community", "ca", head["uid"], "building_head", [hall["b5"]["id"]], world.admin_a["uid"]
    )
    newcomer = make_user("13900000171", "member", home_cid="ca", name="新邻居")
    store.register_home("ca", newcomer["uid"], hall["b5"]["id"], "105")
    far = make_user("13900000172", "member", home_cid="ca", name="远邻居")
    b7 = store.council_resident("ca", hall["outsider"]["uid"])["building_id"]
    store.register_home("ca", far["uid"], b7, "302")
    staff = _as(app, head)
    home = _text(staff.client.get("/portal/council/"))
    assert "新邻居" in home and "远邻居" not in home
    assert staff.post(f"/portal/council/c/ca/residents/{far['uid']}/confirm").status_code == 404
    assert store.council_resident("ca", far["uid"])["status"] == "待确认"
    staff.post(f"/portal/council/c/ca/residents/{newcomer['uid']}/confirm")
    assert store.council_resident("ca", newcomer["uid"])["status"] == "已确认"


def test_the_worker_publishes_a_tally_once_the_window_has_ended(app, world, hall):
    from portal.worker import scheduler
    from portal.worker.jobs import JOBS_BY_NAME

    people, start = hall["people"], store.now() - timedelta(days=2)
    item = store.propose("ca", hall["id"], people[0]["uid"], title="t", description="d", at=start)
    for person in people[1:4]:
        store.support_proposal("ca", item["id"], person["uid"], at=start)
    vote = store.open_vote("ca", item["id"], world.admin_a["uid"], 1, at=start)
    store.cast_vote("ca", vote["id"], people[2]["uid"], "no", at=start)
    job = JOBS_BY_NAME["council_votes"]
    assert scheduler.run_job(app, job, start + timedelta(hours=1))["result"] == {"计票公布": 0}
    now = store.now()
    assert scheduler.run_job(app, job, now)["result"] == {"计票公布": 1}
    assert store.get_vote("ca", vote["id"])["tally"]["no"] == 1
    assert store.get_proposal("ca", item["id"])["status"] == "未通过"
    later = now + timedelta(minutes=1)
    assert scheduler.run_job(app, job, later)["result"] == {"计票公布": 0}
    told = [n for n in store.inbox(people[0]["uid"]) if n["kind"] == "council"]
    assert len(told) == 1 and "未通过" in told[0]["text"]
