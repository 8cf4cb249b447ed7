"""The in-app inbox (消息), the unread count in the header, and shift reminders.

Reminders need no background worker: when a member or volunteer opens a portal
page, a reminder is made for each confirmed shift starting within 24 hours
(once per shift).
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from forms.posts import ActionForm

from .. import auth, mail, store

bp = Blueprint("inbox", __name__, template_folder="templates", url_prefix="/portal/inbox")
PARTICIPANTS = ("member", "volunteer")
log = logging.getLogger("portal.inbox")


@bp.before_app_request
def _remind():
    """Make the reminders of shifts starting within 24 hours (idempotent)."""
    user = getattr(g, "user", None)
    if (
        user is None
        or user["role"] not in PARTICIPANTS
        or request.method != "GET"
        or not request.path.startswith("/portal")
        or request.endpoint == "static"
    ):
        return
    try:
        made = store.remind_upcoming(user["uid"], link=url_for("member.home"))
        if made:
            mail.mail_stored(user["uid"], made)
    except (store.StoreError, OSError):
        log.exception("提醒生成失败：%s", user["uid"])


@bp.app_context_processor
def _unread():
    user = getattr(g, "user", None)
    return {"unread_count": store.unread_count(user["uid"]) if user else 0}


@bp.route("/")
@auth.login_required
def index():
    """My notifications, newest first; unread ones are marked."""
    return render_template(
        "inbox/index.html", items=store.inbox(g.user["uid"]), action=ActionForm()
    )


@bp.route("/read", methods=["POST"])
@auth.login_required
def read_all():
    """Mark every notification as read."""
    if ActionForm().validate_on_submit():
        store.mark_read(g.user["uid"], "all")
        flash("全部消息已标记为已读。", "success")
    return redirect(url_for(".index"))


@bp.route("/<nid>/open", methods=["POST"])
@auth.login_required
def open_item(nid: str):
    """Mark one notification read and go to what it is about."""
    item = store.get_notification(g.user["uid"], nid)
    if ActionForm().validate_on_submit():
        store.mark_read(g.user["uid"], [nid])
    link = item.get("link") or ""
    if link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for(".index"))
