"""Attendance pages, no-show blocks, hours, certificates and the calendar feed through HTTP."""

import re
from datetime import timedelta

from icalendar import Calendar

from portal import store


def _past_signup(world, uid=None, cid="ca", days_ago=1, **kw):
    """A shift that has started (yesterday) with a confirmed sign-up made before it."""
    day = (store.now() - timedelta(days=days_ago)).strftime("%Y-%m-%d")
    _post, shift = world.post(cid=cid, day=day, **kw)
    row = store.sign_up(
        cid,
        shift["id"],
        uid or world.member["uid"],
        at=store.shift_start(shift) - timedelta(days=1),
    )
    return shift, row


def _url(shift, tail=""):
    return f"/portal/admin/c/{shift['community_id']}/shifts/{shift['id']}{tail}"


def test_admin_marks_adjusts_and_confirms_hours(world, client, auth):
    shift, row = _past_signup(world)
    auth.login(world.admin_a["phone"])
    page = client.get(_url(shift, "/attendance")).get_data(as_text=True)
    assert world.member["name"] in page and "未登记" in page

    auth.post(_url(shift, f"/attendance/{row['id']}"), {"status": "present", "note": "准时"})
    saved = store.get_signup("ca", shift["id"], row["id"])
    assert saved["attendance"] == "present" and saved["hours"] == 2.0

    # adjusting without a reason is refused with a Chinese message
    html = auth.post(
        _url(shift, f"/hours/{row['id']}"), {"hours": "3", "reason": ""}, follow=True
    ).get_data(as_text=True)
    assert "调整工时请填写原因" in html
    assert store.get_signup("ca", shift["id"], row["id"])["hours"] == 2.0
    auth.post(_url(shift, f"/hours/{row['id']}"), {"hours": "3.5", "reason": "提前到场"})
    assert store.get_signup("ca", shift["id"], row["id"])["hours"] == 3.5
    assert store.get_signup("ca", shift["id"], row["id"])["hours_confirmed_at"] is None

    # without the CSRF token nothing changes
    client.post(_url(shift, "/confirm-hours"), data={})
    assert store.get_signup("ca", shift["id"], row["id"])["hours_confirmed_at"] is None
    html = auth.post(_url(shift, "/confirm-hours"), follow=True).get_data(as_text=True)
    assert "已确认 1 人的工时，共 3.5 小时" in html
    assert store.get_signup("ca", shift["id"], row["id"])["hours_confirmed_at"]

    actions = [e["action"] for e in store.list_audit(store.now().strftime("%Y-%m"))]
    assert {"登记到岗", "调整工时", "确认工时"} <= set(actions)

    auth.logout()
    auth.login(world.member["phone"])
    html = client.get("/portal/me/hours").get_data(as_text=True)
    assert "3.5 小时 · 已确认" in html and "法律咨询" in html


def test_marking_before_the_shift_starts_is_refused(world, client, auth):
    _post, shift = world.post()  # in three days
    row = store.sign_up("ca", shift["id"], world.member["uid"])
    auth.login(world.admin_a["phone"])
    assert "班次开始后才能登记" in client.get(_url(shift, "/attendance")).get_data(as_text=True)
    html = auth.post(
        _url(shift, f"/attendance/{row['id']}"), {"status": "absent"}, follow=True
    ).get_data(as_text=True)
    assert "班次还没有开始" in html
    assert "attendance" not in store.get_signup("ca", shift["id"], row["id"])


def test_admin_of_another_community_gets_404(world, client, auth):
    shift, row = _past_signup(world)
    auth.login(world.admin_b["phone"])
    assert client.get(_url(shift, "/attendance")).status_code == 404
    assert (
        auth.post(_url(shift, f"/attendance/{row['id']}"), {"status": "absent"}).status_code == 404
    )
    assert auth.post(_url(shift, "/confirm-hours")).status_code == 404
    # the shift id under the admin's own community is no way round
    assert client.get(f"/portal/admin/c/cb/shifts/{shift['id']}/attendance").status_code == 404
    assert "attendance" not in store.get_signup("ca", shift["id"], row["id"])
    # a member is no admin at all
    auth.logout()
    auth.login(world.member["phone"])
    assert client.get(_url(shift, "/attendance")).status_code == 403


def test_no_shows_block_sign_up_until_the_admin_clears_it(world, client, auth):
    for days_ago in (3, 2):
        shift, row = _past_signup(world, days_ago=days_ago)
        store.mark_attendance("ca", shift["id"], row["id"], "absent", world.admin_a["uid"])
    _post, upcoming = world.post(day=(store.now() + timedelta(days=5)).strftime("%Y-%m-%d"))
    auth.login(world.member["phone"])
    html = auth.post(f"/portal/c/ca/shifts/{upcoming['id']}/signup", follow=True).get_data(
        as_text=True
    )
    assert "您近 90 天内缺席 2 次，暂时不能报名，请联系社区管理员解除。" in html
    assert store.user_signups(world.member["uid"])[-1]["shift_id"] != upcoming["id"]
    auth.logout()

    auth.login(world.admin_b["phone"])  # not where the absences were
    assert world.member["name"] not in client.get("/portal/admin/c/cb/no-shows").get_data(
        as_text=True
    )
    assert auth.post(f"/portal/admin/c/cb/no-shows/{world.member['uid']}/clear").status_code == 404
    auth.logout()

    auth.login(world.admin_a["phone"])
    assert world.member["name"] in client.get("/portal/admin/c/ca/no-shows").get_data(as_text=True)
    html = auth.post(
        f"/portal/admin/c/ca/no-shows/{world.member['uid']}/clear", follow=True
    ).get_data(as_text=True)
    assert "已解除" in html and store.get_user(world.member["uid"])["no_show_cleared_at"]
    auth.logout()

    auth.login(world.member["phone"])
    html = auth.post(f"/portal/c/ca/shifts/{upcoming['id']}/signup", follow=True).get_data(
        as_text=True
    )
    assert "报名成功" in html


def test_no_show_limit_comes_from_config(world, client, auth, app):
    app.config["NO_SHOW_LIMIT"] = 3
    for days_ago in (3, 2):
        shift, row = _past_signup(world, days_ago=days_ago)
        store.mark_attendance("ca", shift["id"], row["id"], "absent", world.admin_a["uid"])
    _post, upcoming = world.post(day=(store.now() + timedelta(days=5)).strftime("%Y-%m-%d"))
    auth.login(world.member["phone"])
    html = auth.post(f"/portal/c/ca/shifts/{upcoming['id']}/signup", follow=True).get_data(
        as_text=True
    )
    assert "报名成功" in html


def _confirmed_service(world, uid=None):
    shift, row = _past_signup(world, uid=uid)
    store.mark_attendance("ca", shift["id"], row["id"], "present", world.admin_a["uid"])
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"])
    return shift


def test_certificate_print_qr_and_public_verification(world, client, auth):
    shift = _confirmed_service(world)
    store.set_certificate_auto_approve("ca", True)  # issued at once (approval: test_certificates)
    auth.login(world.member["phone"])
    resp = auth.post(
        "/portal/me/certificates",
        {"date_from": "2000-01-01", "date_to": store.now().strftime("%Y-%m-%d")},
    )
    assert resp.status_code == 302
    serial = resp.headers["Location"].rsplit("/", 1)[1]
    html = client.get(f"/portal/me/certificates/{serial}").get_data(as_text=True)
    assert "志愿服务记录证明" in html and world.member["name"] in html and serial in html
    assert (
        shift["date"] in html and "测试甲社区" in html and f"/portal/verify/{serial}/qr.svg" in html
    )
    svg = client.get(f"/portal/verify/{serial}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    auth.logout()

    # the public page needs no login and shows the masked name only
    page = client.get(f"/portal/verify/{serial}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "证明有效" in html
    assert store.mask_name(world.member["name"]) in html and world.member["name"] not in html
    assert "2 小时" in html and "测试甲社区" in html

    forged = serial[:-4] + ("0000" if serial[-4:] != "0000" else "1111")
    page = client.get(f"/portal/verify/{forged}")
    assert page.status_code == 404 and "未查到" in page.get_data(as_text=True)
    assert client.get(f"/portal/verify/{forged}/qr.svg").status_code == 404

    # nobody else may open the printable certificate
    auth.login(world.volunteer["phone"])
    assert client.get(f"/portal/me/certificates/{serial}").status_code == 404


def test_certificate_form_errors_are_chinese(world, client, auth):
    auth.login(world.member["phone"])
    html = auth.post(
        "/portal/me/certificates", {"date_from": "2026-05-01", "date_to": "2026-01-01"}
    ).get_data(as_text=True)
    assert "结束日期不能早于开始日期" in html
    html = auth.post(
        "/portal/me/certificates", {"date_from": "2026-01-01", "date_to": "2026-02-01"}
    ).get_data(as_text=True)
    assert "没有已确认的服务工时" in html


def test_calendar_feed_has_confirmed_shifts_only_and_needs_the_token(world, client, auth):
    uid = world.member["uid"]
    day = (store.now() + timedelta(days=4)).strftime("%Y-%m-%d")
    _p1, mine = world.post(day=day, start="09:00", end="10:00", title="周末普法")
    _p2, full = world.post(day=day, start="14:00", end="15:00", capacity=1, title="满员岗位")
    _p3, dropped = world.post(day=day, start="19:00", end="20:00", title="已取消岗位")
    store.sign_up("ca", mine["id"], uid)
    store.sign_up("ca", full["id"], world.volunteer["uid"])
    assert store.sign_up("ca", full["id"], uid)["status"] == "waiting"
    store.sign_up("ca", dropped["id"], uid)
    store.cancel_signup("ca", dropped["id"], uid, at=store.now())

    auth.login(world.member["phone"])
    assert "还没有日历订阅地址" in client.get("/portal/me/calendar").get_data(as_text=True)
    auth.post("/portal/me/calendar/token")
    html = client.get("/portal/me/calendar").get_data(as_text=True)
    url = re.search(r"(/portal/calendar/[^<\s\"]+\.ics)", html).group(1)
    auth.logout()

    resp = client.get(url)  # no login needed
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = Calendar.from_ical(resp.data)
    events = [e for e in cal.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["周末普法（测试甲社区）"]
    start = events[0].decoded("dtstart")
    assert start.strftime("%Y-%m-%d %H:%M") == f"{day} 09:00" and start.utcoffset() == timedelta(
        hours=8
    )

    token = url.rsplit("/", 1)[1][:-4]
    assert (
        client.get(url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code
        == 404
    )
    assert client.get(f"/portal/calendar/{world.volunteer['uid']}/{token}.ics").status_code == 404

    # a new token ends the old URL
    auth.login(world.member["phone"])
    auth.post("/portal/me/calendar/token")
    assert client.get(url).status_code == 404


def test_member_home_links_to_records(world, client, auth):
    auth.login(world.member["phone"])
    html = client.get("/portal/me").get_data(as_text=True)
    assert "/portal/me/hours" in html and "/portal/me/certificates" in html
    assert "/portal/me/calendar" in html


def test_quarterly_summary_page_and_letter(world, client, auth):
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    shift = _confirmed_service(world)
    quarter = store.quarter_of(store.shift_start(shift).date())
    auth.login(world.admin_a["phone"])
    html = client.get(f"/portal/admin/c/ca/quarterly?q={quarter}").get_data(as_text=True)
    assert world.member["name"] in html and "测试单位" in html and "2 小时" in html
    html = client.get(f"/portal/admin/c/ca/quarterly/{world.member['uid']}?q={quarter}").get_data(
        as_text=True
    )
    assert "测试单位" in html and "测试党支部" in html and "2</strong> 小时" in html
    assert client.get("/portal/admin/c/ca/quarterly?q=2026-Q9").status_code == 404
    assert client.get(f"/portal/admin/c/ca/quarterly/{world.volunteer['uid']}").status_code == 404
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/admin/c/ca/quarterly?q={quarter}").status_code == 404


def test_a_refused_action_reads_one_message_per_field(world, client, auth):
    """Issue 20: each field's message on its own, never joined into one line."""
    shift, row = _past_signup(world)
    auth.login(world.admin_a["phone"])
    html = auth.post(
        _url(shift, f"/hours/{row['id']}"), {"hours": "99", "reason": ""}, follow=True
    ).get_data(as_text=True)
    hours = "工时应在 0.5 到 24 小时之间。"
    reason = "调整工时请填写原因。"
    assert hours in html and reason in html
    assert f"{hours}；" not in html and f"{reason}；" not in html
    assert re.search(r"<li[^>]*>\s*" + re.escape(hours) + r"\s*</li>", html)
    assert re.search(r"<li[^>]*>\s*" + re.escape(reason) + r"\s*</li>", html)
