"""What every template may use: the current user, names from the taxonomy, masks."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from flask import Flask, current_app, g, render_template, request, url_for
from markupsafe import Markup

from kb import data as kbdata

from .auth import ADMIN_ROLES, ROLE_NAMES

WEEKDAYS = "一二三四五六日"
SIGNUP_STATUS = {"confirmed": "已报名", "waiting": "候补中", "cancelled": "已取消"}


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to recognise, not enough to call."""
    if not phone or len(phone) < 7:
        return "—"
    return f"{phone[:3]}****{phone[-4:]}"


def skill_name(skill_id: str) -> str:
    skill = kbdata.taxonomy()["skill_by_id"].get(skill_id)
    return skill["name"] if skill else skill_id


def category_name(category_id: str) -> str:
    """The name of a post's category, or of a need's (a problem or a service category)."""
    return kbdata.need_category_name(category_id)


def shift_label(shift: dict) -> str:
    """'12月5日（周六）09:00–11:00', or '长期岗位'."""
    if not shift.get("date"):
        return "长期岗位（时间与社区商定）"
    day = date.fromisoformat(shift["date"])
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）{shift['start']}–{shift['end']}"


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """``url_for`` of a link that takes no arguments (the header's links, static files),
    built once per app and script root instead of on every page: such a URL depends on
    nothing else (no URL defaults are registered, and these links are never external)."""
    return _fixed_urls()(endpoint, filename)


def _fixed_urls() -> Callable[..., str]:
    """``fixed_url`` for this request's app and script root, looked up once: a page
    renders it with the page's context (``_context``), saving two context lookups for
    each of its dozen or so header and static links."""
    roots = current_app.extensions.setdefault("portal_fixed_urls", {})
    urls = roots.setdefault(request.script_root, {})

    def fixed(endpoint: str, filename: str | None = None) -> str:
        url = urls.get((endpoint, filename))
        if url is None:
            url = urls[(endpoint, filename)] = (
                url_for(endpoint, filename=filename) if filename is not None else url_for(endpoint)
            )
        return url

    return fixed


_NAV_KEPT = 4096  # kept renderings per template: more than the combinations that exist


def nav_links(role: str | None, admin: bool, here: str) -> Markup:
    """The header's links for this role on this page (``_nav_links.html``), drawn once per
    app, script root, role and page: every page shows them twice, and they depend on
    nothing else (the user's name, unread count and logout token are drawn per page)."""
    return _kept_render("_nav_links.html", role=role, admin=bool(admin), here=here)


def _kept_render(template: str, **context: Hashable) -> Markup:
    """``render_template(template, **context)`` kept per app, script root and context
    (for parts that depend on nothing else), at most _NAV_KEPT of each template."""
    cache = current_app.extensions.setdefault("portal_kept_parts", {}).setdefault(template, {})
    key = (request.script_root, *context.items())
    html = cache.get(key)
    if html is None:
        if len(cache) >= _NAV_KEPT:
            cache.clear()
        html = cache[key] = Markup(render_template(template, **context))
    return html


# A value that no URL needs to quote, in a path segment or a query (ids, codes, formats).
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._~-]+\Z")
_MARK = re.compile(r"~~(\w+)~~")


def _url_parts(endpoint: str, names: tuple[str, ...]) -> list[str]:
    """``url_for(endpoint)`` with a placeholder for each name, split into literals and
    names (``["/portal/c/", "cid", "/shifts/", "sid", ""]``), made once per app, script
    root, endpoint and names; empty when there can be no pattern: a relative or special
    endpoint, a converter that refuses a placeholder, or a placeholder that came out
    quoted or twice."""
    cache = current_app.extensions.setdefault("portal_url_patterns", {})
    key = (request.script_root, endpoint, names)
    parts = cache.get(key)
    if parts is None:
        parts = []
        if endpoint[:1] != "." and not any(name[:1] == "_" for name in names):
            try:
                marks: dict[str, Any] = {name: f"~~{name}~~" for name in names}
                parts = _MARK.split(url_for(endpoint, **marks))
            except LookupError:  # werkzeug's BuildError: a converter refused a placeholder
                parts = []
            if sorted(parts[1::2]) != sorted(names):
                parts = []
        cache[key] = parts
    return parts


def fast_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` built from a pattern made once per endpoint and
    argument names: a page with dozens of links to rows (``cid``, ``sid`` …) pays for
    one ``url_for`` per kind of link. Values that would need quoting and endpoints with
    no pattern (``_url_parts``) go through ``url_for`` itself, so the URL is always
    exactly ``url_for``'s."""
    if all(isinstance(v, str) and _PLAIN_VALUE.match(v) for v in values.values()):
        parts = _url_parts(endpoint, tuple(values))
        if parts:
            return "".join(values[part] if n % 2 else part for n, part in enumerate(parts))
    return url_for(endpoint, **values)


def link_maker(endpoint: str, *names: str) -> Callable[..., str]:
    """A function of the ids, in the order of ``names``, giving ``fast_url(endpoint,
    **ids)``: for a view that draws many links of one kind (the pattern is looked up
    once, not per link)."""
    parts = _url_parts(endpoint, names)

    def link(*ids: str) -> str:
        values: dict[str, Any] = dict(zip(names, ids, strict=True))
        if parts and all(isinstance(v, str) and _PLAIN_VALUE.match(v) for v in ids):
            return "".join(values[part] if n % 2 else part for n, part in enumerate(parts))
        return url_for(endpoint, **values)

    return link


# The community admin's sub-navigation: (endpoint, label), and the pages that light up
# another item than their own.
COMMUNITY_NAV = (
    ("community_dashboard.dashboard", "概览"),
    ("reports_admin.report_ins", "报到审核"),
    ("reports_admin.members", "成员"),
    ("grids_admin.index", "网格"),
    ("posts_admin.posts", "岗位"),
    ("posts_admin.new_post", "发布岗位"),
    ("community_lists.index", "三个清单"),
    ("attendance_admin.no_shows", "缺席限制"),
    ("attendance_admin.quarterly", "季度汇总"),
    ("certificates_admin.index", "证明审核"),
    ("council_admin.index", "议事厅"),
    ("admin_accounts.reset_code", "重置码"),
)
_NAV_ALIASES = {
    "reports_admin.confirm_skills": "reports_admin.members",
    "posts_admin.post": "posts_admin.posts",
    "posts_admin.roster": "posts_admin.posts",
    "attendance_admin.attendance": "posts_admin.posts",
    "attendance_admin.quarterly_letter": "attendance_admin.quarterly",
}
_NAV_SECTIONS = ("community_lists.", "grids_admin.", "council_admin.")


def community_nav(cid: str, pending=None) -> Markup:
    """The sub-navigation of a community's admin pages, with the current page's item
    marked, drawn once per script root, community, page and pending count (it is on
    every community admin page, and its twelve links cost more than many a page's
    content)."""
    here = request.endpoint or ""
    here = _NAV_ALIASES.get(here, here)
    for section in _NAV_SECTIONS:
        if here.startswith(section):
            here = section + "index"
    return _kept_render("_admin_nav.html", items=COMMUNITY_NAV, cid=cid, here=here, pending=pending)


_PAGE_MARK = "__page__"


def page_url_maker() -> Callable[[int], str]:
    """A function of a page number giving this page's URL with ``page`` set and every
    other query argument kept: ``url_for`` runs once for all the page links (for each
    link only when another argument holds the placeholder itself)."""
    args: dict[str, Any] = dict(request.view_args or {}, **request.args.to_dict())
    endpoint = request.endpoint or ""
    if any(_PAGE_MARK in f"{key}{value}" for key, value in args.items()):
        return lambda n: url_for(endpoint, **dict(args, page=n))
    args["page"] = _PAGE_MARK
    head, _mark, tail = url_for(endpoint, **args).partition(_PAGE_MARK)
    return lambda n: f"{head}{n}{tail}"


def _context() -> dict:
    user = getattr(g, "user", None)
    return {
        "current_user": user,
        "fixed_url": _fixed_urls(),
        "is_admin": bool(user and user["role"] in ADMIN_ROLES),
        "role_names": ROLE_NAMES,
        "skill_name": skill_name,
        "category_name": category_name,
        "shift_label": shift_label,
        "signup_status": SIGNUP_STATUS,
    }


def register(app: Flask) -> None:
    app.context_processor(_context)
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_global(nav_links, "nav_links")
    app.add_template_global(page_url_maker, "page_url_maker")
    app.add_template_global(fast_url, "fast_url")
    app.add_template_global(community_nav, "community_nav")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(shift_label, "shift_label")
