"""What every template may use: the current user, names from the taxonomy, masks."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g, request, url_for

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
    cache = current_app.extensions.setdefault("portal_fixed_urls", {})
    key = (request.script_root, endpoint, filename)
    url = cache.get(key)
    if url is None:
        url = cache[key] = (
            url_for(endpoint, filename=filename) if filename is not None else url_for(endpoint)
        )
    return url


def _context() -> dict:
    user = getattr(g, "user", None)
    return {
        "current_user": user,
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
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(shift_label, "shift_label")
