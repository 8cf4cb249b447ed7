"""A member's service records: hours, certificates, calendar feed; the public verification page."""

from __future__ import annotations

import io
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from forms.posts import ActionForm
from forms.records import PeriodForm

from .. import auth, store

bp = Blueprint("records", __name__, template_folder="templates", url_prefix="/portal")
PARTICIPANTS = ("member", "volunteer")
BEIJING = ZoneInfo("Asia/Shanghai")


@bp.route("/me/hours")
@auth.roles_required(*PARTICIPANTS)
def hours():
    """My service hours by category and month, each service with its state."""
    rows = store.hours_rows(g.user["uid"])
    return render_template(
        "records/hours.html",
        rows=list(reversed(rows)),
        summary=store.summarize_hours(rows),
        no_shows=store.user_no_shows(g.user["uid"]),
    )


@bp.route("/me/certificates", methods=["GET", "POST"])
@auth.roles_required(*PARTICIPANTS)
def certificates():
    """Ask for a service record certificate of a period; list the ones issued."""
    uid = g.user["uid"]
    today = store.now().date()
    form = PeriodForm(data={"date_from": date(today.year, 1, 1), "date_to": today})
    if form.validate_on_submit():
        try:
            cert = store.issue_certificate(uid, form.date_from.data, form.date_to.data)
        except store.StoreError as exc:
            form.date_from.errors.append(str(exc))
        else:
            if cert["status"] == "pending":
                _ask_community(cert)
            return redirect(url_for(".certificate", serial=cert["serial"]))
    return render_template(
        "records/certificates.html",
        form=form,
        issued=store.user_certificates(uid),
        statuses=store.CERTIFICATE_STATUS_NAMES,
    )


def _ask_community(cert: dict) -> None:
    """Tell the issuing community's admins that a request waits (once per request)."""
    admins = store.list_admins("community_admin", [cert["community_id"]])
    link = url_for("certificates_admin.index", cid=cert["community_id"])
    text = f"{cert['name']}申请开具志愿服务记录证明（{cert['date_from']} 至 {cert['date_to']}），请审核。"
    for admin in admins:
        if not admin.get("disabled"):
            store.notify(admin["uid"], "certificate", text, link=link, key=f"cert-{cert['serial']}")


def _qr_target(serial: str) -> str:
    return url_for("records.verify", serial=serial, _external=True)


@bp.route("/me/certificates/<serial>")
@auth.roles_required(*PARTICIPANTS)
def certificate(serial: str):
    """The printable certificate (its owner only)."""
    cert = store.get_certificate(serial)
    if cert is None or cert["uid"] != g.user["uid"]:
        abort(404)
    return render_template(
        "records/certificate.html",
        cert=cert,
        verify_url=_qr_target(cert["serial"]),
        statuses=store.CERTIFICATE_STATUS_NAMES,
    )


@bp.route("/verify", methods=["GET", "POST"])
def verify_form():
    """Public: type a certificate number (or paste its link) to check it."""
    typed = request.values.get("serial")
    error = None
    if typed is not None:
        serial = store.normalize_serial(typed)
        if serial:
            return redirect(url_for(".verify", serial=serial))
        error = (
            "请输入证明编号。"
            if not typed.strip()
            else "证明编号的格式不对：编号以 DC 和年份开头，后接 4 组、每组 4 位的数字或字母，"
            "例如 DC2026-1A2B-3C4D-5E6F-7A8B。"
        )
    return render_template("records/verify_form.html", typed=typed or "", error=error)


@bp.route("/verify/<serial>")
def verify(serial: str):
    """Public: whether a certificate with this serial was issued, and its masked content."""
    cert = store.verified_certificate(serial)
    return render_template("records/verify.html", cert=cert, serial=serial), 200 if cert else 404


@bp.route("/verify/<serial>/qr.svg")
def qr(serial: str):
    """The QR code (SVG) that opens the verification page of an issued certificate."""
    import segno

    if store.verified_certificate(serial) is None:
        abort(404)
    out = io.BytesIO()
    segno.make(_qr_target(serial), error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, title="核验二维码"
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")


# --- calendar feed ----------------------------------------------------------------------


@bp.route("/me/calendar")
@auth.roles_required(*PARTICIPANTS)
def calendar():
    """The private feed URL of my shifts, and a button to make a new one."""
    token = g.user.get("ical_token")
    url = url_for(".feed", uid=g.user["uid"], token=token, _external=True) if token else None
    return render_template("records/calendar.html", feed_url=url, action=ActionForm())


@bp.route("/me/calendar/token", methods=["POST"])
@auth.roles_required(*PARTICIPANTS)
def new_token():
    """Make a new feed token; the old URL stops working at once."""
    if ActionForm().validate_on_submit():
        had = bool(g.user.get("ical_token"))
        store.new_calendar_token(g.user["uid"])
        flash(
            "已生成新的日历订阅地址，旧地址已失效。" if had else "已生成日历订阅地址。", "success"
        )
    return redirect(url_for(".calendar"))


def _ical(user: dict) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Dongcheng community portal//zh-CN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "我的社区服务")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = datetime.now(BEIJING).replace(microsecond=0)
    for row in store.user_signups(user["uid"]):
        shift = row["shift"]
        if row["status"] != "confirmed" or not shift["date"]:
            continue
        event = Event()
        event.add("uid", f"{row['id']}@portal")
        event.add("summary", f"{row['post']['title']}（{row['community']['name']}）")
        start, end = store.shift_start(shift), store.shift_end(shift)
        assert start is not None and end is not None  # a dated shift
        event.add("dtstart", start.replace(tzinfo=BEIJING))
        event.add("dtend", end.replace(tzinfo=BEIJING))
        event.add("dtstamp", stamp)
        event.add("location", row["post"]["place"])
        event.add(
            "url",
            url_for(
                "public.post_detail",
                cid=row["community"]["id"],
                pid=row["post"]["id"],
                _external=True,
            ),
        )
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


@bp.route("/calendar/<uid>/<token>.ics")
def feed(uid: str, token: str):
    """The member's confirmed shifts as iCalendar; no login, but only with their token."""
    try:
        user = store.get_user(uid)
    except store.NotFound:
        abort(404)
    expected = user.get("ical_token")
    if (
        not expected
        or user.get("disabled")
        or user["role"] not in PARTICIPANTS
        or not secrets.compare_digest(expected.encode(), token.encode())
    ):
        abort(404)
    return Response(
        _ical(user),
        mimetype="text/calendar; charset=utf-8",
        headers={"Content-Disposition": "inline; filename=shifts.ics"},
    )
