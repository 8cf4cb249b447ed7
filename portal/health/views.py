"""The health check at ``/portal/health``, as JSON.

Anyone (a load balancer, a monitor) gets whether the store can be written right now
(the data folder, or the database): 200 if so, 503 if not. A district admin also gets
the details: why not, the free space (files) or the database, and the last storage
error of this worker process (a full disk, a quota, a read-only file system, the
database gone; see ``portal.errors``) with when and on which page. Nothing in it is
personal data.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, g

from .. import errors, store

bp = Blueprint("health", __name__, url_prefix="/portal")


@bp.route("/health")
def index():
    """Whether the store can save now; the details for district admins only."""
    probe = store.store_health()
    cause = probe["error"]
    body: dict = {
        "status": "ok" if cause is None else "error",
        "store_writable": cause is None,
        "message": "存储可写，可以正常保存。"
        if cause is None
        else "存储现在不可写，新的提交无法保存。",
        "checked_at": store.now().isoformat(timespec="seconds"),
    }
    user = getattr(g, "user", None)
    if user is not None and user["role"] == "district_admin":
        last, count = errors.last_storage_error()
        body["details"] = {
            "store_error": cause,
            "backend": probe["backend"],
            "free_bytes": probe.get("free_bytes"),
            "last_storage_error": last,  # {"at", "cause", "endpoint"} or null
            "storage_errors": count,
            "note": "最近一次存储错误只记录在本进程（每个 worker 各自记录），重启后清空。",
        }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=200 if cause is None else 503,
        mimetype="application/json",
    )
