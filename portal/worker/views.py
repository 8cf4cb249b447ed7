"""The district admins' page of the scheduled jobs and the e-mail outbox.

Each job with its schedule, last run (result or error) and next run; the runs that
failed; the workers seen lately; the outbox: waiting, failed for good (with a button
to send again), and sent this month. Addresses are shown masked.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from forms.posts import ActionForm

from .. import admin as _admin
from .. import auth, mail, store
from .jobs import JOBS
from .scheduler import next_run

bp = Blueprint("worker", __name__, template_folder="templates", url_prefix="/portal/admin/worker")


@bp.route("/")
@auth.roles_required("district_admin")
def index():
    """Jobs (last and next runs), failures, workers, and the outbox."""
    at = store.now()
    last = store.last_runs()
    rows = [
        {"job": j, "last": last.get(j.name), "next": next_run(j, at, last.get(j.name))}
        for j in JOBS
    ]
    return render_template(
        "worker/index.html",
        rows=rows,
        failures=store.job_runs(status="failed")[:20],
        workers=store.list_workers(),
        summary=store.outbox_summary(at),
        pending=store.outbox_messages("pending")[:100],
        failed=store.outbox_messages("failed"),
        sent=store.sent_messages(at.strftime("%Y-%m"), 20),
        kinds=store.NOTIFICATION_KINDS,
        max_attempts=store.OUTBOX_MAX_ATTEMPTS,
        mail_on=mail.enabled(),
        action=ActionForm(),
    )


@bp.route("/outbox/<mid>/retry", methods=["POST"])
@auth.roles_required("district_admin")
def retry(mid: str):
    """Put a message that failed for good back in the outbox, to be sent again."""

    def done(row):
        store.record_audit(g.user, "重新发送邮件", target=f"邮件 {mid}（{row['to']}）")
        flash("已放回发件箱，worker 会在一分钟内重新发送。", "success")

    _admin.form_action(ActionForm(), lambda _f: store.retry_outbox_message(mid, store.now()), done)
    return redirect(url_for(".index"))
