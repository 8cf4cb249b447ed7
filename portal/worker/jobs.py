"""The scheduled jobs. Each is a function of ``at`` (the time it runs as of: the clock,
or a test's), run inside the app (see ``scheduler.run_job``), and safe to run twice:
what it sends carries a key, so a second run sends only what the first did not.

Each job also has a period (``Job.period``): the (job, period) pair is claimed in the
store before the job runs and marked done after it (``store.claim_job``), so the
weekly digest runs once a week whoever runs it and however late; a period whose run
failed is run again on the next tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for

from .. import mail, store

SYSTEM = {"uid": "system", "name": "系统（定时任务）", "role": "system"}


def _admins_by_scope(role: str) -> dict[str, list[str]]:
    """Active admins of a role by their scope, read once per run (one pass over the accounts)."""
    found: dict[str, list[str]] = {}
    for user in store.list_admins(role):
        if not user.get("disabled"):
            found.setdefault(user.get("scope") or "", []).append(user["uid"])
    return found


def _when(shift: dict) -> str:
    return f"{shift['date']} {shift['start']}–{shift['end']}"


# ---------------------------------------------------------------- shifts


def reminders(at: datetime) -> dict:
    """Reminders of confirmed sign-ups 24 hours and 2 hours before the shift."""
    made = store.shift_reminders(at, link=url_for("member.home"), compose=mail.compose)
    return {"发出提醒": len(made)}


def underfilled(at: datetime) -> dict:
    """A note to the community's admins, once per shift, when a shift starting within
    24 hours has fewer confirmed people than places."""
    made = 0
    admins = _admins_by_scope("community_admin")
    for row in store.underfilled_shifts(at, hours=24):
        cid, shift, post = row["community"]["id"], row["shift"], row["post"]
        text = (
            f"班次缺人：“{post['title']}” {_when(shift)} 将在 24 小时内开始，"
            f"已确认 {row['confirmed']} 人，名额 {row['capacity']} 人。请及时招募或调整班次。"
        )
        link = url_for("posts_admin.roster", cid=cid, sid=shift["id"])
        key = f"underfilled:{shift['id']}:{shift['date']} {shift['start']}"
        for uid in admins.get(cid, []):
            if mail.notify_once(uid, "underfilled", text, link, key=key, at=at):
                made += 1
    return {"缺人提醒": made}


# ---------------------------------------------------------------- whistles


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def escalations(at: datetime) -> dict:
    """Each late step of an open whistle: escalate it one level as of the step's due
    time (``store.escalate``: the flow's own rules, at most level 3) and tell the street,
    the late departments' liaisons and, from level 3 on, the district — once per step."""
    raised = told = 0
    people = {
        role: _admins_by_scope(role) for role in ("street_admin", "dept_liaison", "district_admin")
    }
    for street in store.list_streets():
        for whistle in store.open_whistles([street["id"]]):
            late: dict[tuple[str, str], list[dict]] = {}
            for step in store.overdue_steps(whistle, at):
                late.setdefault((step["due"], step["step"]), []).append(step)
            for (due, _step), steps in sorted(late.items()):
                moment = _parse(due) + timedelta(seconds=1)  # the first late second
                whistle, did = _escalate(whistle, steps, moment)
                raised += did
                told += _tell(whistle, steps, due, at, people)
    return {"升级": raised, "通知": told}


def _escalate(whistle: dict, steps: list[dict], moment: datetime) -> tuple[dict, int]:
    if any(
        e["by"] == SYSTEM["uid"] and e["at"] == f"{moment:%Y-%m-%d %H:%M:%S}"
        for e in whistle["escalations"]
    ):
        return whistle, 0  # done by an earlier run
    names = "、".join(
        dict.fromkeys(
            s["name"] + (f"（{store.get_department(s['dept'])['name']}）" if s["dept"] else "")
            for s in steps
        )
    )
    reason = f"{names}超过时限（应于 {steps[0]['due']} 前完成），系统自动升级。"
    try:
        after = store.escalate(whistle["street_id"], whistle["id"], SYSTEM, reason, at=moment)
    except store.StoreError:
        return whistle, 0  # already level 3, or closed meanwhile: the notice still goes
    store.record_audit(
        SYSTEM,
        "超时自动升级",
        community_id=whistle.get("community_id"),
        street_id=whistle["street_id"],
        target=f"吹哨 {whistle['id']}",
        before=whistle["level"],
        after=after["level"],
        at=moment,
    )
    return after, 1


def _tell(whistle: dict, steps: list[dict], due: str, at: datetime, people: dict) -> int:
    uids = list(people["street_admin"].get(whistle["street_id"], []))
    for dept in dict.fromkeys(s["dept"] for s in steps if s["dept"]):
        uids += people["dept_liaison"].get(dept, [])
    if whistle["level"] >= 3:
        uids += [uid for group in people["district_admin"].values() for uid in group]
    item = store.get_item(whistle["item_id"])
    names = "、".join(dict.fromkeys(s["name"] for s in steps))
    text = (
        f"吹哨 {whistle['id']}（{item['id']} {item['name']}）的“{names}”已超过时限"
        f"（应于 {due} 前完成），现为 {whistle['level']} 级，请尽快处置。"
    )
    link = url_for("whistles.whistle", sid=whistle["street_id"], wid=whistle["id"])
    key = f"overdue:{whistle['id']}:{steps[0]['step']}@{due}"
    return sum(
        1
        for uid in dict.fromkeys(uids)
        if mail.notify_once(uid, "whistle", text, link, key=key, at=at)
    )


# ---------------------------------------------------------------- digests and letters


def digest(at: datetime) -> dict:
    """The weekly digest to each community admin: report-ins waiting, open needs, and
    shifts short of people in the next 7 days."""
    week = "{}-W{:02d}".format(*at.isocalendar()[:2])
    made = 0
    by_scope = _admins_by_scope("community_admin")
    for community in store.list_communities():
        cid = community["id"]
        admins = by_scope.get(cid, [])
        if not admins:
            continue
        pending = len(store.list_report_ins(cid, "待确认"))
        needs = [n for n in store.list_needs(cid) if n["status"] != "已办结"]
        short = store.underfilled_shifts(at, hours=7 * 24, cids=[cid])
        lines = [
            f"{community['name']}本周摘要（{week}）：",
            f"待确认的报到 {pending} 件；未办结的需求 {len(needs)} 条；"
            f"未来 7 天缺人的班次 {len(short)} 个。",
        ]
        lines += [
            f"· “{r['post']['title']}” {_when(r['shift'])}：已确认 {r['confirmed']}/{r['capacity']} 人"
            for r in short[:10]
        ]
        if len(short) > 10:
            lines.append(f"……另有 {len(short) - 10} 个班次。")
        link = url_for("community_dashboard.dashboard", cid=cid)
        for uid in admins:
            if mail.notify_once(uid, "digest", "\n".join(lines), link, key=f"digest:{week}", at=at):
                made += 1
    return {"摘要": made}


def quarterly_letters(at: datetime) -> dict:
    """The quarter just ended: each 在职党员's confirmed hours, e-mailed to the work unit's
    address the member gave in 提醒设置 (those without hours or address get none); the
    member is told in the inbox that it went."""
    quarter = store.quarter_of(_quarter_start(at) - timedelta(days=1))
    made = 0
    for user in store.all_users():
        if user["role"] != "member" or user.get("deleted_at") or user.get("disabled"):
            continue
        unit_email = store.notification_settings(user["uid"])["unit_email"]
        if not unit_email or not user.get("work_unit"):
            continue
        key = f"letter:{quarter}"
        if store.has_notification_key(user["uid"], key):
            continue
        summary = store.member_quarter_summary(user["uid"], quarter)
        if not summary["total_hours"]:
            continue
        email = {
            "to": unit_email,
            "subject": f"【{mail.SITE_NAME}】{user['name']} {_quarter_name(quarter)}回社区报到服务情况",
            "body": _letter(summary, quarter),
            "personal": False,
        }
        text = (
            f"您{_quarter_name(quarter)}的服务情况（共 {summary['total_hours']:g} 小时）"
            f"已发送至单位邮箱 {unit_email}。"
        )
        if mail.notify_once(user["uid"], "quarterly", text, None, key=key, at=at, email=email):
            made += 1
    return {"季度函": made}


def _quarter_start(at: datetime) -> date:
    return date(at.year, 3 * ((at.month - 1) // 3) + 1, 1)


def _quarter_name(quarter: str) -> str:
    year, q = quarter.split("-Q")
    return f"{year} 年第 {q} 季度"


def _letter(s: dict, quarter: str) -> str:
    lines = [
        f"{s['work_unit']}：",
        "",
        f"贵单位在职党员 {s['name']}（{s['party_org'] or '党组织未填写'}）"
        f"{_quarter_name(quarter)}（{s['date_from']} 至 {s['date_to']}）回居住社区报到服务情况如下：",
        f"报到社区：{s['community'] or '—'}；经社区确认的服务时长共 {s['total_hours']:g} 小时。",
    ]
    for cat, hours in s["by_category"].items():
        lines.append(f"· {cat}：{hours:g} 小时")
    lines += ["", "服务明细："]
    lines += [
        f"· {i['date']} {i['start']}–{i['end']} {i['title']}（{i['community']}）{i['hours']:g} 小时"
        for i in s["items"]
    ]
    lines += [
        "",
        f"—— {mail.SITE_NAME}（本函由系统根据社区确认的记录自动发送，请勿回复）",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- the data folder


def backup(at: datetime) -> dict:
    """A consistent backup of the data folder; only the newest BACKUP_KEEP are kept."""
    folder = store.current_backend().backup_dir
    path = store.make_backup(folder / f"backup-{at:%Y%m%d-%H%M%S}.tar.gz")
    gone = store.rotate_backups(int(current_app.config["BACKUP_KEEP"]))
    return {"备份": path.name, "删除旧备份": len(gone)}


def _audit_removed(action: str, rows: list[dict], target, at: datetime) -> None:
    """One audit entry (by 系统) per thing whose photos retention removed."""
    for row in rows:
        store.record_audit(
            SYSTEM,
            action,
            community_id=row.get("community_id"),
            street_id=row["street_id"],
            target=target(row),
            at=at,
        )


def retention(at: datetime) -> dict:
    """Photos of needs and whistles closed (and of patrols ended) longer ago than
    PHOTO_RETENTION_DAYS, reset codes expired longer ago than RESET_CODE_RETENTION_DAYS,
    and sent-mail records of past months are deleted; each deletion goes in the audit log
    (by 系统)."""
    cfg = current_app.config
    photo_cut = at - timedelta(days=int(cfg["PHOTO_RETENTION_DAYS"]))
    needs = store.purge_need_photos(photo_cut, at)
    _audit_removed("按保存期限删除需求照片", needs, lambda n: f"需求 {n['need_id']}", at)
    whistles = store.purge_whistle_photos(photo_cut, at)
    _audit_removed(
        "按保存期限删除吹哨照片",
        whistles,
        lambda w: f"吹哨 {w['whistle_id']}（{w['photos']} 张）",
        at,
    )
    patrols = store.purge_patrol_photos(photo_cut, at)
    _audit_removed(
        "按保存期限删除巡查照片",
        patrols,
        lambda e: f"巡查 {e['patrol_id']}（{e['photos']} 张）",
        at,
    )
    codes = store.purge_reset_codes(at - timedelta(days=int(cfg["RESET_CODE_RETENTION_DAYS"])))
    if codes:
        store.record_audit(SYSTEM, "按保存期限删除过期重置码", target=f"{codes} 个", at=at)
    store.prune_sent_mail(at)
    return {
        "需求照片": len(needs),
        "吹哨照片": sum(w["photos"] for w in whistles),
        "巡查照片": sum(e["photos"] for e in patrols),
        "重置码": codes,
    }


def council_votes(at: datetime) -> dict:
    """Close the 议事厅 votes whose window has ended: the tally is frozen and published,
    and the proposer is told in the inbox (once: the notification carries a key)."""
    closed = store.close_due_votes(SYSTEM["uid"], at)
    for cid, vote in closed:
        proposal = store.get_proposal(cid, vote["proposal_id"])
        result = "通过" if vote["tally"]["passed"] else "未通过"
        store.notify(
            proposal["proposer_uid"],
            "council",
            f"你的提议“{proposal['title']}”表决结束：{result}，"
            f"参与率 {vote['tally']['turnout_percent']}%。",
            link=url_for("council.proposal", cid=cid, pid=proposal["id"]),
            at=at,
            key=f"council-vote-{vote['id']}",
        )
    return {"计票公布": len(closed)}


def send_mail(at: datetime) -> dict:
    """Send the outbox's due e-mail (see ``mail.send_outbox``)."""
    result = mail.send_outbox(at)
    return {"发送": result["sent"], "失败": result["failed"], "放弃": result["gave_up"]}


# ---------------------------------------------------------------- the list


def every_run(at: datetime) -> tuple[str, datetime]:
    return "每次", at


def each_minute(at: datetime) -> tuple[str, datetime]:
    return at.strftime("%Y-%m-%d %H:%M"), at


def daily(hour: int, minute: int) -> Callable[[datetime], tuple[str, datetime]]:
    def period(at: datetime) -> tuple[str, datetime]:
        return at.strftime("%Y-%m-%d"), at.replace(hour=hour, minute=minute, second=0)

    return period


def weekly(at: datetime) -> tuple[str, datetime]:
    """The ISO week, due on its Monday at 08:00."""
    monday = datetime.combine(at.date() - timedelta(days=at.weekday()), datetime.min.time())
    return "{}-W{:02d}".format(*at.isocalendar()[:2]), monday.replace(hour=8)


def quarterly(at: datetime) -> tuple[str, datetime]:
    """The quarter just ended, due on the new quarter's first day at 09:00."""
    first = _quarter_start(at)
    return store.quarter_of(first - timedelta(days=1)), datetime.combine(
        first, datetime.min.time()
    ).replace(hour=9)


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    run: Callable[[datetime], dict]
    period: Callable[[datetime], tuple[str, datetime]]
    cron: dict  # APScheduler trigger: {"trigger": "cron" | "interval", ...}
    schedule: str  # when, in words
    repeat: bool = False  # run on every tick (no period to finish)
    needs_mail: bool = False  # wait (unclaimed) while no mail server is configured


JOBS: tuple[Job, ...] = (
    Job(
        "send_mail",
        "发送邮件（发件箱）",
        send_mail,
        every_run,
        {"trigger": "interval", "seconds": 20},
        "每 20 秒",
        repeat=True,
    ),
    Job(
        "reminders",
        "班次提醒（开始前 24 小时、2 小时）",
        reminders,
        each_minute,
        {"trigger": "interval", "minutes": 1},
        "每分钟",
    ),
    Job(
        "underfilled",
        "缺人班次提醒社区管理员",
        underfilled,
        each_minute,
        {"trigger": "interval", "minutes": 1},
        "每分钟",
    ),
    Job(
        "escalations",
        "吹哨超时升级",
        escalations,
        each_minute,
        {"trigger": "interval", "minutes": 1},
        "每分钟",
    ),
    Job(
        "council_votes",
        "议事厅表决到期计票公布",
        council_votes,
        each_minute,
        {"trigger": "interval", "minutes": 1},
        "每分钟",
    ),
    Job(
        "digest",
        "社区管理员每周摘要",
        digest,
        weekly,
        {"trigger": "cron", "day_of_week": "mon", "hour": 8, "minute": 0},
        "每周一 08:00",
    ),
    Job(
        "quarterly_letters",
        "季度服务情况函（发至工作单位邮箱）",
        quarterly_letters,
        quarterly,
        {"trigger": "cron", "month": "1,4,7,10", "day": 1, "hour": 9, "minute": 0},
        "每季度首日 09:00",
        needs_mail=True,
    ),
    Job(
        "backup",
        "夜间备份（保留最近 BACKUP_KEEP 份）",
        backup,
        daily(2, 30),
        {"trigger": "cron", "hour": 2, "minute": 30},
        "每天 02:30",
    ),
    Job(
        "retention",
        "按保存期限删除照片与重置码",
        retention,
        daily(3, 30),
        {"trigger": "cron", "hour": 3, "minute": 30},
        "每天 03:30",
    ),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}
