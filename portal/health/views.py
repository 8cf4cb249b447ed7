"""The health check at ``/portal/health``, as JSON.

Anyone (a load balancer, a monitor) gets whether the data folder can be written right
now: 200 if so, 503 if not. A district admin also gets the details: why not, the free
space, and the last storage error of this worker process (a full disk, a quota, a
read-only file system; see ``portal.errors``) with when and on which page. Nothing in
it is personal data.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile

from flask import Blueprint, Response, g

from .. import errors, store

bp = Blueprint("health", __name__, url_prefix="/portal")

PROBE_BYTES = 4096  # at least one block: an empty file can be created on a full disk


def probe() -> str | None:
    """None if a small file can be written, synced and removed in the data folder;
    otherwise the cause (e.g. ``ENOSPC: No space left on device``)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".health.", suffix=".tmp", dir=store.root())
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(tmp)
    except OSError as exc:
        return f"{errno.errorcode.get(exc.errno or 0, exc.errno)}: {exc.strerror}"
    return None


@bp.route("/health")
def index():
    """Whether the store can save now; the details for district admins only."""
    cause = probe()
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
            "free_bytes": shutil.disk_usage(store.root()).free,
            "last_storage_error": last,  # {"at", "cause", "endpoint"} or null
            "storage_errors": count,
            "note": "最近一次存储错误只记录在本进程（每个 worker 各自记录），重启后清空。",
        }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=200 if cause is None else 503,
        mimetype="application/json",
    )
