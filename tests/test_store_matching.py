"""为我推荐: ranking by skill match, own community, availability, then date."""

from portal import store
from tests.conftest import make_user


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


def test_ranking_kept_per_profile_follows_profile_and_district_changes(world):
    """The order is kept per profile for as long as the district's open shifts stay the
    same: a change of skills, confirmed skills, free time or community must give the
    new profile's order at once, and a new post must show up."""
    uid = world.member["uid"]
    monday, saturday = "2099-01-05", "2099-01-03"
    legal, _s = world.post(title="法律岗", category="legal", day=monday)
    culture, _s = world.post(title="文艺岗", category="culture", day=saturday)

    def order():
        return [g["post"]["id"] for g in store.recommend_posts(uid)[0]]

    assert order() == [legal["id"], culture["id"]]  # lawyer matches 法律咨询
    store.update_profile(uid, skills=["arts"])
    assert order() == [culture["id"], legal["id"]]
    store.update_profile(uid, skills=["arts", "lawyer"])  # one match each: the weekend
    assert order() == [culture["id"], legal["id"]]
    store.update_profile(uid, availability=["weekday_day"])  # now Monday morning
    assert order() == [legal["id"], culture["id"]]
    store.confirm_skills(uid, ["arts"])
    assert order() == [culture["id"], legal["id"]]
    other, _s = world.post(cid="cb", title="乙社区法律岗", category="legal", day=monday)
    assert order() == [culture["id"], legal["id"], other["id"]]
    store.update_profile(uid, home_cid="cb")
    assert order() == [culture["id"], other["id"], legal["id"]]
    store.sign_up("cb", store.post_shifts("cb", other["id"])[0]["id"], uid)
    groups, _total = store.recommend_posts(uid)
    assert groups[1]["shifts"][0]["mine"]["status"] == "confirmed"


def test_a_page_kept_for_a_profile_shows_each_person_their_own_signups(world):
    """Two members with one profile share the page kept for it, but not their sign-ups;
    what a caller adds to the page it got stays out of the kept one."""
    post, shift = world.post(title="法律岗", category="legal")
    twin = make_user(
        "13700000011", home_cid="ca", skills=["lawyer", "mediator"], availability=["weekend"]
    )
    store.sign_up("ca", shift["id"], world.member["uid"])
    mine, total = store.recommend_posts(world.member["uid"], shown=2)
    theirs, same_total = store.recommend_posts(twin["uid"], shown=2)
    assert total == same_total == 1 and mine[0]["post"]["id"] == post["id"]
    assert mine[0]["shifts"][0]["mine"]["status"] == "confirmed"
    assert theirs[0]["shifts"][0]["mine"] is None
    assert theirs[0]["reasons"] == mine[0]["reasons"]
    mine[0]["url"] = "/changed"
    mine[0]["shifts"][0]["label"] = "changed"
    again, _total = store.recommend_posts(world.member["uid"], shown=2)
    assert "url" not in again[0] and "label" not in again[0]["shifts"][0]
    assert again[0]["shifts"][0]["mine"]["status"] == "confirmed"
