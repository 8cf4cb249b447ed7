"""Satisfaction is the resident's: closing a need records none; the resident rates it once
on the private status link within RESIDENT_RATING_DAYS, or staff record a phone follow-up
(电话回访, with who recorded it, audited). A whistle's page shows its needs' ratings."""

from datetime import timedelta

import pytest

from portal import store
from tests.conftest import csrf_token, make_user

LISTS = "/portal/admin/c/ca/lists"


def _closed_need(world, description="楼道灯坏了", closed_at=None):
    need = store.create_need("ca", category="legal", description=description, raised_by="resident")
    store.start_need("ca", need["id"], world.admin_a["uid"])
    store.close_need("ca", need["id"], world.admin_a["uid"], at=closed_at)
    return need


def _status(need):
    return "/portal/needs/status/" + need["status_token"]


def _audit_actions():
    return [e["action"] for month in store.audit_months() for e in store.list_audit(month)]


def test_resident_rates_once_on_the_status_link(client, world):
    need = _closed_need(world)
    page = client.get(_status(need)).get_data(as_text=True)
    assert "请为这次办理打分" in page and 'name="satisfaction"' in page
    # No score: the form comes back (400) with the message beside the field and a summary.
    resp = client.post(
        _status(need) + "/rate", data={"csrf_token": csrf_token(client), "comment": "很及时"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "有 1 处需要修改：" in html
    assert 'id="satisfaction-errors"' in html and "很及时" in html
    assert store.get_need("ca", need["id"])["evaluation"] is None
    resp = client.post(
        _status(need) + "/rate",
        data={"csrf_token": csrf_token(client), "satisfaction": "4", "comment": "很及时"},
    )
    assert resp.status_code == 302
    evaluation = store.get_need("ca", need["id"])["evaluation"]
    assert evaluation["satisfaction"] == 4 and evaluation["source"] == "resident"
    page = client.get(_status(need)).get_data(as_text=True)
    assert "满意度 4 / 5" in page and "居民评价" in page and "请为这次办理打分" not in page
    # Once only.
    client.post(
        _status(need) + "/rate", data={"csrf_token": csrf_token(client), "satisfaction": "1"}
    )
    assert store.get_need("ca", need["id"])["evaluation"]["satisfaction"] == 4
    with pytest.raises(store.StoreError, match="已经评价过"):
        store.rate_need_by_resident(need["status_token"], 2)


def test_open_need_cannot_be_rated(client, world):
    need = store.create_need("ca", category="legal", description="x", raised_by="resident")
    assert "请为这次办理打分" not in client.get(_status(need)).get_data(as_text=True)
    client.post(
        _status(need) + "/rate", data={"csrf_token": csrf_token(client), "satisfaction": "5"}
    )
    assert store.get_need("ca", need["id"])["evaluation"] is None
    with pytest.raises(store.StoreError, match="办结后"):
        store.rate_need_by_resident(need["status_token"], 5)


def test_rating_window(app, client, world):
    days = app.config["RESIDENT_RATING_DAYS"]
    assert days == 14
    late = _closed_need(world, closed_at=store.now() - timedelta(days=days + 1))
    page = client.get(_status(late)).get_data(as_text=True)
    assert "评价期已过" in page and 'name="satisfaction"' not in page
    client.post(
        _status(late) + "/rate", data={"csrf_token": csrf_token(client), "satisfaction": "5"}
    )
    assert store.get_need("ca", late["id"])["evaluation"] is None
    with pytest.raises(store.StoreError, match="评价期已过"):
        store.rate_need_by_resident(late["status_token"], 5, window_days=days)
    in_time = _closed_need(world, "b", closed_at=store.now() - timedelta(days=days - 1))
    assert store.rate_need_by_resident(in_time["status_token"], 5, window_days=days)
    # Staff may still take down a phone follow-up after the window.
    assert store.record_phone_followup("ca", late["id"], world.admin_a["uid"], 3)


def test_phone_followup_is_marked_with_who_recorded_it(client, auth, world):
    need = _closed_need(world)
    auth.login(world.admin_a["phone"])
    url = f"{LISTS}/needs/{need['id']}"
    page = client.get(url).get_data(as_text=True)
    assert "登记回访结果" in page and "等待提出人在进度页面评价" in page
    assert auth.post(f"{url}/followup", {"satisfaction": "3", "comment": "还行"}).status_code == 302
    evaluation = store.get_need("ca", need["id"])["evaluation"]
    assert evaluation["source"] == "phone" and evaluation["by"] == world.admin_a["uid"]
    page = client.get(url).get_data(as_text=True)
    assert "电话回访" in page and "记录人" in page and "登记回访结果" not in page
    assert "电话回访" in _audit_actions()
    # The resident's own link now shows it and offers no second rating.
    status = client.get(_status(need)).get_data(as_text=True)
    assert "电话回访" in status and "请为这次办理打分" not in status


def test_admin_cannot_type_satisfaction(client, auth, world):
    need = store.create_need("ca", category="legal", description="x", raised_by="resident")
    store.start_need("ca", need["id"], world.admin_a["uid"])
    auth.login(world.admin_a["phone"])
    url = f"{LISTS}/needs/{need['id']}"
    assert 'name="satisfaction"' not in client.get(url).get_data(as_text=True)
    auth.post(f"{url}/close", {"satisfaction": "5", "comment": "很好", "note": "已修好"})
    closed = store.get_need("ca", need["id"])
    assert closed["status"] == "已办结" and closed["evaluation"] is None
    with pytest.raises(TypeError):
        store.close_need("ca", need["id"], world.admin_a["uid"], satisfaction=5)  # type: ignore[call-arg]
    # Evaluations without a source were typed by an admin at closing (older data).
    assert store.rating_source({"satisfaction": 4}) == "社区登记"
    assert store.rating_source({"source": "phone"}) == "电话回访"


def test_whistle_page_shows_the_residents_ratings(client, auth, world):
    police = make_user("13900000601", "dept_liaison", scope="gongan")
    traffic = make_user("13900000602", "dept_liaison", scope="jiaotong")
    a = store.create_need("ca", category="legal", description="违停一", raised_by="resident")
    b = store.create_need("ca", category="legal", description="违停二", raised_by="resident")
    w = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="胡同口堵车",
        place="东四三条",
        need_refs=[("ca", a["id"]), ("ca", b["id"])],
    )
    wid = w["id"]
    for who, dept in ((police, "gongan"), (traffic, "jiaotong")):
        store.acknowledge("dongsi", wid, dept, who)
        store.arrive("dongsi", wid, dept, who, "已到场")
        store.finish("dongsi", wid, dept, who, "已疏导")
    store.start_verify("dongsi", wid, world.street)
    auth.login(world.street["phone"])
    page = client.get(f"/portal/whistles/s/dongsi/{wid}").get_data(as_text=True)
    assert 'name="resident_satisfaction"' not in page
    rating = {
        f"r_{d}_{k}": "5"
        for d in ("gongan", "jiaotong")
        for k in ("timeliness", "result", "attitude")
    }
    resp = auth.post(
        f"/portal/whistles/s/dongsi/{wid}/close",
        dict(rating, community_satisfaction="4", resident_satisfaction="1"),
    )
    assert resp.status_code == 302
    closed = store.get_whistle("dongsi", wid)
    assert closed["status"] == "已结案" and "resident_satisfaction" not in closed["assessment"]
    assert store.get_need("ca", a["id"])["evaluation"] is None
    page = client.get(f"/portal/whistles/s/dongsi/{wid}").get_data(as_text=True)
    assert "居民尚未评价" in page
    store.rate_need_by_resident(a["status_token"], 5, "车挪走了")
    store.record_phone_followup("ca", b["id"], world.admin_a["uid"], 3)
    page = client.get(f"/portal/whistles/s/dongsi/{wid}").get_data(as_text=True)
    assert "4.0 / 5" in page and "2 位居民评价" in page and "其中 1 位为电话回访" in page
    assert "车挪走了" in page
    ratings = store.resident_ratings(closed)
    assert ratings["mean"] == 4 and ratings["count"] == 2 and ratings["phone"] == 1
    # The department figures read the residents' ratings with the community's.
    month = store.now().strftime("%Y-%m")
    police_row = next(r for r in store.department_scorecard([month]) if r["dept"] == "gongan")
    assert police_row["mean_satisfaction"] == 4  # (4 + 5 + 3) / 3
