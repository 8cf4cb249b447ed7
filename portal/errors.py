"""Chinese error pages; never a stack trace.

A write that fails because the disk is full, over quota or read-only (an OSError
with ENOSPC, EDQUOT or EROFS anywhere in the exception's chain) is a 503 that says
nothing was saved; the store's atomic writes leave the old files as they were. It is
logged at ERROR with its cause and kept (per process) for the health page.
"""

from __future__ import annotations

import errno
import logging
import threading

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import store
from .kb_site.views import kb_not_found

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回检查后重试。"),
    403: ("没有权限", "您的账号没有访问这个页面的权限。"),
    404: ("页面不存在", "没有找到您要的页面，可能链接有误或内容已删除。"),
    405: ("操作方式不对", "这个地址不支持这种操作方式，请从页面上的按钮进入。"),
    413: ("内容过大", "提交的内容或文件超过了大小限制，请压缩后重试。"),
    429: ("操作过于频繁", "您的操作太频繁了，请稍后再试。"),
    500: ("服务器出错了", "系统遇到了意外问题，我们已记录。请稍后再试。"),
    503: ("暂时无法服务", "服务暂时不可用，请稍后再试。"),
}
DATABASE_DOWN = (
    "数据库暂时无法连接",
    "数据库正在重启或暂时无法连接：刚才的操作没有完成，也不会只保存一半。"
    "请稍等片刻后重试；系统会在数据库恢复后自动恢复，无需其他操作。",
)
CANNOT_SAVE = (
    "暂时无法保存",
    "服务器的存储空间已满或暂时不可写，现在无法保存：您刚才提交的内容没有保存，"
    "已有的数据没有受到影响。请稍后再试；如果一直这样，请联系管理员。",
)
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})

# The last storage error of this process, for the health page: {"at", "cause", "endpoint"}.
_storage_lock = threading.Lock()
_storage_state: dict = {"last": None, "count": 0}


def render_error(code: int, detail: str | None = None, title: str | None = None):
    default_title, text = MESSAGES.get(code, MESSAGES[500])
    values = {"code": code, "title": title or default_title, "text": detail or text}
    try:
        return render_template("errors/error.html", **values), code
    except store.BackendUnavailable:
        # The signed-in user's parts of the page (the inbox's unread count) need the store
        # that has just gone away: the same page as for a visitor.
        g.user = None
        return render_template("errors/error.html", **values), code


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if code == 404 and not request.path.startswith("/portal"):
        return kb_not_found()  # the KB's own 404 page for KB paths
    return render_error(code if code in MESSAGES else 400)


def _csrf_error(exc: CSRFError):
    return render_error(400, "页面已过期或缺少安全校验信息，请刷新页面后重新提交。")


def _not_found(exc: store.NotFound):
    return render_error(404)


def storage_error(exc: BaseException | None) -> OSError | None:
    """The full-disk, over-quota or read-only OSError that exc is or was raised from."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def last_storage_error() -> tuple[dict | None, int]:
    """The last storage error of this process (or None) and how many there were."""
    with _storage_lock:
        return _storage_state["last"], _storage_state["count"]


def _cannot_save(exc: BaseException, cause: OSError):
    name = errno.errorcode.get(cause.errno or 0, str(cause.errno))
    with _storage_lock:
        _storage_state["last"] = {
            "at": store.now().isoformat(timespec="seconds"),
            "cause": f"{name}: {cause.strerror}",
            "endpoint": request.endpoint,
        }
        _storage_state["count"] += 1
    logging.getLogger("portal").error(
        "cannot save (%s) on %s %s: %s", name, request.method, request.path, cause, exc_info=exc
    )
    title, text = CANNOT_SAVE
    return render_error(503, text, title)


def _backend_unavailable(exc: store.BackendUnavailable):
    logging.getLogger("portal").error(
        "store unavailable on %s %s: %s", request.method, request.path, exc
    )
    title, text = DATABASE_DOWN
    g.user = None  # the page must not ask the store for the user's unread count
    if request.blueprint == "health":  # a monitor reads JSON, whatever failed first
        body = {"status": "error", "store_writable": False, "message": text}
        return jsonify(body), 503
    return render_error(503, text, title)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    cause = storage_error(exc)
    if cause is not None:
        return _cannot_save(exc, cause)
    logging.getLogger("portal").exception("unhandled error on %s", request.path)
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(store.NotFound, _not_found)
    app.register_error_handler(store.BackendUnavailable, _backend_unavailable)
    for code in MESSAGES:
        app.register_error_handler(code, _http_error)
    app.register_error_handler(Exception, _unexpected)
