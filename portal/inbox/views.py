"""The in-app inbox (消息), the unread count in the header, shift reminders, and each
person's notice settings (提醒设置: kinds by e-mail, quiet hours, work-unit address).

Reminders are made by the worker (``portal.worker.jobs.reminders``) on time; when a
member or volunteer opens a portal page, the due reminder of their shifts is made
here too (the same keys: never twice), in case no worker is running.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from forms.inbox import NoticeSettingsForm
from forms.posts import ActionForm

from .. import auth, mail, store

bp = Blueprint("inbox", __name__, template_folder="templates", url_prefix="/portal/inbox")
PARTICIPANTS = ("member", "volunteer")
log = logging.getLogger("portal.inbox")


@bp.before_app_request
def _remind():
    """Make the due reminders of shifts starting within 24 hours (idempotent)."""
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
        store.remind_upcoming(user["uid"], link=url_for("member.home"), compose=mail.compose)
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


@bp.route("/settings", methods=["GET", "POST"])
@auth.login_required
def settings():
    """Which notices also come by e-mail, quiet hours, and (members) the work-unit address
    for the quarterly letter. The inbox always gets every notice."""
    uid = g.user["uid"]
    saved = store.notification_settings(uid)
    form = NoticeSettingsForm(data=None if request.method == "POST" else saved)
    form.email_kinds.choices = list(store.NOTIFICATION_KINDS.items())
    if form.validate_on_submit():
        try:
            store.save_notification_settings(
                uid,
                form.email_kinds.data or [],
                form.quiet_from.data or None,
                form.quiet_to.data or None,
                form.unit_email.data if g.user["role"] == "member" else saved["unit_email"],
            )
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("提醒设置已保存。", "success")
            return redirect(url_for(".settings"))
    return render_template("inbox/settings.html", form=form, saved=saved)
