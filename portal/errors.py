"""Chinese error pages; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
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
}


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if code == 404 and not request.path.startswith("/portal"):
        return kb_not_found()  # the KB's own 404 page for KB paths
    return render_error(code if code in MESSAGES else 400)


def _csrf_error(exc: CSRFError):
    return render_error(400, "页面已过期或缺少安全校验信息，请刷新页面后重新提交。")


def _not_found(exc: store.NotFound):
    return render_error(404)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    logging.getLogger("portal").exception("unhandled error on %s", request.path)
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(store.NotFound, _not_found)
    for code in MESSAGES:
        app.register_error_handler(code, _http_error)
    app.register_error_handler(Exception, _unexpected)
