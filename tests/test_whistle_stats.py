"""Assessment figures computed from a known set of whistles (injected clock)."""

from datetime import datetime, timedelta

import pytest

from portal import store
from portal.store.whistles import stats as whistle_stats
from tests.conftest import make_user

T0 = datetime(2026, 3, 2, 9, 0, 0)


def _h(hours, base=T0):
    return base + timedelta(hours=hours)


@pytest.fixture
def known(world):
    """Three whistles in 东四 (March) and one in 景山 (February):

    A  W05-1 (交通+公安, level 1): both on time, returned once (交通), closed at +10 h
       ratings 公安 5/5/5, 交通 3/3/3; community 4.
    B  W05-3 (交通+公安, level 2): 公安 acknowledged late (+3 h, due +2 h), 交通 never; open.
    C  W05-1 again, raised +1 day: nobody acknowledged; open, overdue.
    D  景山 W08-1 (市场监管) in February, closed.
    """
    street, police, traffic = (
        world.street,
        make_user("13900000201", "dept_liaison", scope="gongan"),
        make_user("13900000202", "dept_liaison", scope="jiaotong"),
    )
    jstreet = make_user("13900000203", "street_admin", scope="jingshan")
    market = make_user("13900000204", "dept_liaison", scope="shichang")

    a = store.create_whistle("dongsi", street, item_id="W05-1", description="a", place="p", at=T0)
    for who, dept in ((police, "gongan"), (traffic, "jiaotong")):
        store.acknowledge("dongsi", a["id"], dept, who, at=_h(0.5))
        store.arrive("dongsi", a["id"], dept, who, at=_h(1.5))
        store.finish("dongsi", a["id"], dept, who, "ok", at=_h(3))
    store.start_verify("dongsi", a["id"], street, at=_h(4))
    store.return_for_rework("dongsi", a["id"], street, "再清理", ["jiaotong"], at=_h(5))
    store.finish("dongsi", a["id"], "jiaotong", traffic, "ok", at=_h(6))
    store.start_verify("dongsi", a["id"], street, at=_h(7))
    store.close_whistle(
        "dongsi",
        a["id"],
        street,
        {
            "gongan": {"timeliness": 5, "result": 5, "attitude": 5},
            "jiaotong": {"timeliness": 3, "result": 3, "attitude": 3},
        },
        community_satisfaction=4,
        at=_h(10),
    )

    b = store.create_whistle(
        "dongsi", street, item_id="W05-3", description="b", place="p", at=_h(1)
    )
    store.acknowledge("dongsi", b["id"], "gongan", police, at=_h(4))

    c = store.create_whistle(
        "dongsi", street, item_id="W05-1", description="c", place="p", at=_h(24)
    )

    feb = datetime(2026, 2, 5, 9)
    d = store.create_whistle(
        "jingshan", jstreet, item_id="W08-1", description="d", place="p", at=feb
    )
    store.acknowledge("jingshan", d["id"], "shichang", market, at=_h(1, feb))
    store.arrive("jingshan", d["id"], "shichang", market, at=_h(2, feb))
    store.finish("jingshan", d["id"], "shichang", market, "ok", at=_h(5, feb))
    store.start_verify("jingshan", d["id"], jstreet, at=_h(6, feb))
    store.close_whistle(
        "jingshan",
        d["id"],
        jstreet,
        {"shichang": {"timeliness": 4, "result": 4, "attitude": 4}},
        at=_h(8, feb),
    )
    return {"a": a, "b": b, "c": c, "d": d}


AT = _h(48)  # two days after T0: B and C are overdue


def _card(months, streets=None):
    return {c["dept"]: c for c in whistle_stats.department_scorecard(months, streets, AT)}


def test_department_scorecard(known):
    card = _card(["2026-03"], ["dongsi"])
    police = card["gongan"]
    assert police["received"] == 3
    # Acknowledged A (on time) and B (late); C was never acknowledged and is past due.
    assert police["response_rate"] == pytest.approx(2 / 3, abs=0.001)
    assert police["ack_on_time"] == pytest.approx(1 / 3, abs=0.001)
    # Arrival: A on time; B and C past due without arrival.
    assert police["arrive_on_time"] == pytest.approx(1 / 3, abs=0.001)
    assert police["resolved"] == 1 and police["resolution_rate"] == pytest.approx(0.333, abs=0.001)
    assert police["mean_rating"] == 5 and police["mean_satisfaction"] == 4
    assert police["returns"] == 0
    traffic = card["jiaotong"]
    assert traffic["received"] == 3 and traffic["returns"] == 1 and traffic["mean_rating"] == 3
    assert traffic["response_rate"] == pytest.approx(1 / 3, abs=0.001)
    assert card["shichang"]["received"] == 0 and card["shichang"]["response_rate"] is None


def test_scorecard_before_the_deadline_leaves_undecided_steps_out(known):
    # At T0 + 25 h whistle C (raised at +24 h) is still within its 1-hour acknowledge target.
    card = {
        c["dept"]: c for c in whistle_stats.department_scorecard(["2026-03"], ["dongsi"], _h(24.5))
    }
    assert card["gongan"]["ack_on_time"] == 0.5  # A on time, B late, C undecided


def test_district_wide_and_period(known):
    card = _card(["2026-02", "2026-03"])
    assert card["shichang"]["received"] == 1 and card["shichang"]["resolution_rate"] == 1.0
    assert card["shichang"]["ack_on_time"] == 1.0 and card["shichang"]["mean_rating"] == 4
    assert _card(["2026-02"])["gongan"]["received"] == 0


def test_street_figures(known):
    figures = whistle_stats.street_figures("dongsi", ["2026-03"], AT)
    assert figures["raised"] == 3 and figures["closed"] == 1
    assert figures["by_category"] == {"W05": 3}
    assert figures["by_level"] == {1: 2, 2: 1, 3: 0}
    assert figures["mean_hours_to_close"] == 10
    assert figures["open_now"] == 2 and figures["overdue_now"] == 2
    early = whistle_stats.street_figures("dongsi", ["2026-03"], _h(1.2))
    assert early["overdue_now"] == 0
    assert whistle_stats.street_figures("jingshan", ["2026-03"], AT)["open_now"] == 0


def test_monthly_top_item_with_trend(known):
    top = whistle_stats.top_whistle_item(["dongsi", "jingshan"], "2026-03")
    assert top["item_id"] == "W05-1" and top["count"] == 2
    assert top["trend"][-2:] == [("2026-02", 0), ("2026-03", 2)]
    assert len(top["trend"]) == 6
    assert [w["id"] for w in top["whistles"]] == [known["a"]["id"], known["c"]["id"]]
    feb = whistle_stats.top_whistle_item(None, "2026-02")
    assert feb["item_id"] == "W08-1"
    assert whistle_stats.top_whistle_item(None, "2026-01") is None
    with pytest.raises(store.StoreError):
        whistle_stats.top_whistle_item(None, "2026-13")


def test_public_item_counts_and_report(known):
    counts = whistle_stats.item_counts()
    assert counts["W05-1"] == {"open": 1, "closed": 1}
    assert counts["W08-1"] == {"open": 0, "closed": 1}
    assert whistle_stats.item_counts("W05-3") == {"W05-3": {"open": 1, "closed": 0}}
    report = whistle_stats.monthly_report("dongsi", "2026-03", AT)
    assert {c["dept"] for c in report["scorecard"]} == {"gongan", "jiaotong"}
    assert len(report["whistles"]) == 3


def test_period_of():
    assert whistle_stats.period_of("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    with pytest.raises(store.StoreError):
        whistle_stats.period_of("2020-01", "2026-02")
