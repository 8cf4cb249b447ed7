"""The whistle pages: liaison accounts, a community's request, the street's whistle,
the departments' report-in, verification, rework, closing, scopes, figures, exports."""

import io

from openpyxl import load_workbook

from portal import store
from tests.conftest import csrf_token, make_user

RATING = {
    f"r_{d}_{k}": v
    for d, vals in (("gongan", "5"), ("jiaotong", "4"))
    for k, v in (("timeliness", vals), ("result", vals), ("attitude", vals))
}


def _liaisons():
    return (
        make_user("13900000301", "dept_liaison", scope="gongan"),
        make_user("13900000302", "dept_liaison", scope="jiaotong"),
        make_user("13900000303", "dept_liaison", scope="shichang"),
    )


def _category():
    from kb import data as kbdata

    return kbdata.taxonomy()["categories"][0]["id"]


def test_district_creates_liaisons_street_cannot(world, client, auth):
    auth.login(world.district["phone"])
    resp = auth.post(
        "/portal/whistles/liaisons",
        {"scope": "gongan", "name": "张警官", "phone": "13900000399", "password": "abc12345xyz"},
    )
    assert resp.status_code == 302
    user = store.find_user_by_phone("13900000399")
    assert user["role"] == "dept_liaison" and user["scope"] == "gongan"
    page = client.get("/portal/whistles/liaisons").get_data(as_text=True)
    assert "张警官" in page and "公安" in page
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get("/portal/whistles/liaisons").status_code == 403
    auth.logout()
    resp = auth.login("13900000399", "abc12345xyz")
    assert resp.headers["Location"].endswith("/portal/dept/")
    assert "部门报到" in client.get("/portal/dept/").get_data(as_text=True)


def test_request_whistle_close_loop_through_the_pages(world, client, auth):
    police, traffic, market = _liaisons()
    need = store.create_need(
        "ca",
        category=_category(),
        description="胡同违停堵住消防车",
        raised_by="resident",
        phone="13712345678",
        name="王阿姨",
    )
    # The community asks its street.
    auth.login(world.admin_a["phone"])
    page = client.get(f"/portal/admin/c/ca/lists/needs/{need['id']}").get_data(as_text=True)
    assert "提请街道吹哨" in page
    resp = auth.post(
        f"/portal/whistles/c/ca/needs/{need['id']}/request",
        {"item": "W05-1", "note": "劝导多次无效"},
    )
    assert resp.status_code == 302
    req = store.list_requests("dongsi")[0]
    assert req["status"] == "待街道处理"
    # Another community's admin cannot ask for this need.
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/whistles/c/ca/needs/{need['id']}/request").status_code == 404
    auth.logout()

    # The street whistles from the request; departments are pre-filled from the item.
    auth.login(world.street["phone"])
    assert "劝导多次无效" in client.get("/portal/whistles/requests").get_data(as_text=True)
    form = client.get(f"/portal/whistles/new?request={req['id']}").get_data(as_text=True)
    assert (
        'value="jiaotong" checked' in form
        or 'checked value="jiaotong"' in form
        or ('value="jiaotong"' in form and "checked" in form)
    )
    resp = auth.post(
        "/portal/whistles/new",
        {
            "item": "W05-1",
            "description": "胡同违停堵住消防车",
            "place": "东四三条 5 号",
            "departments": ["gongan", "jiaotong"],
            "request_id": req["id"],
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    whistle = store.list_whistles(["dongsi"])[0]
    wid = whistle["id"]
    assert whistle["needs"] == [{"community_id": "ca", "need_id": need["id"]}]
    assert store.get_request("dongsi", req["id"])["status"] == "已吹哨"
    assert any(n["kind"] == "whistle" for n in store.inbox(police["uid"]))
    assert not store.inbox(market["uid"])
    auth.logout()

    # Scopes: the summoned departments see it, another department and street do not.
    auth.login(market["phone"])
    assert client.get(f"/portal/dept/w/dongsi/{wid}").status_code == 404
    assert "东四三条" not in client.get("/portal/dept/").get_data(as_text=True)
    auth.logout()
    jingshan = make_user("13900000304", "street_admin", scope="jingshan")
    auth.login(jingshan["phone"])
    assert client.get(f"/portal/whistles/s/dongsi/{wid}").status_code == 404
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/whistles/s/dongsi/{wid}").status_code == 404
    auth.logout()
    auth.login(world.member["phone"])
    assert client.get(f"/portal/dept/w/dongsi/{wid}").status_code == 403
    auth.logout()

    # Both departments report in, arrive and finish.
    for liaison in (police, traffic):
        auth.login(liaison["phone"])
        assert "东四三条" in client.get("/portal/dept/").get_data(as_text=True)
        for action, text in (("acknowledge", ""), ("arrive", "已到场"), ("finish", "已清理")):
            resp = auth.post(f"/portal/dept/w/dongsi/{wid}/{action}", {"text": text})
            assert resp.status_code == 302
        auth.logout()
    assert store.get_whistle("dongsi", wid)["status"] == "部门已办结"

    # The street verifies, returns 交通 for rework, then closes with ratings.
    auth.login(world.street["phone"])
    auth.post(f"/portal/whistles/s/dongsi/{wid}/verify", {"note": "现场查看"})
    auth.post(
        f"/portal/whistles/s/dongsi/{wid}/return",
        {"reason": "仍有车辆", "departments": ["jiaotong"]},
    )
    assert store.get_whistle("dongsi", wid)["status"] == "退回重办"
    auth.logout()
    auth.login(traffic["phone"])
    # A finish note is required: the page comes back with the message beside the note.
    refused = auth.post(f"/portal/dept/w/dongsi/{wid}/finish", {"text": ""})
    assert refused.status_code == 400 and 'id="text-errors"' in refused.get_data(as_text=True)
    assert store.get_whistle("dongsi", wid)["status"] == "退回重办"  # a finish note is required
    auth.post(f"/portal/dept/w/dongsi/{wid}/finish", {"text": "加装隔离桩"})
    auth.logout()
    auth.login(world.street["phone"])
    auth.post(f"/portal/whistles/s/dongsi/{wid}/verify", {})
    page = client.get(f"/portal/whistles/s/dongsi/{wid}").get_data(as_text=True)
    assert "结案评价" in page and "退回重办" in page
    resp = auth.post(
        f"/portal/whistles/s/dongsi/{wid}/close",
        dict(RATING, community_satisfaction="4", comment="效果良好"),
    )
    assert resp.status_code == 302
    closed = store.get_whistle("dongsi", wid)
    assert closed["status"] == "已结案"
    assert closed["assessment"]["ratings"]["jiaotong"]["result"] == 4
    assert store.get_need("ca", need["id"])["status"] == "已办结"
    entries = store.list_audit(store.now().strftime("%Y-%m"), "dongsi")
    assert {"街道吹哨", "部门报到", "退回重办", "结案评价"} <= {e["action"] for e in entries}

    # Figures, export and the printable report.
    page = client.get("/portal/whistles/figures").get_data(as_text=True)
    assert "部门考核" in page and "每月一题" in page
    resp = client.get("/portal/whistles/export/departments.xlsx")
    assert resp.status_code == 200
    rows = [
        list(r) for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)
    ]
    assert rows[0][:3] == ["部门", "接收吹哨", "响应率"]
    police_row = next(r for r in rows if r[0] == "公安")
    assert police_row[1] == 1 and police_row[5] == 1 and police_row[9] == 0
    traffic_row = next(r for r in rows if r[0] == "交通")
    assert traffic_row[9] == 1
    month = store.now().strftime("%Y-%m")
    report = client.get(f"/portal/whistles/report/dongsi/{month}")
    assert report.status_code == 200 and "月报" in report.get_data(as_text=True)
    assert client.get(f"/portal/whistles/report/jingshan/{month}").status_code == 404
    auth.logout()

    # The public item page: counts only, no personal data.
    page = client.get("/portal/whistles/items/W05-1").get_data(as_text=True)
    assert "已结案" in page and "/lists/whistles/#W05-1" in page
    for private in ("王阿姨", "13712345678", "东四三条", "胡同违停"):
        assert private not in page
    assert client.get("/portal/whistles/items/W99-1").status_code == 404
    assert client.get("/portal/whistles/items/").status_code == 200


def test_escalation_from_the_page_notifies_the_district(world, client, auth):
    from datetime import timedelta

    police, _traffic, _market = _liaisons()
    past = store.now() - timedelta(hours=5)
    whistle = store.create_whistle(
        "dongsi", world.street, item_id="W05-3", description="拥堵", place="学校门口", at=past
    )
    auth.login(world.street["phone"])
    page = client.get(f"/portal/whistles/s/dongsi/{whistle['id']}").get_data(as_text=True)
    assert "超时" in page and "升级并通知区级" in page
    auth.post(f"/portal/whistles/s/dongsi/{whistle['id']}/escalate", {"reason": "部门未响应"})
    assert store.get_whistle("dongsi", whistle["id"])["level"] == 3
    assert any("升级" in n["text"] for n in store.inbox(world.district["uid"]))
    # A district admin sees it but cannot act for the street.
    auth.logout()
    auth.login(world.district["phone"])
    assert client.get(f"/portal/whistles/s/dongsi/{whistle['id']}").status_code == 200
    assert auth.post(f"/portal/whistles/s/dongsi/{whistle['id']}/verify", {}).status_code == 403


def test_decline_request(world, client, auth):
    need = store.create_need("ca", category=_category(), description="x", raised_by="resident")
    req = store.request_whistle("ca", need["id"], world.admin_a, "请吹哨")
    auth.login(world.street["phone"])
    auth.post(f"/portal/whistles/requests/dongsi/{req['id']}/decline", {"reason": "物业可解决"})
    assert store.get_request("dongsi", req["id"])["status"] == "未予吹哨"
    assert any("物业可解决" in n["text"] for n in store.inbox(world.admin_a["uid"]))
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert "物业可解决" in client.get("/portal/whistles/requests").get_data(as_text=True)


def test_nav_links_and_kb_links(world, client, auth):
    auth.login(world.street["phone"])
    assert "吹哨报到" in client.get("/portal/admin/").get_data(as_text=True)
    auth.logout()
    post, _shift = world.post()
    page = client.get(f"/portal/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert f"/lists/taxonomy/#cat-{post['category']}" in page


def test_the_need_page_shows_where_its_whistle_request_stands(world, client, auth):
    need = store.create_need("ca", category="legal", description="违停", raised_by="resident")
    page = f"/portal/admin/c/ca/lists/needs/{need['id']}"
    auth.login(world.admin_a["phone"])
    html = client.get(page).get_data(as_text=True)
    assert "提请街道吹哨</a>" in html and "whistle-request" not in html

    row = store.request_whistle("ca", need["id"], world.admin_a, "需要部门协同")
    html = client.get(page).get_data(as_text=True)
    assert "等待街道处理" in html and "已提请吹哨" in html
    assert "提请街道吹哨</a>" not in html  # no second request while one waits

    store.decline_request("dongsi", row["id"], world.street, "社区可自行处理")
    html = client.get(page).get_data(as_text=True)
    assert "街道未予吹哨：社区可自行处理" in html and "再次提请街道吹哨" in html

    again = store.request_whistle("ca", need["id"], world.admin_a, "仍需协同")
    whistle = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="胡同口",
        need_refs=[("ca", need["id"])],
        request_id=again["id"],
    )
    html = client.get(page).get_data(as_text=True)
    assert "街道已吹哨" in html and f"/portal/whistles/s/dongsi/{whistle['id']}" in html
    assert "提请街道吹哨</a>" not in html


def test_a_refused_department_note_comes_back_as_typed(world, client, auth):
    """Issue 21: a refused note keeps what the liaison typed, with the message beside it."""
    police = _liaisons()[0]
    whistle = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="违停",
        place="胡同口",
        departments=["gongan"],
    )
    wid = whistle["id"]
    store.acknowledge("dongsi", wid, "gongan", police)
    store.arrive("dongsi", wid, "gongan", police)
    auth.login(police["phone"])
    url = f"/portal/dept/w/dongsi/{wid}/progress"
    not_a_photo = (io.BytesIO(b"just text"), "scene.jpg")
    token = csrf_token(client)
    # The progress note's fields carry the prefix "progress-" (its form sits beside the step's).
    resp = auth.post(
        url,
        {
            "progress-csrf_token": token,
            "progress-text": "已设置隔离桩，明早复查",
            "progress-photos": not_a_photo,
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400)
    assert "已设置隔离桩，明早复查</textarea>" in html and 'id="progress-photos-errors"' in html
    before = len(store.get_whistle("dongsi", wid)["timeline"])
    # An expired page (no valid CSRF token) comes back filled in too, nothing recorded.
    expired = client.post(url, data={"progress-text": "第二条进展", "progress-csrf_token": "stale"})
    assert expired.status_code == 400
    assert "页面已过期" in expired.get_data(as_text=True)
    assert "第二条进展</textarea>" in expired.get_data(as_text=True)
    assert len(store.get_whistle("dongsi", wid)["timeline"]) == before
    ok = auth.post(url, {"progress-csrf_token": token, "progress-text": "已清理完毕"})
    assert ok.status_code == 302
    assert store.get_whistle("dongsi", wid)["timeline"][-1]["text"] == "已清理完毕"
