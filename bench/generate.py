"""Write a district-scale store in the store's own format.

Every kind of document (account, report-in, post, shift, sign-up) is first
written once by the store's real functions into a scratch folder; the raw
documents read back from there are the templates that the bulk rows copy, so
a field another engineer adds to ``create_user`` or ``sign_up`` appears in the
generated rows too, with the value the real function gives it. The bulk path
then builds each document's tables in memory and writes it once, as the file
backend keeps it (key K in ``<folder>/K.json``, written with
``portal.store._files.write_atomic``), in TinyDB's JSON layout
(``{"table": {"1": {...}, "2": {...}}}``). Other backends get a copy of this
folder (``store.copy_store``), as a deployment would migrate. ``check()``
finally calls real store functions (user_signups, roster, sign_up,
cancel_signup, recommend_shifts) on the generated store and compares the row
shapes with what ``sign_up`` writes.

    python -m bench.generate DIR [--small] [--signups N]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

BENCH_PASSWORD = "bench-pass-2026"
WEEKDAY_SLOTS = [("09:00", "11:00"), ("14:00", "16:00"), ("19:00", "21:00")]
WEEKEND_SLOTS = [("09:00", "11:30"), ("14:00", "16:30")]
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Sizes:
    streets: int = 17
    communities: int = 170
    members: int = 20_000
    posts: int = 3_400
    signups: int = 200_000
    bench_members: int = 64  # members the load run logs in (no future sign-ups of their own)
    cancel_members: int = 64  # members holding sign-ups for the cancel run
    cancel_each: int = 120  # future sign-ups each of them holds (largest store only)
    history_days: int = 365  # sign-ups reach this far back
    future_days: int = 42  # shifts are published this far ahead
    standing_share: float = 0.03  # share of posts that are standing roles
    cancel_share: float = 0.06  # share of sign-ups later cancelled


FULL = Sizes()
SMALL = Sizes(
    communities=34, members=2_000, posts=340, signups=20_000, bench_members=32, cancel_members=32
)


# --- templates: one document of each kind, written by the real store functions ----------


def real_templates() -> dict:
    """Raw documents written by the store's own functions in a scratch store."""
    from portal import store
    from portal.store import base as _common
    from kb import data as kbdata

    scratch = Path(tempfile.mkdtemp(prefix="bench-templates-"))
    try:
        backend = store.open_store(scratch)
        street = store.list_streets()[0]["id"]
        store.add_community(street, "模板社区", cid="tpl")
        admin = store.create_user(
            phone="13700000000",
            password=BENCH_PASSWORD,
            name="模板管理员",
            role="community_admin",
            scope="tpl",
        )
        member = store.create_user(
            phone="13900000000",
            password=BENCH_PASSWORD,
            name="模板党员",
            role="member",
            work_unit="单位",
            party_org="支部",
            home_cid="tpl",
            skills=["lawyer"],
            availability=["weekend"],
            consent_version=_consent_version(),
        )
        report = store.submit_report_in(member["uid"], "tpl")
        store.confirm_report_in("tpl", report["id"], admin["uid"])
        category = kbdata.taxonomy()["categories"][0]["id"]
        day = (store.now() + timedelta(days=3)).date().isoformat()
        post = store.create_post(
            "tpl",
            admin["uid"],
            title="模板岗位",
            category=category,
            description="说明",
            place="活动室",
            kind="shifts",
            shifts=[{"date": day, "start": "09:00", "end": "11:00", "capacity": 1}],
            skills=[{"skill": "lawyer", "count": 1}],
        )
        shift = store.post_shifts("tpl", post["id"])[0]
        store.sign_up("tpl", shift["id"], member["uid"])

        def raw(key, table, **match):
            rows = backend.read(key).get(table, {}).values()
            return next(r for r in rows if all(r.get(k) == v for k, v in match.items()))

        month = day[:7]
        return {
            "pw_hash": member["pw_hash"],
            "user": raw(_common.account_key(member["uid"][0]), "users", uid=member["uid"]),
            "admin": raw(_common.account_key(admin["uid"][0]), "users", uid=admin["uid"]),
            "report": raw(_common.community_key("tpl"), "reports", id=report["id"]),
            "post": raw(_common.community_key("tpl"), "posts", id=post["id"]),
            "shift": raw(_common.community_key("tpl"), "shifts", id=shift["id"]),
            "signup": raw(_common.signups_key("tpl", month), "signups", shift_id=shift["id"]),
            "ids": {"admin": admin["uid"], "member": member["uid"]},
        }
    finally:
        store.current_backend().forget_caches()
        shutil.rmtree(scratch, ignore_errors=True)


def _consent_version() -> str:
    """The consent text version the app asks for (an older one sends members to /consent)."""
    from portal.config import DEFAULTS

    return DEFAULTS.get("CONSENT_VERSION") or "bench"


def _like(template: dict, **values) -> dict:
    """A copy of a template document with values replaced (lists copied, never shared)."""
    doc = {k: (list(v) if isinstance(v, list) else v) for k, v in template.items()}
    unknown = set(values) - set(doc)
    if unknown:
        raise AssertionError(f"the store no longer writes these fields: {sorted(unknown)}")
    doc.update(values)
    return doc


# --- the district in memory ------------------------------------------------------------------


@dataclass
class District:
    sizes: Sizes
    now: datetime
    communities: list  # dicts as add_community writes them
    users: list  # account documents
    report_ptrs: dict  # uid -> [(cid, report id)] (the people/ pointer files)
    reports: dict  # cid -> [report docs]
    posts: dict  # cid -> [post docs]
    shifts: dict  # cid -> [shift docs]
    shift_meta: dict  # sid -> (cid, post, shift, slot_key)
    bench_uids: list  # members the load run signs up
    cancel_uids: list  # members whose sign-ups the load run cancels
    admin_of: dict  # cid -> community admin uid
    district_admin: str
    templates: dict


def _ids(rng: random.Random, nbytes: int):
    seen = set()
    while True:
        value = rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()
        if value not in seen:
            seen.add(value)
            yield value


def build_district(sizes: Sizes, now: datetime, seed: int = 20261128) -> District:
    """Communities, accounts, report-ins, posts and shifts (no sign-ups): same seed, same district."""
    from portal.store.accounts import users as store_accounts
    from kb import data as kbdata

    rng = random.Random(seed)
    tpl = real_templates()
    ids5, ids6 = _ids(rng, 5), _ids(rng, 6)
    stamp = lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    tax = kbdata.taxonomy()
    skill_ids = [s["id"] for s in tax["skills"]]
    categories = tax["categories"]
    streets = kbdata.streets()[: sizes.streets]

    communities = []
    for n in range(sizes.communities):
        street = streets[n % len(streets)]
        short = street["name"].removesuffix("街道")
        communities.append(
            {
                "id": f"b{n:03d}",
                "street_id": street["id"],
                "name": f"{short}测试社区{n // len(streets) + 1:02d}",
                "example": True,
                "created_at": stamp(now - timedelta(days=400)),
            }
        )
    cids = [c["id"] for c in communities]

    def user(phone, name, role, **fields):
        shard = store_accounts._shard_of_phone(phone)
        base = tpl["admin"] if role not in ("member", "volunteer") else tpl["user"]
        return _like(
            base,
            uid=shard + next(ids6),
            phone=phone,
            name=name,
            role=role,
            pw_hash=tpl["pw_hash"],
            created_at=stamp(now - timedelta(days=400)),
            **fields,
        )

    users, admin_of = [], {}
    district_admin = user("13600000000", "区级管理员（测试）", "district_admin", scope=None)
    users.append(district_admin)
    for n, street in enumerate(streets):
        users.append(
            user(
                f"136{n + 1:08d}",
                f"{street['name']}管理员（测试）",
                "street_admin",
                scope=street["id"],
            )
        )
    for n, community in enumerate(communities):
        admin = user(
            f"137{n + 1:08d}",
            f"{community['name']}管理员",
            "community_admin",
            scope=community["id"],
        )
        users.append(admin)
        admin_of[community["id"]] = admin["uid"]

    reports: dict[str, list] = {cid: [] for cid in cids}
    report_ptrs: dict[str, list] = {}
    members = []
    for n in range(sizes.members):
        home = cids[n % len(cids)]
        role = "volunteer" if n % 10 == 9 else "member"
        member = user(
            f"139{n + 1:08d}",
            f"测试党员{n + 1:05d}",
            role,
            home_cid=home,
            work_unit="测试单位" if role == "member" else "",
            party_org="测试党支部" if role == "member" else "",
            skills=rng.sample(skill_ids, rng.randint(1, 3)),
            availability=rng.sample(
                ["weekday_day", "weekday_evening", "weekend"], rng.randint(1, 3)
            ),
            consent_version=_consent_version(),
            consent_at=stamp(now - timedelta(days=400)),
        )
        if role == "member":
            asked = now - timedelta(days=rng.randint(200, 399), minutes=rng.randint(0, 1440))
            decided = asked + timedelta(hours=rng.randint(1, 72))
            rid = next(ids5)
            history = []
            for entry, (at, by) in zip(
                tpl["report"]["history"],
                [(asked, member["uid"]), (decided, admin_of[home])],
                strict=True,
            ):
                history.append(dict(entry, at=stamp(at), by=by))
            reports[home].append(
                _like(
                    tpl["report"],
                    id=rid,
                    uid=member["uid"],
                    community_id=home,
                    created_at=stamp(asked),
                    decided_at=stamp(decided),
                    decided_by=admin_of[home],
                    history=history,
                )
            )
            report_ptrs.setdefault(member["uid"], []).append((home, rid))
        users.append(member)
        members.append(member)
    in_service = [m for m in members if m["role"] == "member"]
    picked = [
        m["uid"]
        for m in rng.sample(
            in_service, min(sizes.bench_members + sizes.cancel_members, len(in_service))
        )
    ]
    bench_uids, cancel_uids = picked[: sizes.bench_members], picked[sizes.bench_members :]

    posts: dict[str, list] = {cid: [] for cid in cids}
    shifts: dict[str, list] = {cid: [] for cid in cids}
    shift_meta = {}
    today = now.date()
    first_day = today - timedelta(days=sizes.history_days)
    span = sizes.history_days + sizes.future_days
    for n in range(sizes.posts):
        cid = cids[n % len(cids)]
        category = categories[rng.randrange(len(categories))]
        named = (
            [
                {"skill": s, "count": 1}
                for s in rng.sample(category["skills"], min(len(category["skills"]), 1))
            ]
            if rng.random() < 0.5
            else []
        )
        standing = rng.random() < sizes.standing_share
        begin = first_day + timedelta(days=rng.randrange(span))
        weekend = begin.weekday() >= 5
        start, end = rng.choice(WEEKEND_SLOTS if weekend else WEEKDAY_SLOTS)
        dates = [begin + timedelta(days=7 * k) for k in range(rng.randint(1, 10))]
        dates = [d for d in dates if d <= today + timedelta(days=sizes.future_days)]
        created = datetime.combine(dates[0], datetime.min.time()) - timedelta(
            days=rng.randint(3, 20)
        )
        if standing:
            created = now - timedelta(days=rng.randrange(sizes.history_days))
        future = standing or dates[-1] >= today
        pid = next(ids5)
        post = _like(
            tpl["post"],
            id=pid,
            community_id=cid,
            title=f"{category['name']}服务（测试{n + 1:04d}）",
            category=category["id"],
            skills=named,
            description="压力测试生成的岗位。",
            place="社区活动室",
            kind="standing" if standing else "shifts",
            status="open" if future or rng.random() < 0.5 else "closed",
            created_at=stamp(min(created, now)),
            created_by=admin_of[cid],
        )
        posts[cid].append(post)
        rows = [(None, None, None)] if standing else [(d.isoformat(), start, end) for d in dates]
        for day, s_start, s_end in rows:
            sid = next(ids5)
            shift = _like(
                tpl["shift"],
                id=sid,
                post_id=pid,
                community_id=cid,
                date=day,
                start=s_start,
                end=s_end,
                capacity=rng.randint(10, 30) if standing else rng.randint(3, 15),
            )
            shifts[cid].append(shift)
            shift_meta[sid] = (cid, post, shift, (day, s_start) if day else None)
    return District(
        sizes,
        now,
        communities,
        users,
        report_ptrs,
        reports,
        posts,
        shifts,
        shift_meta,
        bench_uids,
        cancel_uids,
        admin_of,
        district_admin["uid"],
        tpl,
    )


def build_signups(
    d: District, total: int, seed: int = 7, cancel_targets: bool = False
) -> tuple[dict, dict]:
    """Sign-ups over a year of shifts: {(cid, month): [rows in arrival order]}, parts per uid.

    Capacity and the waiting list are applied as sign_up/cancel_signup would: arrivals
    are confirmed while places are free, later ones wait; a cancelled confirmed row
    promotes the first waiting one. Nobody holds two sign-ups at the same time, and
    the bench members have no future sign-ups (the load run adds theirs). With
    cancel_targets, each cancel member then signs up for ``cancel_each`` future shifts
    (the last arrivals), which the load run cancels.
    """
    rng = random.Random(seed)
    tpl = d.templates["signup"]
    ids5 = _ids(rng, 5)
    stamp = lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    now = d.now
    today = now.date().isoformat()
    all_shifts = [meta for meta in d.shift_meta.values()]
    weights = [meta[2]["capacity"] for meta in all_shifts]
    picks = rng.choices(range(len(all_shifts)), weights=weights, k=total)
    per_shift: dict[int, int] = {}
    for i in picks:
        per_shift[i] = per_shift.get(i, 0) + 1

    by_home: dict[str, list] = {}
    members = [u for u in d.users if u["role"] in ("member", "volunteer")]
    for m in members:
        by_home.setdefault(m["home_cid"], []).append(m["uid"])
    all_uids = [m["uid"] for m in members]
    bench = set(d.bench_uids) | set(d.cancel_uids)
    confirmed_in: dict[str, int] = {}
    busy: dict[str, set] = {}  # uid -> {(date, start)}
    files: dict[tuple, list] = {}
    made = 0
    for i, count in per_shift.items():
        cid, post, shift, slot = all_shifts[i]
        future = shift["date"] is None or shift["date"] >= today
        if shift["date"]:
            start = datetime.strptime(f"{shift['date']} {shift['start']}", "%Y-%m-%d %H:%M")
        else:
            start = now
        earliest = max(
            start - timedelta(days=14), datetime.strptime(post["created_at"], "%Y-%m-%d %H:%M:%S")
        )
        latest = min(start - timedelta(hours=1), now - timedelta(minutes=1))
        if latest <= earliest:
            latest = earliest + timedelta(minutes=1)
        chosen = set()
        arrivals = []
        for _ in range(count):
            for _try in range(30):
                pool = by_home.get(cid) if rng.random() < 0.7 else all_uids
                uid = rng.choice(pool or all_uids)
                if uid in chosen or (future and uid in bench):
                    continue
                if slot and slot in busy.get(uid, ()):
                    continue
                break
            else:
                continue
            chosen.add(uid)
            if slot:
                busy.setdefault(uid, set()).add(slot)
            at = earliest + (latest - earliest) * rng.random()
            arrivals.append((at, uid))
        arrivals.sort()
        rows, confirmed = [], 0
        for at, uid in arrivals:
            status = "confirmed" if confirmed < shift["capacity"] else "waiting"
            confirmed += status == "confirmed"
            rows.append(
                _like(
                    tpl,
                    id=next(ids5),
                    shift_id=shift["id"],
                    post_id=post["id"],
                    uid=uid,
                    status=status,
                    created_at=stamp(at),
                    cancelled_at=None,
                    promoted_at=None,
                )
            )
        for row in rows:
            if rng.random() >= d.sizes.cancel_share:
                continue
            created = datetime.strptime(row["created_at"], "%Y-%m-%d %H:%M:%S")
            when = min(created + (latest - created) * rng.random(), now - timedelta(seconds=1))
            was = row["status"]
            row.update(status="cancelled", cancelled_at=stamp(when))
            if was == "confirmed":
                waiting = [r for r in rows if r["status"] == "waiting"]
                if waiting:
                    waiting[0].update(status="confirmed", promoted_at=stamp(when))
        month = shift["date"][:7] if shift["date"] else "standing"
        files.setdefault((cid, month), []).extend(rows)
        confirmed_in[shift["id"]] = sum(r["status"] == "confirmed" for r in rows)
        made += len(rows)
    if cancel_targets:
        earliest = (now + timedelta(days=2)).date().isoformat()
        future = [
            m for m in all_shifts if m[3] and m[1]["status"] == "open" and m[2]["date"] >= earliest
        ]
        at = now - timedelta(seconds=len(d.cancel_uids) * d.sizes.cancel_each + 60)
        for uid in d.cancel_uids:
            taken = set()
            for cid, post, shift, slot in rng.sample(future, len(future)):
                if len(taken) >= d.sizes.cancel_each:
                    break
                if slot in taken or slot in busy.get(uid, ()):
                    continue
                taken.add(slot)
                at += timedelta(seconds=1)
                taken_places = confirmed_in.get(shift["id"], 0)
                status = "confirmed" if taken_places < shift["capacity"] else "waiting"
                confirmed_in[shift["id"]] = taken_places + (status == "confirmed")
                files.setdefault((cid, shift["date"][:7]), []).append(
                    _like(
                        tpl,
                        id=next(ids5),
                        shift_id=shift["id"],
                        post_id=post["id"],
                        uid=uid,
                        status=status,
                        created_at=stamp(at),
                        cancelled_at=None,
                        promoted_at=None,
                    )
                )
    parts: dict[str, list] = {}
    for (cid, month), rows in files.items():
        rows.sort(key=lambda r: r["created_at"])  # doc ids follow arrival, as under the lock
        for row in rows:
            mine = parts.setdefault(row["uid"], [])
            if [cid, month] not in mine:
                mine.append([cid, month])
    return files, parts


# --- writing ---------------------------------------------------------------------------------


def _tables(**tables) -> str:
    """TinyDB's JSON layout, serialised as the store writes it (``backend.dumps``)."""
    data = {name: {str(n): row for n, row in enumerate(rows, 1)} for name, rows in tables.items()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def write_store(
    d: District,
    folder: Path,
    signups_total: int,
    secret_key: str | None = None,
    cancel_targets: bool = False,
) -> dict:
    """Write the district with ``signups_total`` sign-ups (plus the cancel members' ones
    when cancel_targets) into an empty folder; returns counts."""
    from portal import store
    from portal.store import base as _common, _files
    from portal.store.accounts.users import SHARDS

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"not empty: {folder}")
    files, parts = build_signups(d, signups_total, cancel_targets=cancel_targets)
    backend = store.open_store(folder)
    if not isinstance(backend, store.FileBackend):
        raise SystemExit(f"not a data folder: {folder}")

    def write(key: str, text: str) -> None:
        _files.write_atomic(backend.path(key), text)

    write(_common.places_key(), _tables(communities=d.communities))
    shards: dict[str, list] = {s: [] for s in SHARDS}
    for user in d.users:
        shards[user["uid"][0]].append(user)
        pointers = [{"kind": "reports", "at": list(p)} for p in d.report_ptrs.get(user["uid"], [])]
        pointers += [{"kind": "signups", "at": list(p)} for p in parts.get(user["uid"], [])]
        if pointers:
            write(_common.person_key(user["uid"]), _tables(pointers=pointers))
    for shard, rows in shards.items():
        if rows:
            write(_common.account_key(shard), _tables(users=rows))
    for c in d.communities:
        cid = c["id"]
        write(
            _common.community_key(cid),
            _tables(reports=d.reports[cid], posts=d.posts[cid], shifts=d.shifts[cid]),
        )
    for (cid, month), rows in files.items():
        write(_common.signups_key(cid, month), _tables(signups=rows))
    if secret_key:
        (folder / "secret_key").write_text(secret_key)
        (folder / "secret_key").chmod(0o600)
    # Readers of district-wide lists watch this stamp; the files above bypassed commit().
    _files.touch_district_stamp(backend.folder)
    backend.forget_caches()
    return {
        "streets": len({c["street_id"] for c in d.communities}),
        "communities": len(d.communities),
        "members": sum(u["role"] in ("member", "volunteer") for u in d.users),
        "accounts": len(d.users),
        "posts": sum(len(v) for v in d.posts.values()),
        "shifts": sum(len(v) for v in d.shifts.values()),
        "open_future_shifts": sum(
            1
            for meta in d.shift_meta.values()
            if meta[1]["status"] == "open"
            and (meta[2]["date"] is None or meta[2]["date"] > d.now.date().isoformat())
        ),
        "signups": sum(len(rows) for rows in files.values()),
        "signup_files": len(files),
    }


# --- the check: real store functions on the generated store ----------------------------------


def check(d: District, folder: Path) -> None:
    """Open the generated store and use it through the store's own functions."""
    from portal import store

    backend = store.open_store(folder)  # every file parses as the store's JSON
    at = store.now()
    members = [u for u in d.users if u["role"] in ("member", "volunteer")]
    probe = members[:40] + [u for u in members if u["uid"] in set(d.bench_uids)][:10]
    seen_rows = 0
    for user in probe:
        rows = store.user_signups(user["uid"], include_cancelled=True)
        seen_rows += len(rows)
        for row in rows:
            assert row["uid"] == user["uid"] and row["shift"]["id"] == row["shift_id"]
        store.current_report_state(user["uid"])
    busiest = max(d.shift_meta.values(), key=lambda m: m[2]["capacity"])
    for cid, _post, shift, _slot in list(d.shift_meta.values())[:200] + [busiest]:
        r = store.roster(cid, shift["id"])
        assert len(r["confirmed"]) <= shift["capacity"], "capacity exceeded in generated data"
        assert all(x["user"] for x in r["confirmed"] + r["waiting"]), "sign-up of unknown user"
    # A real sign-up and cancel on a future shift, by a bench member, through the store.
    uid = d.bench_uids[0]
    cid, post, shift, _slot = next(
        m
        for m in d.shift_meta.values()
        if m[2]["date"]
        and m[2]["date"] > (at + timedelta(days=2)).date().isoformat()
        and m[1]["status"] == "open"
    )
    before = len(store.user_signups(uid))
    row = store.sign_up(cid, shift["id"], uid)
    expected = set(d.templates["signup"])
    stored = set(row) - {"position"}  # sign_up also tells the caller its waiting position
    assert stored == expected, (
        f"sign-up row shape differs: real {sorted(stored)} generated {sorted(expected)}"
    )
    raw = backend.read(store.base.signups_key(cid, shift["date"][:7]))["signups"]
    assert set(next(r for r in raw.values() if r["id"] == row["id"])) == expected
    assert len(store.user_signups(uid)) == before + 1
    store.cancel_signup(cid, shift["id"], uid)
    assert len(store.user_signups(uid)) == before
    assert store.recommend_shifts(uid), "为我推荐 is empty on the generated store"
    backend.forget_caches()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description="write a district-scale store"
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--signups", type=int)
    args = parser.parse_args(argv)
    sizes = SMALL if args.small else FULL
    if args.signups is not None:
        sizes = replace(sizes, signups=args.signups)
    from portal import store

    started = time.perf_counter()
    district = build_district(sizes, store.now())
    counts = write_store(district, args.folder, sizes.signups)
    check(district, args.folder)
    print(json.dumps(counts, ensure_ascii=False), f"{time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
