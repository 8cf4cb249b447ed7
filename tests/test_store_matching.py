"""为我推荐: ranking by skill match, own community, availability, then date."""

from portal import store


def test_ranking_order_and_reasons(world):
    saturday = "2099-01-03"  # a Saturday
    monday = "2099-01-05"
    _p, legal_other = world.post(
        cid="cc", category="legal", day=monday, skills=[{"skill": "lawyer", "count": 1}]
    )
    _p, legal_own = world.post(
        cid="ca",
        category="legal",
        day=monday,
        start="13:00",
        end="14:00",
        skills=[{"skill": "lawyer", "count": 1}],
    )
    _p, culture_own_weekend = world.post(cid="ca", category="culture", day=saturday)
    _p, culture_own_weekday = world.post(
        cid="ca", category="culture", day=monday, start="15:00", end="16:00"
    )
    store.confirm_report_in(
        "ca", store.submit_report_in(world.member["uid"], "ca")["id"], world.admin_a["uid"]
    )
    rows = store.recommend_shifts(world.member["uid"])
    order = [r["shift"]["id"] for r in rows]
    assert order == [
        legal_own["id"],
        legal_other["id"],
        culture_own_weekend["id"],
        culture_own_weekday["id"],
    ]
    assert rows[0]["reasons"][0] == "专长匹配（未确认）：律师与法律咨询"
    assert "在您所在的社区" in rows[0]["reasons"]
    assert "符合您的空闲时间：周末" in rows[2]["reasons"]


def test_category_skills_used_when_post_names_none(world):
    _p, mediation = world.post(category="mediation")  # category skills include mediator
    row = store.recommend_shifts(world.member["uid"])[0]
    assert row["shift"]["id"] == mediation["id"]
    assert row["matched"] == ["mediator", "lawyer"] or row["matched"] == ["lawyer", "mediator"]


def test_only_matching_filter_and_my_signup_marked(world):
    _p, legal = world.post(category="legal")
    _p, culture = world.post(cid="cb", category="culture")
    only = store.recommend_shifts(world.member["uid"], only_matching=True)
    assert [r["shift"]["id"] for r in only] == [legal["id"]]
    store.sign_up("ca", legal["id"], world.member["uid"])
    rows = {r["shift"]["id"]: r for r in store.recommend_shifts(world.member["uid"])}
    assert rows[legal["id"]]["mine"]["status"] == "confirmed"
    assert rows[culture["id"]]["mine"] is None
