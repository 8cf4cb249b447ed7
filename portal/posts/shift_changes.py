"""A community changes or cancels a shift, or messages everyone on it.

Everyone affected gets a notification (and an e-mail when configured); each
action goes to the audit log. Scope as in community administration: 404 outside.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from forms.admin_accounts import CancelShiftForm, ShiftChangeForm, ShiftMessageForm

from .. import admin as _admin
from .. import auth, mail, store
from ..templating import shift_label

bp = _admin.community_blueprint("shift_admin", __name__, "/shifts/<sid>")


def _roster_url(cid: str, sid: str) -> str:
    return url_for("posts_admin.roster", cid=cid, sid=sid)


def _day(shift: dict) -> str:
    """'12月5日（周六）': a shift's date without its times."""
    return shift_label(dict(shift, start="", end="")).rstrip("–")


def _changes(before: dict, after: dict) -> list[str]:
    """What a change of a shift changed, each as 'old → new'; nothing that stayed the same."""
    out = []
    if before["date"] != after["date"]:
        out.append(f"日期 {_day(before)} → {_day(after)}")
    if (before["start"], before["end"]) != (after["start"], after["end"]):
        out.append(f"时间 {before['start']}–{before['end']} → {after['start']}–{after['end']}")
    if before["capacity"] != after["capacity"]:
        out.append(f"名额 {before['capacity']} → {after['capacity']} 人")
    return out


@bp.route("/change", methods=["GET", "POST"])
def change(cid: str, sid: str):
    """Change a shift's date, time or capacity; everyone on it is told."""
    community = auth.admin_community_or_404(cid)
    shift, post = store.get_shift(cid, sid)
    form = ShiftChangeForm(
        data={
            "capacity": shift["capacity"],
            "start": shift["start"] or "",
            "end": shift["end"] or "",
        }
    )
    if form.validate_on_submit():
        try:
            result = store.update_shift(
                cid,
                sid,
                date=form.day.data.isoformat() if form.day.data else None,
                start=form.start.data or None,
                end=form.end.data or None,
                capacity=form.capacity.data,
            )
        except store.StoreError as exc:
            form.capacity.errors.append(str(exc))
        else:
            before, after = shift_label(result["before"]), shift_label(result["shift"])
            changes = "；".join(_changes(result["before"], result["shift"]))
            reason = (form.note.data or "").strip()
            text = (
                f"{community['name']}调整了您报名的“{post['title']}”（原定 {before}）：{changes}。"
                + (f"说明：{reason}" if reason else "")
            )
            link = url_for("member.home")
            items = [(uid, "shift_changed", text, link) for uid in result["uids"]]
            items += [
                (
                    row["uid"],
                    "promoted",
                    f"名额增加，您已从候补转为正式报名：“{post['title']}”（{after}），请按时参加。",
                    link,
                )
                for row in result["promoted"]
            ]
            mail.notify_many(items)
            _admin.audit(
                community,
                "调整班次",
                f"岗位 {post['id']} 班次 {sid}",
                f"{before}，名额 {result['before']['capacity']}",
                f"{after}，名额 {result['shift']['capacity']}（{changes}）"
                + (f"（{reason}）" if reason else ""),
            )
            flash(f"班次已调整，已通知 {len(result['uids'])} 人。", "success")
            return redirect(_roster_url(cid, sid))
    return render_template(
        "shift_admin/change.html",
        community=community,
        shift=shift,
        post=post,
        form=form,
        cancel_form=CancelShiftForm(),
    )


@bp.route("/cancel", methods=["POST"])
def cancel(cid: str, sid: str):
    """Cancel a shift with a reason; its sign-ups are cancelled and each person is told."""
    community = auth.admin_community_or_404(cid)
    shift, post = store.get_shift(cid, sid)
    form = CancelShiftForm()
    if not form.validate_on_submit():
        _admin.flash_form_errors(form)
        return redirect(url_for(".change", cid=cid, sid=sid))
    try:
        result = store.cancel_shift(cid, sid, form.reason.data, by=g.user["uid"])
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".change", cid=cid, sid=sid))
    reason = result["shift"]["cancel_reason"]
    text = (
        f"{community['name']}取消了“{post['title']}”（{shift_label(shift)}）的班次，"
        f"原因：{reason}。您的报名已随之取消。"
    )
    mail.notify_many(
        [
            (row["uid"], "shift_cancelled", text, url_for("member.home"))
            for row in result["cancelled"]
        ]
    )
    _admin.audit(
        community,
        "取消班次",
        f"岗位 {post['id']} 班次 {sid}",
        shift_label(shift),
        f"已取消：{reason}",
    )
    flash(f"班次已取消，已通知 {len(result['cancelled'])} 人。", "success")
    return redirect(url_for("posts_admin.post", cid=cid, pid=post["id"]))


@bp.route("/message", methods=["POST"])
def message(cid: str, sid: str):
    """Send a message to everyone confirmed on the shift (and optionally the waiting list)."""
    community = auth.admin_community_or_404(cid)
    roster = store.roster(cid, sid)
    form = ShiftMessageForm()
    if not form.validate_on_submit():
        _admin.flash_form_errors(form)
        return redirect(_roster_url(cid, sid))
    rows = [
        row
        for row in roster["confirmed"] + (roster["waiting"] if form.include_waiting.data else [])
        if row.get("user") and not row["user"].get("deleted_at")
    ]
    text = (
        f"{community['name']}关于“{roster['post']['title']}”（{shift_label(roster['shift'])}）"
        f"的消息：{form.text.data.strip()}"
    )
    mail.notify_many([(row["uid"], "message", text, url_for("member.home")) for row in rows])
    _admin.audit(
        community,
        "发送班次消息",
        f"岗位 {roster['post']['id']} 班次 {sid}",
        None,
        f"{len(rows)} 人：{form.text.data.strip()[:100]}",
    )
    flash(f"消息已发送给 {len(rows)} 人。", "success")
    return redirect(_roster_url(cid, sid))
