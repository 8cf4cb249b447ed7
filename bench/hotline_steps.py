"""What one 接诉即办 step and the handler's list cost while many orders wait at a unit.

``python -m bench.hotline_steps [--sizes 0,5000,20000] [--backend files|postgres|both]``

For each size N a fresh store gets N imported orders waiting at the district (待派单),
then 20 more orders go one by one through 派单 (district → street, which rewrites
what the district's list keeps of them) and 签收 (the street); the median of each step
is printed, with the time to read the district's whole list (every entry with its
urgency) and (where the store has it) its first page of 50, as a request reads it.
A step's cost should not grow with N. PostgreSQL runs on a private cluster
(``tests/pg_cluster.py``), removed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

T0 = datetime(2026, 12, 1, 9, 0, 0)
STEPS = 20
PASSWORD = "bench-password-1"


def _row(number: str) -> dict:
    return {
        "工单编号": number,
        "受理时间": "2026-12-01 08:30",
        "诉求人": "张先生",
        "联系电话": "13812345678",
        "诉求内容": "楼下路灯不亮，晚上出行不便，请尽快处理。" * 2,
        "诉求类别": "路灯照明",
        "地址": "东四北大街 1 号",
        "所属街道": "东四街道",
        "所属社区": "",
        "办理时限": "",
    }


def _user(store, phone: str, role: str, scope=None) -> dict:
    from portal.config import DEFAULTS

    user = store.create_user(
        phone=phone,
        password=PASSWORD,
        role=role,
        scope=scope,
        name=f"用户{phone[-4:]}",
        work_unit="",
        party_org="",
        skills=[],
        availability=[],
        consent_version=DEFAULTS["CONSENT_VERSION"],
    )
    return {"uid": user["uid"], "name": user["name"], "role": role}


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _in_request(call):
    """Within a request's read scope, as a page is served (on PostgreSQL: the list's
    64 buckets are checked in one query)."""
    from portal import store

    backend = store.current_backend()
    backend.begin_scope()
    try:
        return call()
    finally:
        backend.end_scope()


def _list_page(target: str) -> float:
    """The district admin's list page ``/portal/hotline/`` through the app (best of 5,
    after one request that fills the caches), in seconds."""
    from portal import create_app

    folder = tempfile.mkdtemp(prefix="hotline-steps-app-")
    database = target if target.startswith("postgresql://") else ""
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATA_DIR": "" if database else target,
            "DATABASE_URL": database,
            "BACKUP_DIR": folder if database else None,
            "SECRET_KEY": "bench-secret-" + "k" * 40,
            "SITE_DIR": folder,
        }
    )
    client = app.test_client()
    client.post("/portal/login", data={"phone": "13800000006", "password": PASSWORD})
    first = client.get("/portal/hotline/")
    if first.status_code != 200 or "接诉即办工单" not in first.get_data(as_text=True):
        raise RuntimeError(f"/portal/hotline/ answered {first.status_code}")
    return min(_timed(lambda: client.get("/portal/hotline/")) for _ in range(5))


def measure(target: str, waiting: int) -> dict:
    """Open a fresh store at ``target``, fill the district's list with ``waiting``
    orders, time the steps and the list reads."""
    from portal import store

    store.open_store(target)
    try:
        store.add_community("dongsi", "测试甲社区", cid="ca")
        district = _user(store, "13800000006", "district_admin")
        street = _user(store, "13800000005", "street_admin", "dongsi")
        rows = [_row(f"W{i:06d}") for i in range(waiting)]
        for start in range(0, waiting, 5000):
            store.apply_hotline_import(rows[start : start + 5000], "district", district, at=T0)
        probe = [_row(f"P{i:03d}") for i in range(STEPS)]
        store.apply_hotline_import(probe, "district", district, at=T0)
        oids = [store.hotline_order_id_by_number(r["工单编号"]) for r in probe]
        at = T0 + timedelta(minutes=5)
        dispatch = [
            _timed(
                lambda oid=oid: store.dispatch_hotline_order(
                    oid, "district", district, "street:dongsi", at=at
                )
            )
            for oid in oids
        ]
        sign = [
            _timed(lambda oid=oid: store.sign_hotline_order(oid, "street:dongsi", street, at=at))
            for oid in oids
        ]
        result = {
            "waiting": waiting,
            "dispatch": statistics.median(dispatch),
            "sign": statistics.median(sign),
            "list_first": _timed(lambda: store.list_hotline_open("district", at)),
            "list_again": _timed(lambda: store.list_hotline_open("district", at)),
        }
        result["list_page"] = _list_page(target)
        page = getattr(store, "page_hotline_open", None)
        if page is not None:
            result["page_first"] = _timed(lambda: _in_request(lambda: page("district", at)))
            result["page_again"] = min(
                _timed(lambda: _in_request(lambda: page("district", at))) for _ in range(5)
            )
        return result
    finally:
        store.close_backends()


def _postgres_targets(sizes: list[int]):
    from tests.pg_cluster import PrivateCluster, find_bindir

    cluster = PrivateCluster(Path(tempfile.mkdtemp(prefix="pg-hotline-")), bindir=find_bindir())
    cluster.start()
    try:
        from portal import store

        for n in sizes:
            url = cluster.create_database(f"steps_{n}")
            store.init_database(url)
            yield url, n
    finally:
        cluster.close()


def _file_targets(sizes: list[int]):
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="hotline-steps-") as folder:
            yield str(Path(folder) / "data"), n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,5000,20000")
    parser.add_argument("--backend", choices=("files", "postgres", "both"), default="both")
    parser.add_argument(
        "--one-list",
        action="store_true",
        help="keep each unit's list in one document, as before the split (for comparison)",
    )
    args = parser.parse_args()
    if args.one_list:
        from portal.store.hotline import queue

        queue.BUCKETS = 1  # every entry of a unit in one document: the cost before the split
    sizes = [int(n) for n in args.sizes.split(",")]
    kinds = ["files", "postgres"] if args.backend == "both" else [args.backend]
    print(
        "backend   waiting  派单 ms  签收 ms  list ms (first/again)  page ms (first/again)"
        "  GET /portal/hotline/ ms"
    )
    for kind in kinds:
        targets = _file_targets(sizes) if kind == "files" else _postgres_targets(sizes)
        for target, n in targets:
            r = measure(target, n)
            page = (
                f"{r['page_first'] * 1000:7.1f} / {r['page_again'] * 1000:5.1f}"
                if "page_first" in r
                else "      —"
            )
            print(
                f"{kind:9} {n:7,}  {r['dispatch'] * 1000:7.1f}  {r['sign'] * 1000:7.1f}"
                f"  {r['list_first'] * 1000:8.1f} / {r['list_again'] * 1000:6.1f}    {page}"
                f"  {r['list_page'] * 1000:8.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
