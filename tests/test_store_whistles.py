"""Whistles in the store: raising, the state machine (rework, escalation), requests,
time targets and overdue flags with an injected clock."""

from datetime import datetime, timedelta

import pytest

from portal import store
from portal.store.whistles import core as wstore
from tests.conftest import make_user

T0 = datetime(2026, 3, 2, 9, 0, 0)


def _h(hours):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def w(world):
    """People of one whistle: the street admin, two liaisons, the district admin."""

    class W:
        street = world.street
        district = world.district
        police = make_user("13900000101", "dept_liaison", scope="gongan")
        traffic = make_user("13900000102", "dept_liaison", scope="jiaotong")

    return W


def _raise(w, item="W05-1", at=T0, **extra):
    # W05-1 (违法停车堵塞胡同通道): level 1, departments 交通 and 公安.
    return store.create_whistle(
        "dongsi",
        w.street,
        item_id=item,
        description="胡同口长期堵车",
        place="东四三条",
        at=at,
        **extra,
    )


def _to_done(w, wid):
    for who, dept in ((w.police, "gongan"), (w.traffic, "jiaotong")):
        store.acknowledge("dongsi", wid, dept, who, at=_h(0.5))
        store.arrive("dongsi", wid, dept, who, "已到场", at=_h(1))
        store.finish("dongsi", wid, dept, who, "已疏导", at=_h(3))
    return store.get_whistle("dongsi", wid)


def test_raise_prefills_departments_and_due_times_from_the_level(w):
    whistle = _raise(w)
    assert whistle["status"] == "已吹哨" and whistle["level"] == 1
    assert list(whistle["departments"]) == ["jiaotong", "gongan"]
    # Level 1 in whistles.yml: acknowledge 1 h, arrive 2 h, resolve 24 h.
    assert whistle["due"] == {
        "acknowledge": "2026-03-02 10:00:00",
        "arrive": "2026-03-02 11:00:00",
        "resolve": "2026-03-03 09:00:00",
    }
    assert whistle["id"].startswith("202603-")
    assert store.get_whistle("dongsi", whistle["id"]) == whistle
    assert [x["id"] for x in store.open_whistles(["dongsi"])] == [whistle["id"]]
    with pytest.raises(store.NotFound):
        store.get_whistle("jingshan", whistle["id"])


def test_raise_refuses_bad_input(w):
    with pytest.raises(store.NotFound):
        _raise(w, item="W99-9")
    with pytest.raises(store.StoreError):
        _raise(w, departments=[])
    with pytest.raises(store.NotFound):
        _raise(w, departments=["nowhere"])
    with pytest.raises(store.StoreError):
        store.create_whistle("dongsi", w.street, item_id="W05-1", description="  ", place="x")


def test_full_loop_with_rework_and_close(w, world):
    whistle = _raise(w)
    wid = whistle["id"]
    after = store.acknowledge("dongsi", wid, "gongan", w.police, at=_h(0.5))
    assert after["status"] == "已吹哨"  # one of two reported
    with pytest.raises(store.StoreError):
        store.acknowledge("dongsi", wid, "gongan", w.police, at=_h(0.6))
    with pytest.raises(store.StoreError):
        store.arrive("dongsi", wid, "jiaotong", w.traffic, at=_h(0.6))  # not yet reported
    after = store.acknowledge("dongsi", wid, "jiaotong", w.traffic, at=_h(0.7))
    assert after["status"] == "部门已报到"
    after = store.arrive("dongsi", wid, "gongan", w.police, "到场", at=_h(1))
    assert after["status"] == "处置中"
    after = store.add_progress("dongsi", wid, "gongan", w.police, "劝离车辆 3 辆", at=_h(1.5))
    assert after["timeline"][-1]["text"] == "劝离车辆 3 辆"
    with pytest.raises(store.StoreError):
        store.start_verify("dongsi", wid, w.street, at=_h(2))
    store.finish("dongsi", wid, "gongan", w.police, "完成", at=_h(2))
    store.arrive("dongsi", wid, "jiaotong", w.traffic, at=_h(2))
    after = store.finish("dongsi", wid, "jiaotong", w.traffic, "完成", at=_h(3))
    assert after["status"] == "部门已办结"
    with pytest.raises(store.StoreError):
        store.add_progress("dongsi", wid, "gongan", w.police, "再补一句", at=_h(3.1))
    with pytest.raises(store.StoreError):  # close only after verification
        store.close_whistle("dongsi", wid, w.street, {}, at=_h(3.2))
    assert store.start_verify("dongsi", wid, w.street, at=_h(4))["status"] == "街道核验"

    after = store.return_for_rework("dongsi", wid, w.street, "仍有车辆", ["jiaotong"], at=_h(5))
    assert after["status"] == "退回重办" and after["returns"] == 1
    assert after["departments"]["jiaotong"]["state"] == "处置中"
    assert after["departments"]["jiaotong"]["returns"] == 1
    assert after["departments"]["gongan"]["state"] == "已办结"
    with pytest.raises(store.StoreError):
        store.finish("dongsi", wid, "gongan", w.police, "x", at=_h(5.5))
    after = store.finish("dongsi", wid, "jiaotong", w.traffic, "加装隔离桩", at=_h(6))
    assert after["status"] == "部门已办结"
    store.start_verify("dongsi", wid, w.street, at=_h(7))

    ratings = {
        "gongan": {"timeliness": 5, "result": 4, "attitude": 5},
        "jiaotong": {"timeliness": "3", "result": "4", "attitude": "4"},
    }
    with pytest.raises(store.StoreError):
        store.close_whistle("dongsi", wid, w.street, {"gongan": ratings["gongan"]}, at=_h(8))
    closed = store.close_whistle("dongsi", wid, w.street, ratings, at=_h(8))
    assert closed["status"] == "已结案" and closed["closed_at"] == "2026-03-02 17:00:00"
    assert closed["assessment"]["ratings"]["jiaotong"] == {
        "timeliness": 3,
        "result": 4,
        "attitude": 4,
    }
    assert store.open_whistles(["dongsi"]) == []
    # 全程追踪: who and what, in order.
    actions = [e["action"] for e in closed["timeline"]]
    assert actions[0] == "街道吹哨" and actions[-1] == "结案评价" and "退回重办" in actions
    assert all(e["by"] and e["at"] for e in closed["timeline"])
    with pytest.raises(store.StoreError):
        store.return_for_rework("dongsi", wid, w.street, "再退", at=_h(9))


def test_overdue_flags_follow_the_injected_clock(w):
    whistle = _raise(w)
    wid = whistle["id"]
    assert store.overdue_steps(whistle, at=_h(0.9)) == []
    late = store.overdue_steps(whistle, at=_h(1.5))
    assert {(s["dept"], s["step"]) for s in late} == {
        ("gongan", "acknowledge"),
        ("jiaotong", "acknowledge"),
    }
    store.acknowledge("dongsi", wid, "gongan", w.police, at=_h(0.5))
    whistle = store.acknowledge("dongsi", wid, "jiaotong", w.traffic, at=_h(1.5))
    assert store.overdue_steps(whistle, at=_h(1.9)) == []
    late = store.overdue_steps(whistle, at=_h(2.5))
    assert {(s["dept"], s["step"]) for s in late} == {("gongan", "arrive"), ("jiaotong", "arrive")}
    from portal.store.whistles.flow import was_on_time

    assert was_on_time(whistle, "gongan", "acknowledge") is True
    assert was_on_time(whistle, "jiaotong", "acknowledge") is False
    assert was_on_time(whistle, "gongan", "arrive", at=_h(1)) is None
    whistle = _to_done_after(w, wid)
    assert store.overdue_steps(whistle, at=_h(20)) == []
    assert [s["step"] for s in store.overdue_steps(whistle, at=_h(25))] == ["close"]


def _to_done_after(w, wid):
    for who, dept in ((w.police, "gongan"), (w.traffic, "jiaotong")):
        store.arrive("dongsi", wid, dept, who, at=_h(3))
        store.finish("dongsi", wid, dept, who, "好了", at=_h(4))
    return store.get_whistle("dongsi", wid)


def test_escalation_needs_an_overdue_step_and_stops_at_level_3(w, world, monkeypatch):
    whistle = _raise(w, item="W05-3")  # level 2
    wid = whistle["id"]
    with pytest.raises(store.StoreError, match="没有超时"):
        store.escalate("dongsi", wid, w.street, "催办", at=_h(1))
    after = store.escalate("dongsi", wid, w.street, "部门未报到", at=_h(3))
    assert after["level"] == 3 and after["initial_level"] == 2
    assert after["escalations"][0]["from"] == 2 and after["timeline"][-1]["action"] == "超时升级"
    # Time targets stay those of the level at raising.
    assert after["due"] == whistle["due"]
    with pytest.raises(store.StoreError, match="最高等级"):
        store.escalate("dongsi", wid, w.street, "再升", at=_h(4))
    with pytest.raises(store.StoreError):
        store.escalate("dongsi", wid, w.street, "", at=_h(4))


def test_request_from_a_need_becomes_a_whistle_and_closing_closes_the_need(w, world):
    need = store.create_need(
        "ca", category=_category(), description="楼下违停挡住救护车", raised_by="resident"
    )
    req = store.request_whistle("ca", need["id"], world.admin_a, "社区多次劝导无效", "W05-1")
    assert req["status"] == "待街道处理" and req["street_id"] == "dongsi"
    with pytest.raises(store.StoreError, match="已经提请"):
        store.request_whistle("ca", need["id"], world.admin_a, "再提一次")
    whistle = _raise(w, need_refs=[("ca", need["id"])], request_id=req["id"])
    assert whistle["community_id"] == "ca"
    assert store.get_request("dongsi", req["id"])["status"] == "已吹哨"
    _to_done(w, whistle["id"])
    store.start_verify("dongsi", whistle["id"], w.street, at=_h(4))
    ratings = {d: {"timeliness": 4, "result": 4, "attitude": 4} for d in ("gongan", "jiaotong")}
    store.close_whistle("dongsi", whistle["id"], w.street, ratings, 4, "已加装隔离桩", at=_h(5))
    closed_need = store.get_need("ca", need["id"])
    # The street types no 居民满意度: the resident rates the need on its status link.
    assert closed_need["status"] == "已办结" and closed_need["evaluation"] is None


def test_decline_request_and_other_street_needs(w, world):
    need = store.create_need("ca", category=_category(), description="x", raised_by="resident")
    req = store.request_whistle("ca", need["id"], world.admin_a, "请吹哨")
    with pytest.raises(store.StoreError):
        store.decline_request("dongsi", req["id"], w.street, "")
    row = store.decline_request("dongsi", req["id"], w.street, "社区可自行协调物业")
    assert row["status"] == "未予吹哨"
    with pytest.raises(store.StoreError):
        _raise(w, request_id=req["id"])
    other = store.create_need("cc", category=_category(), description="y", raised_by="resident")
    with pytest.raises(store.StoreError, match="本街道"):
        _raise(w, need_refs=[("cc", other["id"])])


def test_department_filter_and_months(w):
    a = _raise(w)  # 交通 + 公安
    b = _raise(w, item="W08-1", at=datetime(2026, 2, 10, 9))  # 市场监管, February
    assert [x["id"] for x in store.list_whistles(["dongsi"], department="gongan")] == [a["id"]]
    assert [x["id"] for x in store.list_whistles(["dongsi"], department="shichang")] == [b["id"]]
    assert [x["id"] for x in wstore.whistles_in(["dongsi"], ["2026-02"])] == [b["id"]]
    # An open whistle of an earlier month is listed with the recent months.
    assert {x["id"] for x in store.list_whistles(["dongsi"], months=["2026-03"])} == {
        a["id"],
        b["id"],
    }


def test_photos_are_reencoded_and_only_served_for_their_whistle(w):
    import io
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 0, 0)).save(buf, "JPEG")
    name = store.save_whistle_photo("dongsi", buf.getvalue())
    whistle = _raise(w, photos=[name])
    assert store.whistle_photo(whistle, name)[:2] == b"\xff\xd8"  # a JPEG
    other = _raise(w)
    with pytest.raises(store.NotFound):
        store.whistle_photo(other, name)


def _category():
    from kb import data as kbdata

    return kbdata.taxonomy()["categories"][0]["id"]
