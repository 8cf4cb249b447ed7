"""接诉即办 at district scale: ``python -m bench --hotline`` (``--small`` for the quick preset).

Generates the district store (``bench.generate``: communities and their admins, street and
district admins), then a year of hotline work orders (20,000 a month; ``--small``: 2,000 a
month for 3 months). Going through the store's steps one order at a time would take hours
(a transaction per step), so the orders are built by the core's own pure code —
``intake.new_order``, the 派单 change of ``flow``, the rating of ``feedback`` — and the
remaining steps (签收, 联系, 答复, 结案) set the same fields as ``flow`` does; the documents
the store keeps are then written through backend transactions, one per document: the month
buckets, the 工单编号 index, the units' open lists (bucket documents) and the counters, the counters
computed by the core's ``counters.recount``. Afterwards every month's counters are read back
through ``store.hotline_counts`` and compared with ``store.hotline_recount`` of the orders
read back through ``store.hotline_orders_of_month``: they must match.

A gunicorn server (2 workers, 127.0.0.1) then serves the store, and wrk measures, beside
the bare ``/bench/hello`` of the same server in the same run:

* the handler's order list ``/portal/hotline/`` of 8 community admins;
* an order page ``/portal/hotline/o/<id>`` (open orders of those communities);
* the 三率 page ``/portal/hotline-figures/`` of 8 street admins (their street and the
  ranking of its communities), and the district's (streets, communities, departments).

Each page's share of the bare endpoint is the figure (target ≥ 30%). Last, with the server
stopped, a 5,000-row hotline import (``store.apply_hotline_import``) into the full store is
timed (target under 10 s). Results go to ``bench/RESULTS-hotline.md`` (``--small``:
``bench/out/HOTLINE-small.md``) and the console; raw wrk output to ``bench/out/hotline/``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

TARGET = 0.30
IMPORT_TARGET = 10.0
FULL_MONTHS, FULL_PER_MONTH = 12, 20_000
SMALL_MONTHS, SMALL_PER_MONTH = 3, 2_000
ADDRESSES_PER_COMMUNITY = 60
RESULTS = Path(__file__).resolve().parent / "RESULTS-hotline.md"


def log(msg: str) -> None:
    print(f"[bench hotline {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _months(now: datetime, count: int) -> list[str]:
    year, mon, out = now.year, now.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return out[::-1]


class Builder:
    """Orders moved along the main path with the core's own code where it is pure."""

    def __init__(self, district, now: datetime, seed: int = 17):
        from portal.store.hotline import model

        self.model = model
        self.rng = random.Random(seed)
        self.now = now
        self.config = model.config()
        self.categories = self.config["categories"]
        self.communities = district.communities
        from portal import store

        # what 派单 writes as the target's name on the timeline
        self.names = {f"street:{s['id']}": s["name"] for s in store.list_streets()}
        self.names.update({f"community:{c['id']}": c["name"] for c in self.communities})
        self.names.update({f"dept:{d['id']}": d["name"] for d in store.departments()})
        self.district = {"uid": district.district_admin, "name": "区级管理员", "role": "x"}
        self.staff = {"uid": "bench", "name": "工作人员", "role": "x"}

    def _step(self, order: dict, change) -> dict:
        before = order["timeline"]
        new, steps = change(order)
        new["timeline"] = [*before, *steps]
        return new

    def _dispatch(self, order, unit, target, at):
        from portal.store.hotline import flow

        names = {target: self.names.get(target, target)}
        return self._step(order, flow._dispatch_change(unit, self.staff, target, "", at, names))

    def _simple(self, order, unit, action, state, at, **fields):
        """A step that only sets fields, as ``flow`` does for 联系, 答复 and 结案."""
        m = self.model

        def change(o):
            o.update(state=state, **fields)
            return o, [m.timeline_step(self.staff, unit, action, state, at)]

        return self._step(order, change)

    def order(self, number: str, received: datetime, stage: str) -> dict:
        """A new order received at ``received``, moved on to ``stage``: pending,
        dispatched, street, working, answered or closed."""
        from portal.store.hotline import feedback, intake

        m, rng = self.model, self.rng
        cat = rng.choice(self.categories)
        community = rng.choice(self.communities)
        cid, sid = community["id"], community["street_id"]
        address = f"{community['name']}{rng.randrange(ADDRESSES_PER_COMMUNITY) + 1}号院"
        order, _token = intake.new_order(
            number=number,
            channel="hotline",
            category=cat["id"],
            received=received,
            caller="居民",
            phone=f"138{rng.randrange(10**8):08d}",
            content=f"{cat['name']}问题，请尽快处理。",
            address=address,
            origin="district",
            actor=self.district,
            suggest={"street": sid, "community": cid},
            at=received,
        )
        if stage == "pending":
            return order
        at = received + timedelta(minutes=rng.randint(5, 60))
        if cat["level"] == "department":
            holder = f"dept:{cat['department']}"
            order = self._dispatch(order, "district", holder, at)
        else:
            order = self._dispatch(order, "district", f"street:{sid}", at)
            if stage == "dispatched":
                return order
            at += timedelta(minutes=rng.randint(10, 150) if rng.random() < 0.9 else 300)
            order = self._sign(order, f"street:{sid}", at)
            if stage == "street":
                return order
            holder = f"community:{cid}"
            at += timedelta(minutes=rng.randint(5, 30))
            order = self._dispatch(order, f"street:{sid}", holder, at)
        at += timedelta(minutes=rng.randint(10, 150) if rng.random() < 0.9 else 300)
        order = self._sign(order, holder, at)
        at += timedelta(hours=rng.randint(1, 20))
        order = self._simple(order, holder, "联系诉求人", m.WORKING, at, contacted_at=m.stamp(at))
        if stage == "working":
            return order
        at += timedelta(hours=rng.randint(4, 96))
        resolved = rng.random() < 0.85
        order = self._simple(
            order,
            holder,
            "答复",
            m.ANSWERED,
            at,
            answered_at=m.stamp(at),
            answer="已处理",
            resolved=resolved,
            handler=holder,
            extension=None,
        )
        if stage == "answered":
            return order
        value = rng.choices(["satisfied", "basic", "unsatisfied"], [70, 20, 10])[0]
        # after the reopen window, so that 不满意 stands (a reopened order would need
        # a second answer); phone follow-ups, as for callers without a link
        at += timedelta(days=self.config["reopen_days"], hours=1)

        def rate(o):
            return feedback._rate(o, value, "", "phone", self.district, at)

        order = self._step(order, rate)
        at += timedelta(hours=1)
        return self._simple(
            order, "district", "结案", m.CLOSED, at, closed_at=m.stamp(at), holder="district"
        )

    def _sign(self, order, unit, at):
        m = self.model
        in_time = m.stamp(at) <= order["due"]["sign"]

        def change(o):
            o.update(state=m.SIGNED, signed_at=m.stamp(at))
            return o, [m.timeline_step(self.staff, unit, "签收", m.SIGNED, at, in_time=in_time)]

        return self._step(order, change)


def _stage(rng: random.Random, age_days: float) -> str:
    """How far an order received ``age_days`` ago has got."""
    if age_days > 20:
        return "closed" if rng.random() < 0.97 else rng.choice(["working", "answered"])
    weights = {
        "pending": 6,
        "dispatched": 8,
        "street": 8,
        "working": 30,
        "answered": 18,
        "closed": 30 if age_days > 9 else 0,
    }
    return rng.choices(list(weights), list(weights.values()))[0]


def _write(key_rows: dict[tuple[str, str], list[dict]]) -> None:
    """One backend transaction per document (a new store: insert the rows)."""
    from portal.store import backend as docs

    for (key, table), rows in key_rows.items():
        with docs.transaction(key) as (db,):
            db.table(table).insert_multiple(rows)


def add_orders(store, district, now: datetime, months: int, per_month: int) -> dict:
    """A year (``months``) of orders, ``per_month`` each, written month by month."""
    from portal.store.hotline import counters, model, queue

    builder = Builder(district, now)
    rng = random.Random(23)
    open_rows: dict[tuple[str, str], list[dict]] = {}
    numbers: dict[str, dict[str, str]] = {}  # the 工单编号 index: one row per bucket
    counts = {"orders": 0, "open": 0, "closed": 0, "months": months, "per_month": per_month}
    samples: dict[str, list[str]] = {}  # cid -> open order ids
    for month in _months(now, months):
        start = datetime.strptime(month, "%Y-%m")
        end = min((start + timedelta(days=32)).replace(day=1), now - timedelta(hours=1))
        span = (end - start).total_seconds()
        buckets: dict[tuple[str, str], list[dict]] = {}
        orders = []
        for i in range(per_month):
            received = start + timedelta(seconds=int(rng.random() * span))
            stage = _stage(rng, (now - received).total_seconds() / 86400)
            order = builder.order(f"BH{month.replace('-', '')}{i:06d}", received, stage)
            orders.append(order)
            buckets.setdefault((model.bucket_of(order["id"]), "orders"), []).append(order)
            numbers.setdefault(model.number_key(order["number"]), {})[order["number"]] = order["id"]
            for unit in model.index_units(order):
                key = queue.bucket_key(unit, order["id"])  # the unit's open list, in buckets
                open_rows.setdefault((key, "open"), []).append(model.entry(order))
            if order["state"] == model.CLOSED:
                counts["closed"] += 1
            else:
                counts["open"] += 1
                cid = order["route"].get("community")
                if cid and order["holder"] == f"community:{cid}":
                    samples.setdefault(cid, []).append(order["id"])
        _write(buckets)
        units = counters.recount(orders)
        _write(
            {
                (model.counts_key(month), "counts"): [
                    dict(counters.zero(), unit=unit, month=month, **fields)
                    for unit, fields in units.items()
                ]
            }
        )
        counts["orders"] += len(orders)
        log(f"  {month}: {len(orders):,} orders, {len(units)} counter rows")
    _write({(key, "numbers"): [{"map": found}] for key, found in numbers.items()})
    _write(open_rows)
    return {"counts": counts, "samples": samples}


def verify_counters(store, now: datetime, months: int) -> float:
    """Every month's counters against a recount of the orders read back: must match."""
    started = time.perf_counter()
    for month in _months(now, months):
        expected = store.hotline_recount(store.hotline_orders_of_month(month))
        units = {
            u
            for kind in ("street", "community", "dept")
            for u in store.hotline_counted_units(month, kind)
        }
        if units != set(expected):
            raise SystemExit(f"{month}: counter documents {len(units)} ≠ recount {len(expected)}")
        for unit, fields in expected.items():
            if store.hotline_counts(month, unit) != fields:
                raise SystemExit(f"{month} {unit}: counters do not match the recount")
    return time.perf_counter() - started


def time_import(store, district, now: datetime) -> float:
    """A 5,000-row import into the full store, as the district imports a day's export."""
    communities = district.communities
    streets = {s["id"]: s["name"] for s in store.list_streets()}
    cats = store.hotline_config()["categories"]
    rng = random.Random(5)
    rows = []
    for n in range(5000):
        community = communities[n % len(communities)]
        rows.append(
            {
                "工单编号": f"IMP{n:06d}",
                "受理时间": (now - timedelta(minutes=n % 600)).strftime("%Y-%m-%d %H:%M"),
                "诉求人": "居民",
                "联系电话": f"139{rng.randrange(10**8):08d}",
                "诉求内容": "楼道灯不亮，晚上出行不便，请尽快处理。",
                "诉求类别": cats[n % len(cats)]["name"],
                "地址": f"{community['name']}{n % 40 + 1}号院",
                "所属街道": streets[community["street_id"]],
                "所属社区": community["name"],
                "办理时限": "",
            }
        )
    actor = {"uid": district.district_admin, "name": "区级管理员", "role": "district_admin"}
    started = time.perf_counter()
    result = store.apply_hotline_import(rows, "district", actor, at=now)
    took = time.perf_counter() - started
    if result["added"] != 5000:
        raise SystemExit(f"import added {result['added']}")
    return took


def render(sizes, counts: dict, results: dict, seconds: float, check: float, imp: float) -> str:
    bare = results["bare"]["rps"]
    names = {
        "bare": "bare endpoint `GET /bench/hello`",
        "order_list": "handler's order list `GET /portal/hotline/` (community admins)",
        "order_page": "an order page `GET /portal/hotline/o/<id>`",
        "rates_street": "三率 page `GET /portal/hotline-figures/` (street admins)",
        "rates_district": "三率 page of the district (streets, communities, departments)",
    }
    lines = [
        "# 接诉即办 at district scale (`python -m bench --hotline`)",
        "",
        f"- Store: {sizes.communities} communities in {sizes.streets} streets; "
        f"{counts['orders']:,} work orders ({counts['per_month']:,} a month for "
        f"{counts['months']} months; {counts['open']:,} open, {counts['closed']:,} closed), "
        "built with the core's own order, 派单 and rating code and written as the store's "
        f"documents through backend transactions ({seconds:.0f} s); every month's counters "
        f"read back equal `hotline_recount` of the orders read back ({check:.0f} s to check).",
        "- Server: gunicorn, 2 sync workers, files backend; wrk on the same machine; the "
        "best of the rounds counts; share = req/s of the page ÷ req/s of the bare endpoint "
        f"of the same server in the same run (target ≥ {TARGET:.0%}).",
        "",
        "| page | req/s | share of bare | p50 ms | p99 ms | errors | target | rounds |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for key, r in results.items():
        share = r["rps"] / bare if bare else 0.0
        verdict = "" if key == "bare" else ("met" if share >= TARGET else "**MISSED**")
        lines.append(
            f"| {names[key]} | {r['rps']:,.0f} | {share:.1%} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']} | {verdict} | "
            f"{' / '.join(f'{x:,}' for x in r['rounds'])} |"
        )
    verdict = "met" if imp < IMPORT_TARGET else "**MISSED**"
    lines += [
        "",
        f"- 5,000-row hotline import into this store (`store.apply_hotline_import`, one "
        f"transaction): **{imp:.2f} s** (target under {IMPORT_TARGET:.0f} s: {verdict}).",
    ]
    return "\n".join(lines) + "\n"


def main(args) -> int:
    """Generate, add the orders, check, serve, measure, import, report."""
    from bench import generate, load
    from bench.grids import _measure
    from bench.server import Server
    from portal import store

    sizes = generate.SMALL if args.small else generate.FULL
    sizes = replace(
        sizes, **{k: getattr(args, k) for k in ("communities", "members") if getattr(args, k)}
    )
    months, per_month = (
        (SMALL_MONTHS, SMALL_PER_MONTH) if args.small else (FULL_MONTHS, FULL_PER_MONTH)
    )
    args.duration = args.duration or (4.0 if args.small else 6.0)
    out = args.out / "hotline"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-hotline-"))
    folder = base / "store-hotline"
    shutil.rmtree(folder, ignore_errors=True)
    now = store.now()
    started = time.perf_counter()
    try:
        district = generate.build_district(sizes, now)
        secret = f"bench-{random.getrandbits(256):064x}"
        generate.write_store(district, folder, min(sizes.signups, 1_000), secret_key=secret)
        store.open_store(folder)
        log(f"district written ({sizes.communities} communities); adding orders …")
        added = add_orders(store, district, now, months, per_month)
        seconds = time.perf_counter() - started
        log(f"added in {seconds:.0f} s: {added['counts']}")
        check = verify_counters(store, now, months)
        log(f"counters match the recount of every month ({check:.0f} s)")
        store.close_backends()
        server = Server(folder, out / "gunicorn.log")
        server.start()
        try:
            port = server.port
            phone_of = {u["uid"]: u["phone"] for u in district.users}
            cids = [c for c in (c["id"] for c in district.communities) if added["samples"].get(c)]
            cids = cids[:8]
            admins = load.login_all(
                port,
                [(phone_of[district.admin_of[c]], district.admin_of[c]) for c in cids],
                generate.BENCH_PASSWORD,
            )
            street_users = [u for u in district.users if u["role"] == "street_admin"][:8]
            streets = load.login_all(
                port, [(u["phone"], u["uid"]) for u in street_users], generate.BENCH_PASSWORD
            )
            (chief,) = load.login_all(
                port,
                [(phone_of[district.district_admin], district.district_admin)],
                generate.BENCH_PASSWORD,
            )
            month = now.strftime("%Y-%m")
            order_pages = [
                (f"/portal/hotline/o/{oid}", s.cookie)
                for c, s in zip(cids, admins, strict=True)
                for oid in added["samples"][c][:4]
            ]
            pages = {
                "bare": load.get_lines([("/bench/hello", "")]),
                "order_list": load.get_lines([("/portal/hotline/", s.cookie) for s in admins]),
                "order_page": load.get_lines(order_pages),
                "rates_street": load.get_lines(
                    [(f"/portal/hotline-figures/?month={month}", s.cookie) for s in streets]
                ),
                "rates_district": load.get_lines(
                    [(f"/portal/hotline-figures/?month={month}", chief.cookie)]
                ),
            }
            for name, lines in pages.items():
                _m, path, cookie, _b = lines[0]
                status, _h, text, _c = load.fetch(port, "GET", path, cookie)
                if status != 200 or 'name="password"' in text:
                    raise RuntimeError(f"{name}: GET {path} answered {status}")
            results = _measure(args, port, out, pages)
        finally:
            server.stop()
        store.open_store(folder)
        imp = time_import(store, district, now)
        log(f"5,000-row import: {imp:.2f} s")
        text = render(sizes, added["counts"], results, seconds, check, imp)
        target = args.results or (args.out / "HOTLINE-small.md" if args.small else RESULTS)
        Path(target).write_text(text, encoding="utf-8")
        print(text)
        return 0
    finally:
        store.close_backends()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
