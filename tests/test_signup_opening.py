"""Sign-up opens at a set time per post: refused before it, shown on the pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal import store


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def test_sign_up_refused_before_opening_and_accepted_after(world):
    opens = _stamp(datetime.now() + timedelta(days=1))
    post, shift = world.post(signup_opens_at=opens)
    assert store.get_post("ca", post["id"])["signup_opens_at"] == opens
    with pytest.raises(store.StoreError, match=f"报名将于 {opens} 开放。"):
        store.sign_up("ca", shift["id"], world.member["uid"])
    assert store.shift_counts("ca", shift)["confirmed"] == 0
    later = datetime.strptime(opens, "%Y-%m-%d %H:%M") + timedelta(minutes=1)
    assert store.sign_up("ca", shift["id"], world.member["uid"], at=later)["status"] == "confirmed"


def test_no_opening_time_signs_up_at_once_and_bad_format_is_refused(world):
    post, shift = world.post()
    assert store.get_post("ca", post["id"])["signup_opens_at"] is None
    store.sign_up("ca", shift["id"], world.member["uid"])
    with pytest.raises(store.StoreError, match="报名开放时间的格式"):
        world.post(signup_opens_at="明天上午")


def test_copy_moves_the_opening_time(world):
    post, _shift = world.post(day="2099-06-01", signup_opens_at="2099-05-20 09:00")
    copy = store.copy_post("ca", post["id"], world.admin_a["uid"], days=7)
    assert copy["signup_opens_at"] == "2099-05-27 09:00"


def test_pages_show_opening_time_and_no_button_before_it(client, auth, world):
    opens = _stamp(datetime.now() + timedelta(days=1))
    post, shift = world.post(signup_opens_at=opens)
    sign_url = f"/portal/c/ca/shifts/{shift['id']}/signup"
    auth.login(world.member["phone"])
    html = client.get(f"/portal/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert f"报名开放时间：{opens}" in html and sign_url not in html
    assert f"{opens} 开放报名" in html
    html = client.get("/portal/recommend").get_data(as_text=True)
    assert f"报名开放时间：{opens}" in html and sign_url not in html
    html = auth.post(sign_url, follow=True).get_data(as_text=True)
    assert f"报名将于 {opens} 开放。" in html
    assert store.shift_counts("ca", shift)["confirmed"] == 0
    auth.logout()
    auth.login(world.admin_a["phone"])
    html = client.get(f"/portal/admin/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert f"报名开放时间：{opens}" in html


def test_open_post_shows_the_button(client, auth, world):
    post, shift = world.post(signup_opens_at="2000-01-01 09:00")
    auth.login(world.member["phone"])
    html = client.get(f"/portal/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert "报名开放时间：2000-01-01 09:00" in html
    assert f"/portal/c/ca/shifts/{shift['id']}/signup" in html


def test_new_post_form_takes_the_opening_time(client, auth, world):
    auth.login(world.admin_a["phone"])
    day = (date.today() + timedelta(days=5)).isoformat()
    form = {
        "title": "周末义诊",
        "category": "medical",
        "description": "量血压",
        "place": "卫生站",
        "kind": "shifts",
        "shifts-0-day": day,
        "shifts-0-start": "09:00",
        "shifts-0-end": "11:00",
        "shifts-0-capacity": "3",
    }
    bad = auth.post("/portal/admin/c/ca/posts/new", dict(form, signup_opens_at="明天"))
    assert bad.status_code == 200 and "报名开放时间的格式" in bad.get_data(as_text=True)
    assert store.list_posts("ca") == []
    ok = auth.post("/portal/admin/c/ca/posts/new", dict(form, signup_opens_at="2099-01-01 08:00"))
    assert ok.status_code == 302
    assert store.list_posts("ca")[0]["signup_opens_at"] == "2099-01-01 08:00"
