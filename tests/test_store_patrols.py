"""小巷管家 patrols in the store (files and PostgreSQL): starting, findings, ending, who
may see what, a finding turned into a need (once, even pressed twice), what a crash
between the two writes leaves, and the month's figures."""

from __future__ import annotations

import contextvars
import io
import threading
import time
from datetime import datetime

import pytest
from PIL import Image

from portal import store
from portal.store import patrols as pstore
from tests.conftest import make_user, stored_photo, stored_photos

T0 = datetime(2026, 3, 5, 9, 0, 0)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def p(world):
    """Two lanes of 东四 and one of 景山; a steward of the first 东四 lane, another of the
    second, and one of 景山's lane."""

    class P:
        w = world
        north = store.add_lane("dongsi", "东四北大街")
        alley = store.add_lane("dongsi", "史家胡同")
        jingshan = store.add_lane("jingshan", "景山前街")
        steward = make_user("13800000021", "volunteer", home_cid="ca")
        other = make_user("13800000022", "member", home_cid="ca")
        far = make_user("13800000023", "volunteer", home_cid="cc")

    by = world.street["uid"]
    P.appointment = store.appoint(
        "street", "dongsi", P.steward["uid"], "lane_steward", [P.north["id"]], by
    )
    store.appoint("street", "dongsi", P.other["uid"], "lane_steward", [P.alley["id"]], by)
    store.appoint("street", "jingshan", P.far["uid"], "lane_steward", [P.jingshan["id"]], by)
    return P


def _start(p, at=T0):
    return store.start_patrol("dongsi", p.north["id"], p.steward["uid"], at=at)


def _find(p, patrol, **extra):
    fields = {"category": "facilities", "note": "井盖松动", "place": "12号院门口"} | extra
    return store.add_patrol_finding("dongsi", patrol["id"], p.steward["uid"], **fields)


def _month_doc(month="2026-03"):
    return store.current_backend().read(f"streets/dongsi/patrols-{month}")


def test_categories_come_from_the_problem_list_marked_example(p):
    cats = store.patrol_categories()
    ids = [c["id"] for c in cats]
    assert "facilities" in ids and ids[-1] == "other"
    assert all(isinstance(c["example"], bool) for c in cats)
    assert any(c["example"] for c in cats)


def test_a_patrol_from_start_to_end(p):
    patrol = _start(p)
    assert patrol["id"].startswith("202603-")
    assert patrol["lane_name"] == "东四北大街" and patrol["ended_at"] is None
    assert store.open_patrol("dongsi", p.steward["uid"], at=T0) == patrol
    finding = _find(p, patrol, at=T0.replace(hour=9, minute=20))
    assert finding["need"] is None and finding["photo"] is None
    stored = store.get_patrol("dongsi", patrol["id"])
    assert [f["note"] for f in stored["findings"]] == ["井盖松动"]
    ended = store.end_patrol("dongsi", patrol["id"], p.steward["uid"], at=T0.replace(hour=10))
    assert ended["ended_at"] == "2026-03-05 10:00:00"
    assert store.open_patrol("dongsi", p.steward["uid"], at=T0) is None
    assert store.list_patrols("dongsi", "2026-03", p.steward["uid"])[0]["id"] == patrol["id"]
    assert store.patrol_months("dongsi") == ["2026-03"]


def test_refusals_change_nothing(p):
    patrol = _start(p)
    before = _month_doc()
    for fields, words in [
        ({"category": "nonsense"}, "请选择发现的问题类别"),
        ({"note": "  "}, "请填写发现了什么问题"),
        ({"note": "长" * 301}, "问题说明不能超过 300 个字"),
        ({"place": "长" * 61}, "具体位置不能超过 60 个字"),
        ({"photo": "../x.jpg"}, "照片无效"),
    ]:
        with pytest.raises(store.StoreError, match=words):
            _find(p, patrol, **fields)
    # Another open patrol of the same steward: refused, even of the same lane.
    with pytest.raises(store.StoreError, match="还有一次巡查没有结束"):
        _start(p)
    assert _month_doc() == before
    store.end_patrol("dongsi", patrol["id"], p.steward["uid"])
    after_end = _month_doc()
    with pytest.raises(store.StoreError, match="已经结束"):
        _find(p, patrol)
    with pytest.raises(store.StoreError, match="已经结束"):
        store.end_patrol("dongsi", patrol["id"], p.steward["uid"])
    assert _month_doc() == after_end


def test_an_open_patrol_of_last_month_blocks_a_new_one(p):
    patrol = _start(p, at=datetime(2026, 2, 28, 23, 30))
    march = datetime(2026, 3, 1, 0, 10)
    assert store.open_patrol("dongsi", p.steward["uid"], at=march)["id"] == patrol["id"]
    with pytest.raises(store.StoreError, match="还有一次巡查没有结束"):
        _start(p, at=march)
    store.end_patrol("dongsi", patrol["id"], p.steward["uid"], at=march)
    assert _start(p, at=march)["id"].startswith("202603-")


def test_only_the_steward_of_the_lane_sees_and_changes_a_patrol(p):
    # Not their lane, not a steward, another street: as if the lane did not exist.
    with pytest.raises(store.NotFound):
        store.start_patrol("dongsi", p.alley["id"], p.steward["uid"])
    with pytest.raises(store.NotFound):
        store.start_patrol("dongsi", p.north["id"], p.w.volunteer["uid"])
    with pytest.raises(store.NotFound):
        store.start_patrol("jingshan", p.jingshan["id"], p.steward["uid"])
    patrol = _start(p)
    for uid in (p.other["uid"], p.far["uid"], p.w.member["uid"]):
        with pytest.raises(store.NotFound):
            store.own_patrol("dongsi", patrol["id"], uid)
        with pytest.raises(store.NotFound):
            store.add_patrol_finding("dongsi", patrol["id"], uid, category="facilities", note="x")
        with pytest.raises(store.NotFound):
            store.end_patrol("dongsi", patrol["id"], uid)
    # The same id under another street, or a made-up one.
    for sid, pid in [("jingshan", patrol["id"]), ("dongsi", "202603-0000000000"), ("dongsi", "x")]:
        with pytest.raises(store.NotFound):
            store.own_patrol(sid, pid, p.steward["uid"])
    # An id that is no patrol's never names a document or a lock.
    with pytest.raises(store.NotFound):
        store.patrol_finding_to_need("dongsi", "../../x", "f", p.steward["uid"], community_id="ca")
    # A lane taken from the steward takes its patrols with it.
    store.change_appointment(
        "street", "dongsi", p.appointment["id"], [p.alley["id"]], p.w.street["uid"]
    )
    with pytest.raises(store.NotFound):
        store.own_patrol("dongsi", patrol["id"], p.steward["uid"])
    assert store.steward_lane_ids("dongsi", p.steward["uid"]) == [p.alley["id"]]


def test_a_finding_photo_is_reencoded_in_the_street_folder(p):
    patrol = _start(p)
    name = store.save_patrol_photo("dongsi", _jpeg())
    finding = _find(p, patrol, photo=name)
    assert stored_photo("p-dongsi", name) is not None
    data = store.patrol_photo(store.get_patrol("dongsi", patrol["id"]), finding["id"])
    assert data[:2] == b"\xff\xd8"
    with pytest.raises(store.NotFound):
        store.patrol_photo(store.get_patrol("dongsi", patrol["id"]), "nope")


def test_a_finding_becomes_a_need_once(p):
    patrol = _start(p)
    name = store.save_patrol_photo("dongsi", _jpeg())
    finding = _find(p, patrol, photo=name)
    linked, need = store.patrol_finding_to_need(
        "dongsi",
        patrol["id"],
        finding["id"],
        p.steward["uid"],
        community_id="ca",
        description="井盖松动，请尽快处理",
        urgency="urgent",
        at=T0,
    )
    stored = store.get_need("ca", need["id"])
    assert stored["raised_by"] == "alley_steward" and stored["category"] == "facilities"
    assert stored["address"] == "东四北大街 12号院门口" and stored["urgency"] == "urgent"
    assert stored["description"] == "井盖松动，请尽快处理"
    assert stored["created_by"] == p.steward["uid"]
    # The photo went with it: a copy in the community's folder.
    assert len(stored["photos"]) == 1 and stored["photos"][0] != name
    assert [ph.name for ph in stored_photos("ca")] == stored["photos"]
    assert stored_photo("p-dongsi", name) is not None
    # The finding keeps the link.
    kept = store.get_patrol_finding(store.get_patrol("dongsi", patrol["id"]), finding["id"])
    assert kept["need"] == {
        "community_id": "ca",
        "need_id": need["id"],
        "at": "2026-03-05 09:00:00",
    }
    assert linked["need"] == kept["need"]
    # A second time: refused, no second need.
    with pytest.raises(store.StoreError, match="已经转为需求"):
        store.patrol_finding_to_need(
            "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id="ca"
        )
    assert len(store.list_needs("ca")) == 1


def test_a_need_goes_only_to_a_community_of_the_street(p):
    patrol = _start(p)
    finding = _find(p, patrol)
    before = _month_doc()
    for cid in ("cc", "nowhere"):
        with pytest.raises(store.StoreError, match="请选择本街道的社区"):
            store.patrol_finding_to_need(
                "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id=cid
            )
    # Another steward cannot turn it.
    with pytest.raises(store.NotFound):
        store.patrol_finding_to_need(
            "dongsi", patrol["id"], finding["id"], p.other["uid"], community_id="ca"
        )
    # The need's own refusal (urgency) leaves no need and no link.
    with pytest.raises(store.StoreError, match="紧急程度"):
        store.patrol_finding_to_need(
            "dongsi",
            patrol["id"],
            finding["id"],
            p.steward["uid"],
            community_id="ca",
            urgency="whenever",
        )
    assert store.list_needs("ca") == [] and store.list_needs("cc") == []
    assert _month_doc() == before
    # An empty description takes the finding's note.
    _f, need = store.patrol_finding_to_need(
        "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id="cb"
    )
    assert store.get_need("cb", need["id"])["description"] == "井盖松动"


def test_a_crash_between_the_need_and_the_link_leaves_only_the_need(p, monkeypatch):
    patrol = _start(p)
    finding = _find(p, patrol)

    def crash(*_args, **_kwargs):
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(pstore.docs, "change_row", crash)
        with pytest.raises(RuntimeError):
            store.patrol_finding_to_need(
                "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id="ca"
            )
    # The need is there; the finding names none and can be turned again (a duplicate).
    assert len(store.list_needs("ca")) == 1
    assert store.get_patrol("dongsi", patrol["id"])["findings"][0]["need"] is None
    store.patrol_finding_to_need(
        "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id="ca"
    )
    assert len(store.list_needs("ca")) == 2


def test_two_presses_at_once_make_one_need(p, monkeypatch):
    patrol = _start(p)
    finding = _find(p, patrol)
    slow = pstore.needs.create_need

    def create_slowly(*args, **kwargs):
        time.sleep(0.3)
        return slow(*args, **kwargs)

    monkeypatch.setattr(pstore.needs, "create_need", create_slowly)
    outcomes: list[str] = []

    def press():
        try:
            store.patrol_finding_to_need(
                "dongsi", patrol["id"], finding["id"], p.steward["uid"], community_id="ca"
            )
            outcomes.append("made")
        except store.StoreError as exc:
            outcomes.append(str(exc))

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(press,)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == sorted(["made", "这条发现已经转为需求了。"])
    assert len(store.list_needs("ca")) == 1


def test_month_figures_per_steward_and_lane(p):
    first = _start(p)
    _find(p, first)
    second = _find(p, first, category="parking", note="车堵住胡同")
    store.patrol_finding_to_need(
        "dongsi", first["id"], second["id"], p.steward["uid"], community_id="ca"
    )
    store.end_patrol("dongsi", first["id"], p.steward["uid"], at=T0.replace(hour=10))
    again = _start(p, at=T0.replace(hour=15))
    store.end_patrol("dongsi", again["id"], p.steward["uid"], at=T0.replace(hour=16))
    # April's patrol is not March's.
    store.start_patrol("dongsi", p.alley["id"], p.other["uid"], at=datetime(2026, 4, 1, 8))
    stats = store.patrol_stats("dongsi", "2026-03")
    assert stats["total"] == {"patrols": 2, "findings": 2, "needs": 1}
    stewards = {r["uid"]: r for r in stats["stewards"]}
    assert stewards[p.steward["uid"]] == {
        "uid": p.steward["uid"],
        "patrols": 2,
        "findings": 2,
        "needs": 1,
    }
    # An appointed steward who did not patrol is listed with zeros; 景山's is not.
    assert stewards[p.other["uid"]]["patrols"] == 0 and p.far["uid"] not in stewards
    lanes = {r["lane_id"]: r for r in stats["lanes"]}
    assert lanes[p.north["id"]]["patrols"] == 2 and lanes[p.north["id"]]["needs"] == 1
    assert lanes[p.alley["id"]] == {
        "lane_id": p.alley["id"],
        "name": "史家胡同",
        "patrols": 0,
        "findings": 0,
        "needs": 0,
    }
    assert p.jingshan["id"] not in lanes
    april = store.patrol_stats("dongsi", "2026-04")
    assert april["total"]["patrols"] == 1
    assert store.patrol_stats("dongsi", "2025-01")["total"]["patrols"] == 0
    assert store.patrol_months("dongsi") == ["2026-03", "2026-04"]
    with pytest.raises(store.NotFound):
        store.patrol_stats("dongsi", "2026-13")
