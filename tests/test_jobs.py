"""The scheduled jobs with an injected clock (no scheduler): each runs as of ``at``.

Reminders exactly once at 24 h and 2 h, the note about a short shift, the weekly
digest, escalation at the step's due time, the quarterly letter to the work unit,
retention of photos and reset codes, backup rotation, and the person's settings
(kinds by e-mail, quiet hours). E-mail goes to a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime, timedelta

import pytest
from PIL import Image

from portal import mail, store
from portal.worker import scheduler
from portal.worker.jobs import JOBS_BY_NAME, SYSTEM
from tests.conftest import make_user, stored_photo
from tests.mailserver import MailServer

DAY = "2031-03-12"  # a Wednesday; the shift starts at 09:00
START = datetime(2031, 3, 12, 9, 0)


@pytest.fixture
def smtp(app):
    server = MailServer().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    yield server
    server.stop()


def run(app, name: str, at: datetime) -> dict:
    return scheduler.run_job(app, JOBS_BY_NAME[name], at)


def send(app, at: datetime) -> dict:
    with app.app_context():
        return mail.send_outbox(at)


def _kinds(uid: str, kind: str) -> list[dict]:
    return [n for n in store.inbox(uid) if n["kind"] == kind]


def _shift(world, capacity=2, day=DAY):
    _post, shift = world.post(day=day, start="09:00", end="11:00", capacity=capacity)
    return shift


def test_reminders_exactly_once_at_24_and_2_hours(app, world, smtp):
    store.update_profile(world.member["uid"], email="member@example.com")
    shift = _shift(world, capacity=1)
    store.sign_up("ca", shift["id"], world.member["uid"], at=START - timedelta(days=5))
    store.sign_up("ca", shift["id"], world.volunteer["uid"], at=START - timedelta(days=5))
    uid = world.member["uid"]

    assert run(app, "reminders", START - timedelta(hours=24, minutes=1))["status"] == "done"
    assert _kinds(uid, "reminder") == []
    at = START - timedelta(hours=24)
    assert run(app, "reminders", at)["result"] == {"发出提醒": 1}
    assert run(app, "reminders", at)["status"] == "skipped"  # the same minute: done
    for minutes in (1, 5, 60, 21 * 60 + 59):  # later runs until the 2-hour mark
        assert run(app, "reminders", at + timedelta(minutes=minutes))["result"] == {"发出提醒": 0}
    assert run(app, "reminders", START - timedelta(hours=2))["result"] == {"发出提醒": 1}
    for minutes in (1, 30, 119):
        at = START - timedelta(hours=2) + timedelta(minutes=minutes)
        assert run(app, "reminders", at)["result"] == {"发出提醒": 0}
    run(app, "reminders", START)

    texts = [n["text"] for n in _kinds(uid, "reminder")]
    assert len(texts) == 2 and all(f"{DAY} 09:00" in t for t in texts)
    assert any("约 2 小时后" in t for t in texts)
    assert _kinds(world.volunteer["uid"], "reminder") == []  # on the waiting list
    assert send(app, START)["sent"] == 2
    assert len(smtp.to("member@example.com")) == 2
    assert send(app, START)["sent"] == 0


def test_a_late_worker_sends_the_due_reminder_once_and_skips_none(app, world, smtp):
    shift = _shift(world)
    store.sign_up("ca", shift["id"], world.member["uid"], at=START - timedelta(days=5))
    # Down from before the 24-hour mark until 20 hours before: the 24-hour one goes late.
    assert run(app, "reminders", START - timedelta(hours=20))["result"] == {"发出提醒": 1}
    # Down again over the 2-hour mark until 1 hour before: the 2-hour one goes late.
    assert run(app, "reminders", START - timedelta(hours=1))["result"] == {"发出提醒": 1}
    assert len(_kinds(world.member["uid"], "reminder")) == 2


def test_opening_the_portal_and_the_job_make_one_reminder(app, world, client, auth):
    shift = _shift(world)
    store.sign_up("ca", shift["id"], world.member["uid"], at=START - timedelta(days=5))
    at = START - timedelta(hours=10)
    made = store.remind_upcoming(world.member["uid"], at=at)  # the page-open path
    assert len(made) == 1
    assert run(app, "reminders", at + timedelta(minutes=1))["result"] == {"发出提醒": 0}


def test_underfilled_shift_noted_to_the_community_admins_once(app, world, smtp):
    store.update_profile(world.admin_a["uid"], email="admin@example.com")
    shift = _shift(world, capacity=3)
    full = _shift(world, capacity=1)
    store.sign_up("ca", shift["id"], world.member["uid"], at=START - timedelta(days=5))
    store.sign_up("ca", full["id"], world.volunteer["uid"], at=START - timedelta(days=5))
    other = make_user("13800000011", "community_admin", scope="ca")

    assert run(app, "underfilled", START - timedelta(hours=25))["result"] == {"缺人提醒": 0}
    assert run(app, "underfilled", START - timedelta(hours=23))["result"] == {"缺人提醒": 2}
    for hours in (22, 5, 1):
        assert run(app, "underfilled", START - timedelta(hours=hours))["result"] == {"缺人提醒": 0}
    [note] = _kinds(world.admin_a["uid"], "underfilled")
    assert "已确认 1 人，名额 3 人" in note["text"] and shift["id"] in note["link"]
    assert len(_kinds(other["uid"], "underfilled")) == 1
    assert _kinds(world.admin_b["uid"], "underfilled") == []  # another community
    send(app, START)
    assert len(smtp.to("admin@example.com")) == 1


def test_weekly_digest_once_a_week_to_each_community_admin(app, world, smtp):
    store.update_profile(world.admin_a["uid"], email="admin@example.com")
    monday = datetime.combine(START.date() - timedelta(days=START.weekday()), datetime.min.time())
    store.submit_report_in(world.member["uid"], "ca")  # waiting for confirmation
    store.create_need("ca", category="legal", description="咨询", raised_by="resident")
    short = _shift(world, capacity=2)  # Wednesday, nobody signed up
    assert run(app, "digest", monday.replace(hour=7, minute=59))["status"] == "not_due"
    assert run(app, "digest", monday.replace(hour=8))["result"] == {"摘要": 2}  # ca and cb
    assert run(app, "digest", monday + timedelta(days=2))["status"] == "skipped"
    [digest] = _kinds(world.admin_a["uid"], "digest")
    assert "待确认的报到 1 件" in digest["text"] and "未办结的需求 1 条" in digest["text"]
    assert "缺人的班次 1 个" in digest["text"] and short["date"] in digest["text"]
    assert len(_kinds(world.admin_b["uid"], "digest")) == 1
    # A worker that was down all Monday sends the next week's digest late, once.
    later = monday + timedelta(days=8, hours=15)
    assert run(app, "digest", later)["result"] == {"摘要": 2}
    assert run(app, "digest", later + timedelta(minutes=1))["status"] == "skipped"
    assert len(_kinds(world.admin_a["uid"], "digest")) == 2
    send(app, later)
    assert len(smtp.to("admin@example.com")) == 2


def test_overdue_whistle_escalates_at_the_due_time_and_tells_the_next_level(app, world, smtp):
    raised = datetime(2031, 3, 10, 10, 0)
    liaison = make_user("13800000021", "dept_liaison", scope="chengguan")
    whistle = store.create_whistle(
        "dongsi", world.street, item_id="W01-1", description="占道", place="路口", at=raised
    )
    due_ack = datetime.strptime(whistle["due"]["acknowledge"], "%Y-%m-%d %H:%M:%S")
    assert whistle["level"] == 1

    assert run(app, "escalations", due_ack)["result"] == {"升级": 0, "通知": 0}  # not late yet
    late = due_ack + timedelta(minutes=7)  # the worker comes a few minutes late
    assert run(app, "escalations", late)["result"] == {"升级": 1, "通知": 2}
    after = store.get_whistle("dongsi", whistle["id"])
    assert after["level"] == 2 and after["status"] == whistle["status"]
    [record] = after["escalations"]
    assert record["by"] == SYSTEM["uid"] and record["at"] == f"{due_ack + timedelta(seconds=1)}"
    for minutes in (8, 30):  # later runs: nothing more for this step
        result = run(app, "escalations", due_ack + timedelta(minutes=minutes))["result"]
        assert result == {"升级": 0, "通知": 0}
    assert len(_kinds(world.street["uid"], "whistle")) == 1
    assert len(_kinds(liaison["uid"], "whistle")) == 1
    assert _kinds(world.district["uid"], "whistle") == []

    # The department acknowledges late; then misses the arrival time: level 3, the district is told.
    store.acknowledge("dongsi", whistle["id"], "chengguan", liaison, at=late + timedelta(minutes=1))
    due_arrive = datetime.strptime(whistle["due"]["arrive"], "%Y-%m-%d %H:%M:%S")
    assert run(app, "escalations", due_arrive + timedelta(minutes=1))["result"]["升级"] == 1
    assert store.get_whistle("dongsi", whistle["id"])["level"] == 3
    assert len(_kinds(world.district["uid"], "whistle")) == 1
    # At level 3 a later late step is still told, once, without a fourth level.
    due_resolve = datetime.strptime(whistle["due"]["resolve"], "%Y-%m-%d %H:%M:%S")
    store.arrive("dongsi", whistle["id"], "chengguan", liaison, at=due_arrive + timedelta(hours=1))
    result = run(app, "escalations", due_resolve + timedelta(minutes=1))["result"]
    assert result["升级"] == 0 and result["通知"] >= 3
    assert run(app, "escalations", due_resolve + timedelta(minutes=2))["result"]["通知"] == 0
    actions = [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    assert actions.count("超时自动升级") == 2


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def _closed_need(world, closed_at: datetime) -> dict:
    name = store.save_need_photo("ca", _jpeg())
    need = store.create_need(
        "ca", category="legal", description="照片", raised_by="resident", photo=name
    )
    store.start_need("ca", need["id"], world.admin_a["uid"], at=closed_at - timedelta(days=1))
    store.close_need("ca", need["id"], world.admin_a["uid"], at=closed_at)
    return store.get_need("ca", need["id"])


def test_retention_deletes_old_photos_and_codes_and_audits_it(app, world):
    at = datetime(2031, 3, 12, 3, 30)
    old = _closed_need(world, at - timedelta(days=366))
    recent = _closed_need(world, at - timedelta(days=10))
    old_photo = store.need_photos(old)[0]
    assert stored_photo("ca", old_photo) is not None
    # A whistle closed long ago, with a photo raised with it.
    photo = store.save_whistle_photo("dongsi", _jpeg())
    raised = at - timedelta(days=400)
    whistle = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W01-1",
        description="占道",
        place="路口",
        photos=[photo],
        at=raised,
    )
    wid, dept = whistle["id"], "chengguan"
    store.acknowledge("dongsi", wid, dept, world.street, at=raised + timedelta(minutes=5))
    store.arrive("dongsi", wid, dept, world.street, at=raised + timedelta(minutes=30))
    store.finish("dongsi", wid, dept, world.street, "已清理", at=raised + timedelta(hours=2))
    store.start_verify("dongsi", wid, world.street, at=raised + timedelta(hours=3))
    ratings = {dept: {"timeliness": 5, "result": 5, "attitude": 5}}
    store.close_whistle("dongsi", wid, world.street, ratings, at=raised + timedelta(hours=4))
    assert store.whistle_photo(store.get_whistle("dongsi", wid), photo)
    # Reset codes: one expired 8 days ago (gone), one 6 days ago (kept). (Issuing a code
    # forgets the codes expired by then, so the older one is issued last.)
    store.issue_reset_code(world.volunteer["uid"], world.admin_a["uid"], at=at - timedelta(days=7))
    store.issue_reset_code(world.member["uid"], world.admin_a["uid"], at=at - timedelta(days=9))

    result = run(app, "retention", at)["result"]
    assert result == {"需求照片": 1, "吹哨照片": 1, "巡查照片": 0, "重置码": 1}
    assert store.get_need("ca", old["id"])["photo"] is None
    assert stored_photo("ca", old_photo) is None
    assert store.need_photo(store.get_need("ca", recent["id"]))
    assert store.get_whistle("dongsi", wid)["photos"] == []
    assert stored_photo("w-dongsi", photo) is None
    entries = [e for m in store.audit_months() for e in store.list_audit(m)]
    system = sorted(e["action"] for e in entries if e["actor_uid"] == "system")
    assert system == [
        "按保存期限删除吹哨照片",
        "按保存期限删除过期重置码",
        "按保存期限删除需求照片",
    ]
    assert run(app, "retention", at + timedelta(hours=1))["status"] == "skipped"
    # The next night: nothing more to do but the code that is now 7 days past its expiry.
    assert run(app, "retention", at + timedelta(days=1))["result"] == {
        "需求照片": 0,
        "吹哨照片": 0,
        "巡查照片": 0,
        "重置码": 1,
    }


def test_nightly_backup_keeps_the_last_n(app, world):
    app.config["BACKUP_KEEP"] = 3
    first = datetime(2031, 3, 1, 2, 30)
    assert run(app, "backup", first - timedelta(minutes=1))["status"] == "not_due"
    for day in range(5):
        assert run(app, "backup", first + timedelta(days=day))["status"] == "done"
        assert run(app, "backup", first + timedelta(days=day, hours=3))["status"] == "skipped"
    names = [p.name for p in store.list_backups()]
    assert names == [f"backup-2031030{d}-023000.tar.gz" for d in (5, 4, 3)]


def test_quarterly_letter_to_the_work_unit_once(app, world, smtp):
    served = date.today() - timedelta(days=3)
    _post, shift = world.post(day=served.isoformat(), title="已结束岗位")
    row = store.sign_up(
        "ca", shift["id"], world.member["uid"], at=datetime.now() - timedelta(days=10)
    )
    store.mark_attendance("ca", shift["id"], row["id"], store.PRESENT, world.admin_a["uid"])
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"])
    store.save_notification_settings(
        world.member["uid"], store.NOTIFICATION_KINDS, unit_email="dangwei@unit.example.org"
    )
    other = make_user("13800000031", "member", home_cid="ca")  # no unit address: none
    quarter = store.quarter_of(served)
    first, last = store.quarter_range(quarter)
    at = datetime.combine(last + timedelta(days=1), datetime.min.time()).replace(hour=9)

    assert run(app, "quarterly_letters", at - timedelta(minutes=1))["status"] == "not_due"
    before = len(smtp.messages)
    assert run(app, "quarterly_letters", at)["result"] == {"季度函": 1}
    assert run(app, "quarterly_letters", at + timedelta(days=3))["status"] == "skipped"
    send(app, at)
    [letter] = smtp.to("dangwei@unit.example.org")
    body = letter.get_body().get_content()
    assert "测试单位" in body and "服务时长共 2 小时" in body and "已结束岗位" in body
    assert len(smtp.messages) == before + 1  # only the letter
    [note] = _kinds(world.member["uid"], "quarterly")
    assert "dangwei@unit.example.org" in note["text"]
    assert _kinds(other["uid"], "quarterly") == []


def test_settings_choose_kinds_by_mail_and_quiet_hours(app, world, smtp):
    uid = world.member["uid"]
    store.update_profile(uid, email="member@example.com")
    kinds = [k for k in store.NOTIFICATION_KINDS if k != "message"]
    store.save_notification_settings(uid, kinds, "22:00", "07:00")
    night = datetime(2031, 3, 11, 23, 0)
    with app.test_request_context("/"):
        mail.notify_once(uid, "message", "不发邮件的类型", key="k1", at=night)
        mail.notify_once(uid, "report_confirmed", "夜里生成", key="k2", at=night)
    assert len(store.inbox(uid)) == 2  # the inbox always gets both
    [waiting] = store.outbox_messages("pending")
    assert waiting["next_at"] == "2031-03-12 07:00:00"
    assert send(app, night + timedelta(hours=7, minutes=59))["sent"] == 0
    assert send(app, night + timedelta(hours=8))["sent"] == 1
    [msg] = smtp.to("member@example.com")
    assert "夜里生成" in msg.get_body().get_content()


def test_settings_page(client, auth, world):
    auth.login(world.member["phone"])
    page = client.get("/portal/inbox/settings").get_data(as_text=True)
    assert "提醒设置" in page and "工作单位电子邮箱" in page and "夜间免打扰" in page
    bad = auth.post(
        "/portal/inbox/settings",
        {"email_kinds": ["reminder"], "quiet_from": "22:00", "quiet_to": "", "unit_email": "x"},
    ).get_data(as_text=True)
    assert "请同时选择开始和结束时间" in bad and "请输入有效的电子邮箱" in bad
    response = auth.post(
        "/portal/inbox/settings",
        {
            "email_kinds": ["reminder", "promoted"],
            "quiet_from": "22:00",
            "quiet_to": "07:00",
            "unit_email": " dangwei@unit.example.org ",
        },
    )
    assert response.status_code == 302
    saved = store.notification_settings(world.member["uid"])
    assert saved["email_kinds"] == ["promoted", "reminder"]
    assert (saved["quiet_from"], saved["quiet_to"]) == ("22:00", "07:00")
    assert saved["unit_email"] == "dangwei@unit.example.org"
    # A volunteer has no work unit to write to: the field is not shown or saved.
    auth.logout()
    auth.login(world.volunteer["phone"])
    assert "工作单位电子邮箱" not in client.get("/portal/inbox/settings").get_data(as_text=True)


def test_a_failing_job_is_recorded_and_run_again(app, world):
    job = JOBS_BY_NAME["digest"]
    monday = datetime(2031, 3, 10, 8, 0)
    calls = []

    def broken(at):
        calls.append(at)
        raise OSError("磁盘已满")

    broken_job = dataclasses.replace(job, run=broken)
    assert scheduler.run_job(app, broken_job, monday)["status"] == "failed"
    [failed] = store.job_runs("digest", status="failed")
    assert "磁盘已满" in failed["error"] and failed["attempts"] == 1
    assert scheduler.run_job(app, job, monday + timedelta(minutes=1))["status"] == "done"
    [done] = store.job_runs("digest")
    assert done["status"] == "done" and done["attempts"] == 2 and done["error"] is None


def test_retention_deletes_every_photo_of_a_need(app, world):
    at = datetime(2031, 3, 12, 3, 30)
    names = [store.save_need_photo("ca", _jpeg()) for _ in range(3)]
    need = store.create_need(
        "ca", category="legal", description="三张照片", raised_by="resident", photos=names
    )
    closed_at = at - timedelta(days=400)
    store.start_need("ca", need["id"], world.admin_a["uid"], at=closed_at - timedelta(days=1))
    store.close_need("ca", need["id"], world.admin_a["uid"], at=closed_at)
    assert all(stored_photo("ca", name) for name in names)
    assert run(app, "retention", at)["result"]["需求照片"] == 1
    after = store.get_need("ca", need["id"])
    assert after["photos"] == [] and after["photo"] is None
    assert not any(stored_photo("ca", name) for name in names)


def test_retention_deletes_the_photos_of_old_patrols(app, world):
    at = datetime(2031, 3, 12, 3, 30)
    lane = store.add_lane("dongsi", "东四北大街")
    steward = make_user("13866667777", "volunteer")
    store.appoint("street", "dongsi", steward["uid"], "lane_steward", [lane["id"]], "a")
    photos = []
    for ended in (at - timedelta(days=400), at - timedelta(days=10)):
        patrol = store.start_patrol("dongsi", lane["id"], steward["uid"], at=ended)
        name = store.save_patrol_photo("dongsi", _jpeg())
        category = store.patrol_categories()[0]["id"]
        store.add_patrol_finding(
            "dongsi",
            patrol["id"],
            steward["uid"],
            category=category,
            note="占道",
            photo=name,
            at=ended,
        )
        store.end_patrol("dongsi", patrol["id"], steward["uid"], at=ended)
        photos.append(name)
    assert run(app, "retention", at)["result"]["巡查照片"] == 1
    assert stored_photo("p-dongsi", photos[0]) is None
    assert stored_photo("p-dongsi", photos[1]) is not None
    assert "按保存期限删除巡查照片" in [
        e["action"] for m in store.audit_months() for e in store.list_audit(m)
    ]
