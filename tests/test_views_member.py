"""Member flows through the client: report in, 为我推荐, sign up, waiting list, cancel."""

from datetime import datetime, timedelta

import pytest

from portal import store
from tests.conftest import csrf_token, make_user


def test_member_home_requires_login_and_role(client, auth, world):
    assert client.get("/portal/me").status_code == 302
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/me").status_code == 403


def test_report_in_via_join_link(client, auth, world):
    auth.login(world.member["phone"])
    page = client.get("/portal/join/ca").get_data(as_text=True)
    assert "测试甲社区" in page and "/portal/c/ca/report-in" in page
    response = auth.post("/portal/c/ca/report-in")
    assert response.status_code == 302
    assert store.current_report_state(world.member["uid"])["pending"]["community_id"] == "ca"
    home = client.get("/portal/me").get_data(as_text=True)
    assert "正在等待社区确认" in home
    again = auth.post("/portal/c/cb/report-in", follow=True).get_data(as_text=True)
    assert "等待社区确认" in again


def test_join_link_for_anonymous_offers_register(client, world):
    html = client.get("/portal/join/ca").get_data(as_text=True)
    assert "/portal/register?community=ca" in html
    assert client.get("/portal/join/nope").status_code == 404


def test_sign_up_waiting_and_cancel_flow(client, auth, world):
    _post, shift = world.post(capacity=1)
    store.sign_up("ca", shift["id"], world.volunteer["uid"])
    auth.login(world.member["phone"])
    html = auth.post(f"/portal/c/ca/shifts/{shift['id']}/signup", follow=True).get_data(
        as_text=True
    )
    assert "候补名单第 1 位" in html
    assert store.user_signups(world.member["uid"])[0]["status"] == "waiting"
    # the confirmed volunteer cancels: the member is promoted
    store.cancel_signup("ca", shift["id"], world.volunteer["uid"])
    assert store.user_signups(world.member["uid"])[0]["status"] == "confirmed"
    html = auth.post(f"/portal/c/ca/shifts/{shift['id']}/cancel", follow=True).get_data(
        as_text=True
    )
    assert "已取消报名" in html and store.user_signups(world.member["uid"]) == []


def test_sign_up_refusal_is_flashed_in_chinese(client, auth, world):
    post, shift = world.post()
    store.set_post_status("ca", post["id"], "closed")
    auth.login(world.member["phone"])
    html = auth.post(f"/portal/c/ca/shifts/{shift['id']}/signup", follow=True).get_data(
        as_text=True
    )
    assert "这个岗位已经停止报名" in html
    assert store.user_signups(world.member["uid"]) == []


def test_sign_up_needs_csrf_and_post(client, auth, world):
    _post, shift = world.post()
    auth.login(world.member["phone"])
    url = f"/portal/c/ca/shifts/{shift['id']}/signup"
    assert client.post(url).status_code == 400
    assert client.get(url).status_code == 405
    assert store.user_signups(world.member["uid"]) == []


def test_sign_up_unknown_shift_is_404(client, auth, world):
    auth.login(world.member["phone"])
    assert auth.post("/portal/c/ca/shifts/nope/signup").status_code == 404
    assert auth.post("/portal/c/zz/shifts/nope/signup").status_code == 404


@pytest.mark.backends("postgresql")
def test_a_sign_up_asks_the_database_six_statements_in_five_round_trips(
    client, auth, world, monkeypatch
):
    """The round trips of a sign-up on PostgreSQL (docs/ARCHITECTURE.md), right after
    another server wrote (so nothing cached is trusted unchecked): the change stamps
    with the account, the shift's community with the person's pointers, the months the
    checks read, BEGIN with the locks and the rows (one pipeline), and the write with
    COMMIT (another). A statement added to the path fails this test."""
    import psycopg

    _post, first = world.post(cid="cb", day=_days_ahead(5))
    _post, shift = world.post(day=_days_ahead(6))
    _post, elsewhere = world.post(cid="cc", day=_days_ahead(6))
    auth.login(world.member["phone"])
    auth.post(f"/portal/c/cb/shifts/{first['id']}/signup")  # the person has sign-ups
    token = csrf_token(client)
    store.sign_up("cc", elsewhere["id"], world.volunteer["uid"])  # a write elsewhere
    asked: list[str] = []
    real = psycopg.Connection.execute
    monkeypatch.setattr(
        psycopg.Connection,
        "execute",
        lambda conn, query, *a, **k: asked.append(str(query)[:60]) or real(conn, query, *a, **k),
    )
    response = client.post(f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token})
    monkeypatch.undo()
    assert response.status_code == 302
    assert [r["shift_id"] for r in store.user_signups(world.member["uid"])] == [
        first["id"],
        shift["id"],
    ]
    assert len(asked) == 6, asked
    assert asked[0].startswith("SELECT c.n") and asked[-1].startswith("WITH written")
    assert sum("pg_advisory_xact_lock" in q for q in asked) == 1


def _days_ahead(n: int) -> str:
    return (datetime.now() + timedelta(days=n)).strftime("%Y-%m-%d")


def test_recommend_page_shows_reasons_and_filter(client, auth, world):
    world.post(category="legal", title="法律咨询岗")
    world.post(cid="cb", category="culture", title="文艺演出岗")
    auth.login(world.member["phone"])
    html = client.get("/portal/recommend").get_data(as_text=True)
    assert "专长匹配（未确认）" in html and "法律咨询岗" in html and "文艺演出岗" in html
    assert html.index("法律咨询岗") < html.index("文艺演出岗")
    only = client.get("/portal/recommend?only=1").get_data(as_text=True)
    assert "法律咨询岗" in only and "文艺演出岗" not in only


def test_member_home_lists_upcoming_and_waiting(client, auth, world):
    _p, first = world.post(title="第一岗", capacity=1)
    day = (datetime.now() + timedelta(days=4)).strftime("%Y-%m-%d")
    _p, second = world.post(title="第二岗", capacity=1, day=day)
    store.sign_up("ca", first["id"], world.member["uid"])
    store.sign_up("ca", second["id"], make_user("13700000009", "volunteer")["uid"])
    store.sign_up("ca", second["id"], world.member["uid"])
    auth.login(world.member["phone"])
    html = client.get("/portal/me").get_data(as_text=True)
    assert "第一岗" in html and "第二岗" in html and "第 1 位" in html


def test_member_home_shows_hours_so_far(client, auth, world):
    from datetime import datetime as dt

    day = (dt.now() - timedelta(days=2)).strftime("%Y-%m-%d")
    _p, past = world.post(day=day, start="09:00", end="11:30")
    row = store.sign_up("ca", past["id"], world.member["uid"], at=dt.now() - timedelta(days=5))
    store.mark_attendance("ca", past["id"], row["id"], store.PRESENT, world.admin_a["uid"])
    auth.login(world.member["phone"])
    assert "另有 2.5 小时待社区确认" in client.get("/portal/me").get_data(as_text=True)
    store.confirm_hours("ca", past["id"], world.admin_a["uid"])
    html = client.get("/portal/me").get_data(as_text=True)
    assert "累计服务 <strong>2.5</strong> 小时（1 次）" in html and "待社区确认" not in html
