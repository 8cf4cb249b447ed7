"""Serve the built knowledge base (``site/``) at ``/``, as any static web server would."""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

bp = Blueprint("kb_site", __name__)


def _site_dir() -> str:
    return current_app.config["SITE_DIR"]


def kb_not_found():
    """The KB's own 404 page (Material builds one), or ours when the KB is not built."""
    page = os.path.join(_site_dir(), "404.html")
    if os.path.isfile(page):
        response = send_file(page, mimetype="text/html", max_age=0)
        response.status_code = 404
        return response
    return render_template(
        "errors/error.html", code=404, title="页面不存在", text="没有找到您要的页面。"
    ), 404


def _not_for_the_kb(path: str) -> None:
    """A /portal/ URL that reached the catch-all: 405 if it exists for POST, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(f"/{path}", method="POST")
    except HTTPException:
        abort(404)
    abort(405 if endpoint != "kb_site.page" else 404)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own (e.g. for a JSON page): answer with ours."""
    assert current_app.static_folder is not None  # the portal's static/
    return send_file(
        os.path.join(current_app.static_folder, "favicon.svg"),
        mimetype="image/svg+xml",
        max_age=86400,
    )


@bp.route("/", defaults={"path": ""})
@bp.route("/<path:path>")
def page(path: str):
    """A file of the built KB; a folder answers with its index.html."""
    if path == "portal" or path.startswith("portal/"):
        _not_for_the_kb(path)
    site = _site_dir()
    if not os.path.isfile(os.path.join(site, "index.html")):
        return render_template(
            "errors/error.html",
            code=503,
            title="知识库尚未构建",
            text="请先运行 python run.py build 构建知识库。",
        ), 503
    target = safe_join(site, path) if path else site
    if target is None:  # an escape attempt such as ../ or an absolute path
        return kb_not_found()
    if os.path.isdir(target):
        if path and not path.endswith("/"):
            query = request.query_string.decode()
            return redirect(f"/{path}/" + (f"?{query}" if query else ""), code=301)
        target = os.path.join(target, "index.html")
    if not os.path.isfile(target) or os.path.basename(target).startswith("."):
        return kb_not_found()
    return send_file(target, max_age=300, conditional=True)
