"""Holding a 议事会, shared by the community admin's pages (every hall of the community)
and the grid's staff (网格员, 网格长: their grid's hall and its 楼门院' halls): schedule it,
show the QR code and the six-digit code for sign-in, keep the minutes per proposal.

The caller's blueprint says which halls its user may hold meetings in; a meeting of
another hall is a 404. Each change is audited like an admin action of the community.
"""

from __future__ import annotations

import io
from datetime import datetime

import segno
from flask import Response, abort, flash, g, redirect, render_template, url_for

from forms.council import MeetingForm, MinutesForm

from .. import admin, store


def sign_in_url(cid: str, meeting: dict) -> str:
    """What the QR code encodes: the sign-in page with the meeting's token."""
    return url_for(
        "council_me.sign_in", cid=cid, mid=meeting["id"], t=meeting["token"], _external=True
    )


def _form(cid: str, halls: list[dict]) -> MeetingForm:
    allowed = {h["id"] for h in halls}
    form = MeetingForm()
    form.hall.choices = [(h["id"], h["name"]) for h in halls]
    form.proposals.choices = [
        (p["id"], f"{p['title']}（{p['status']}）")
        for p in store.list_proposals(cid)
        if p["hall"] in allowed and store.proposal_stage(p) not in (None, "propose")
    ]
    form.roles.choices = [(r["id"], r["name"]) for r in store.council_rules()["invited_roles"]]
    return form


def schedule(community: dict, halls: list[dict], endpoint: str, home: str):
    """The form, then the meeting; ``endpoint`` shows a meeting, ``home`` is the way back."""
    cid = community["id"]
    form = _form(cid, halls)
    if form.validate_on_submit():
        starts = datetime.strptime(f"{form.day.data} {form.time.data}", "%Y-%m-%d %H:%M")
        try:
            meeting = store.schedule_meeting(
                cid,
                form.hall.data,
                starts_at=starts,
                place=form.place.data,
                proposal_ids=form.proposals.data,
                roles=form.roles.data,
                by=g.user["uid"],
            )
        except store.StoreError as exc:
            form.proposals.errors.append(str(exc))
        else:
            admin.audit(
                community, "议事厅：安排议事会", meeting["place"], after=meeting["starts_at"]
            )
            flash("议事会已安排。会场上展示签到二维码或 6 位签到码。", "success")
            return redirect(url_for(endpoint, cid=cid, mid=meeting["id"]))
    status = 400 if form.errors else 200
    page = render_template("council/meeting_form.html", community=community, form=form, home=home)
    return page, status


def meeting_of(cid: str, mid: str, halls: list[dict]) -> dict:
    item = store.get_meeting(cid, mid)
    if item["hall"] not in {h["id"] for h in halls}:
        abort(404)
    return item


def show(community: dict, item: dict, prefix: str, home: str):
    """The meeting for its staff: the QR code and code, who signed in, the minutes forms."""
    cid = community["id"]
    agenda = [store.get_proposal(cid, pid) for pid in item["proposal_ids"]]
    forms = {}
    for p in agenda:
        entry = item["minutes"].get(p["id"], {})
        forms[p["id"]] = MinutesForm(
            formdata=None, proposal=p["id"], text=entry.get("text"), decision=entry.get("decision")
        )
    return render_template(
        "council/admin_meeting.html",
        community=community,
        meeting=item,
        hall=store.council_hall(cid, item["hall"]),
        agenda=agenda,
        forms=forms,
        roles=store.council_rules()["role_by_id"],
        window=store.signin_window(item),
        sign_in_link=sign_in_url(cid, item),
        prefix=prefix,
        home=home,
    )


def qr(cid: str, item: dict) -> Response:
    """The sign-in URL (with the meeting's token) as a QR code, drawn here as SVG."""
    buffer = io.BytesIO()
    segno.make(sign_in_url(cid, item), error="m").save(
        buffer, kind="svg", scale=6, border=2, title="议事会签到二维码"
    )
    return Response(
        buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


def minutes(community: dict, item: dict, endpoint: str):
    cid = community["id"]
    form = MinutesForm()

    def done(row) -> None:
        admin.audit(community, "议事厅：会议记录", row["place"], after=form.text.data[:60])
        flash("会议记录已保存。", "success")

    admin.form_action(
        form,
        lambda f: store.record_minutes(
            cid, item["id"], f.proposal.data or "", f.text.data, f.decision.data, g.user["uid"]
        ),
        done,
    )
    return redirect(url_for(endpoint, cid=cid, mid=item["id"]))
