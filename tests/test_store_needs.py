"""The needs list at the store level: states, notes, evaluations, scope, photos, statistics."""

from datetime import datetime

import pytest

from portal import store

T0 = datetime(2026, 3, 2, 9, 0)


def _need(cid="ca", at=T0, category="elderly", **extra):
    fields = {
        "category": category,
        "description": "楼道灯坏了",
        "raised_by": "resident",
        "building": "3号楼",
        "urgency": "normal",
        "phone": "13900000001",
    }
    fields.update(extra)
    return store.create_need(cid, at=at, **fields)


def test_create_need_pending_with_private_token(world):
    need = _need()
    token = need["status_token"]
    assert need["status"] == "待处理" and need["created_at"] == "2026-03-02 09:00:00"
    stored = store.get_need("ca", need["id"])
    assert "status_token" not in stored and token not in str(stored)
    assert store.need_by_token(token)["id"] == need["id"]
    assert store.list_needs("ca") == [stored]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("category", "nope", "需求分类"),
        ("description", "  ", "需求描述"),
        ("raised_by", "mayor", "提出人"),
        ("urgency", "asap", "紧急程度"),
        ("phone", "12345", "手机号"),
        ("description", "长" * 1001, "1000"),
    ],
)
def test_create_need_refusals_store_nothing(world, field, value, message):
    with pytest.raises(store.StoreError, match=message):
        _need(**{field: value})
    assert store.list_needs("ca") == []


def test_need_of_unknown_community_refused(world):
    with pytest.raises(store.NotFound):
        _need(cid="nowhere")


def test_bad_tokens_are_not_found(world):
    need = _need()
    cid, secret = need["status_token"].split(".", 1)
    for token in ("", "ca", f"cb.{secret}", f"ca.{secret}x", "../etc.passwd", f"zz.{secret}"):
        with pytest.raises(store.NotFound):
            store.need_by_token(token)


def test_full_life_cycle_with_dated_notes(world):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    started = store.start_need("ca", nid, uid, "已联系物业", at=datetime(2026, 3, 2, 10))
    assert started["status"] == "处理中"
    store.add_need_note("ca", nid, uid, "物业明天上门", at=datetime(2026, 3, 3, 8))
    closed = store.close_need("ca", nid, uid, at=datetime(2026, 3, 4, 17))
    assert closed["evaluation"] is None  # closing records no satisfaction
    store.record_phone_followup("ca", nid, uid, 4, "修得很快", at=datetime(2026, 3, 4, 18))
    assert closed["status"] == "已办结" and closed["closed_at"] == "2026-03-04 17:00:00"
    need = store.get_need("ca", nid)
    assert [(n["at"], n["status"], n["text"]) for n in need["notes"]] == [
        ("2026-03-02 10:00:00", "处理中", "已联系物业"),
        ("2026-03-03 08:00:00", "处理中", "物业明天上门"),
        ("2026-03-04 17:00:00", "已办结", "需求已办结。"),
    ]
    assert need["evaluation"]["satisfaction"] == 4 and need["evaluation"]["comment"] == "修得很快"


def test_refused_transitions_change_nothing(world):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    with pytest.raises(store.StoreError, match="先开始处理"):
        store.close_need("ca", nid, uid)
    with pytest.raises(store.StoreError, match="已办结的需求"):
        store.reopen_need("ca", nid, uid, "再看看")
    assert store.get_need("ca", nid)["status"] == "待处理"
    store.start_need("ca", nid, uid)
    with pytest.raises(store.StoreError, match="待处理的需求"):
        store.start_need("ca", nid, uid)
    with pytest.raises(store.StoreError, match="进展说明"):
        store.add_need_note("ca", nid, uid, "   ")
    before = store.get_need("ca", nid)
    store.close_need("ca", nid, uid)
    with pytest.raises(store.StoreError, match="已经办结"):
        store.close_need("ca", nid, uid)
    assert len(before["notes"]) == 1
    assert store.get_need("ca", nid)["evaluation"] is None


@pytest.mark.parametrize("score", [0, 6, -1, "x", None, 2.5, True])
def test_satisfaction_must_be_1_to_5(world, score):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    store.start_need("ca", nid, uid)
    store.close_need("ca", nid, uid)
    before = store.get_need("ca", nid)
    with pytest.raises(store.StoreError, match="满意度"):
        store.record_phone_followup("ca", nid, uid, score)
    assert store.get_need("ca", nid) == before


@pytest.mark.parametrize("score", [1, 5, "1", "5"])
def test_satisfaction_bounds_accepted(world, score):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    store.start_need("ca", nid, uid)
    store.close_need("ca", nid, uid)
    followed = store.record_phone_followup("ca", nid, uid, score)
    assert followed["evaluation"]["satisfaction"] == int(score)


def test_reopen_keeps_evaluation_in_history(world):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    store.start_need("ca", nid, uid)
    store.close_need("ca", nid, uid)
    store.record_phone_followup("ca", nid, uid, 2, "没修好")
    with pytest.raises(store.StoreError, match="重新打开的原因"):
        store.reopen_need("ca", nid, uid, " ")
    assert store.get_need("ca", nid)["status"] == "已办结"
    reopened = store.reopen_need("ca", nid, uid, "灯又坏了", at=datetime(2026, 3, 9))
    assert reopened["status"] == "处理中" and reopened["closed_at"] is None
    assert reopened["evaluation"] is None
    assert [e["satisfaction"] for e in reopened["evaluation_history"]] == [2]
    assert reopened["notes"][-1]["text"] == "灯又坏了"
    store.close_need("ca", nid, uid)
    store.record_phone_followup("ca", nid, uid, 5, "这次好了")
    need = store.get_need("ca", nid)
    assert need["evaluation"]["satisfaction"] == 5
    assert [e["satisfaction"] for e in need["evaluation_history"]] == [2]


def test_other_communitys_need_is_not_found(world):
    nid = _need(cid="cb")["id"]
    uid = world.admin_a["uid"]
    with pytest.raises(store.NotFound):
        store.get_need("ca", nid)
    for call in (
        lambda: store.start_need("ca", nid, uid),
        lambda: store.add_need_note("ca", nid, uid, "x"),
        lambda: store.close_need("ca", nid, uid),
        lambda: store.reopen_need("ca", nid, uid, "x"),
    ):
        with pytest.raises(store.NotFound):
            call()
    assert store.get_need("cb", nid)["status"] == "待处理"
    assert store.list_needs("ca") == []


def test_post_from_need_links_need_and_project(world):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    project = store.create_project("ca", uid, name="楼道照明")
    store.link_need("ca", project["id"], nid)
    post = store.create_post_for_need(
        "ca",
        nid,
        uid,
        title="楼道巡查",
        category="elderly",
        description="d",
        place="3号楼",
        kind="standing",
        shifts=[{"capacity": 2}],
    )
    assert post["need_id"] == nid
    assert store.get_post("ca", post["id"])["need_id"] == nid
    assert store.get_need("ca", nid)["post_ids"] == [post["id"]]
    assert store.get_project("ca", project["id"])["post_ids"] == [post["id"]]


def test_post_from_closed_need_refused(world):
    uid = world.admin_a["uid"]
    nid = _need()["id"]
    store.start_need("ca", nid, uid)
    store.close_need("ca", nid, uid)
    with pytest.raises(store.StoreError, match="已办结"):
        store.create_post_for_need(
            "ca",
            nid,
            uid,
            title="t",
            category="elderly",
            description="d",
            place="p",
            kind="standing",
            shifts=[{"capacity": 1}],
        )
    assert store.list_posts("ca") == []


def test_post_from_other_communitys_need_refused(world):
    nid = _need(cid="cb")["id"]
    with pytest.raises(store.NotFound):
        store.create_post_for_need(
            "ca",
            nid,
            world.admin_a["uid"],
            title="t",
            category="elderly",
            description="d",
            place="p",
            kind="standing",
            shifts=[{"capacity": 1}],
        )
    assert store.list_posts("ca") == []


# ---------------------------------------------------------------- statistics


def _close(cid, nid, score, at):
    store.start_need(cid, nid, "admin", at=at)
    store.close_need(cid, nid, "admin", at=at)
    store.record_phone_followup(cid, nid, "admin", score, at=at)


@pytest.fixture
def dataset(world):
    """Needs in ca and cb (and one in cc, outside the cids asked about)."""
    n = {}
    n["jan_elderly"] = _need(at=datetime(2026, 1, 10), category="elderly")["id"]
    n["feb_elderly"] = _need(at=datetime(2026, 2, 3), category="elderly")["id"]
    n["feb_legal"] = _need(at=datetime(2026, 2, 5), category="legal")["id"]
    n["mar_legal1"] = _need(at=datetime(2026, 3, 1), category="legal")["id"]
    n["mar_legal2"] = _need(cid="cb", at=datetime(2026, 3, 2), category="legal")["id"]
    n["mar_elderly"] = _need(at=datetime(2026, 3, 31, 23, 59), category="elderly")["id"]
    n["cc_mar"] = _need(cid="cc", at=datetime(2026, 3, 5), category="elderly")["id"]
    _close("ca", n["jan_elderly"], 4, datetime(2026, 2, 1))
    _close("ca", n["feb_legal"], 2, datetime(2026, 3, 10))
    _close("cb", n["mar_legal2"], 5, datetime(2026, 3, 20))
    _close("cc", n["cc_mar"], 1, datetime(2026, 3, 21))
    # closed in March, then reopened: not counted as closed
    _close("ca", n["feb_elderly"], 1, datetime(2026, 3, 15))
    store.reopen_need("ca", n["feb_elderly"], "admin", "又坏了", at=datetime(2026, 3, 16))
    return n


def test_needs_stats(dataset):
    stats = store.needs_stats(["ca", "cb"], ["2026-01", "2026-02", "2026-03"])
    assert stats["opened"] == {"2026-01": 1, "2026-02": 2, "2026-03": 3}
    assert stats["closed"] == {"2026-01": 0, "2026-02": 1, "2026-03": 2}
    assert stats["mean_satisfaction"] == pytest.approx((4 + 2 + 5) / 3, abs=0.01)
    assert stats["by_category"] == {
        "2026-01": {"elderly": 1},
        "2026-02": {"elderly": 1, "legal": 1},
        "2026-03": {"legal": 2, "elderly": 1},
    }
    only_march = store.needs_stats(["ca"], ["2026-03"])
    assert only_march["opened"] == {"2026-03": 2} and only_march["closed"] == {"2026-03": 1}
    assert only_march["mean_satisfaction"] == 2.0


def test_needs_stats_empty(world):
    stats = store.needs_stats(["ca", "cb"], ["2026-03"])
    assert stats == {
        "opened": {"2026-03": 0},
        "closed": {"2026-03": 0},
        "mean_satisfaction": None,
        "by_category": {"2026-03": {}},
    }


def test_monthly_topic_counts_needs_under_hotline_categories(dataset):
    # 每月一题 is cross-channel now: needs count under the hotline category that covers
    # them (hotline.yml: 邻里纠纷 covers 法律 and 调解, 养老助残 covers 为老服务).
    top = store.top_monthly_topic("dongsi", "2026-03")
    assert top["category"] == "neighbours" and top["count"] == 2
    assert top["by_channel"] == {"orders": 0, "needs": 2, "whistles": 0, "total": 2}
    assert top["trend"] == [
        ("2025-10", 0),
        ("2025-11", 0),
        ("2025-12", 0),
        ("2026-01", 0),
        ("2026-02", 1),
        ("2026-03", 2),
    ]
    assert top["ranking"][1][0] == "elderly" and top["ranking"][1][1]["needs"] == 1
    # the district counts cc too: elderly ties neighbours (2 each), hotline.yml's order decides
    cats = [c["id"] for c in store.hotline_config()["categories"]]
    tied = store.top_monthly_topic("district", "2026-03")
    assert tied["category"] == min(("neighbours", "elderly"), key=cats.index)
    assert store.top_monthly_topic("jingshan", "2026-03")["category"] == "elderly"
    assert store.top_monthly_topic("dongsi", "2026-02")["count"] == 1
    assert store.top_monthly_topic("dongsi", "2025-12") is None


def test_monthly_topic_trend_crosses_year(world):
    _need(at=datetime(2025, 11, 3), category="legal")
    _need(at=datetime(2026, 1, 3), category="legal")
    top = store.top_monthly_topic("dongsi", "2026-01")
    assert top["trend"] == [
        ("2025-08", 0),
        ("2025-09", 0),
        ("2025-10", 0),
        ("2025-11", 1),
        ("2025-12", 0),
        ("2026-01", 1),
    ]
    with pytest.raises(store.StoreError):
        store.top_monthly_topic("dongsi", "2026-13")
