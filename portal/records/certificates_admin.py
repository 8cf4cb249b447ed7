"""Community admin: approve or decline members' requests for a 志愿服务记录证明, and the
community's 自动批准 setting.

A certificate is issued in the name of the member's community, so only admins of that
community (its street and the district included, as on every community admin page) see
its requests; outside that scope every page is a 404.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from forms.posts import ActionForm
from forms.records import AutoApproveForm, DeclineCertificateForm

from .. import admin as _admin
from .. import auth, mail, store

bp = _admin.community_blueprint("certificates_admin", __name__, "/certificates")
RECENT = 20


@bp.route("/")
def index(cid: str):
    """Pending requests (oldest first, the queue order) and the latest decisions."""
    community = auth.admin_community_or_404(cid)
    rows = store.community_certificates(cid)
    pending = [r for r in rows if r["status"] == "pending"][::-1]
    decided = [r for r in rows if r["status"] != "pending"][:RECENT]
    return render_template(
        "certificates_admin/index.html",
        community=community,
        pending=pending,
        decided=decided,
        statuses=store.CERTIFICATE_STATUS_NAMES,
        action=ActionForm(),
        decline_form=DeclineCertificateForm(),
        setting=AutoApproveForm(data={"auto_approve": store.certificate_auto_approves(cid)}),
    )


def _pending_of(cid: str, serial: str) -> dict:
    cert = store.get_certificate(serial)
    if cert is None or cert["community_id"] != cid:
        abort(404)
    return cert


def _period(cert: dict) -> str:
    return f"{cert['date_from']} 至 {cert['date_to']}"


@bp.route("/<serial>/approve", methods=["POST"])
def approve(cid: str, serial: str):
    """Issue the certificate: it can now be printed and verified."""
    community = auth.admin_community_or_404(cid)
    cert = _pending_of(cid, serial)

    def done(row):
        _admin.audit(
            community, "出具证明", f"证明 {serial}（成员 {row['uid']}）", "待社区审核", "已出具"
        )
        mail.notify_user(
            row["uid"],
            "certificate",
            f"{community['name']}已出具您的志愿服务记录证明（{_period(row)}），可以打印和核验。",
            url_for("records.certificate", serial=serial),
        )
        flash(f"已出具{cert['name']}的证明。", "success")

    _admin.form_action(
        ActionForm(), lambda _form: store.approve_certificate(cid, serial, g.user["uid"]), done
    )
    return redirect(url_for(".index", cid=cid))


@bp.route("/<serial>/decline", methods=["POST"])
def decline(cid: str, serial: str):
    """Decline the request with a reason; the member is told and may ask again."""
    community = auth.admin_community_or_404(cid)
    cert = _pending_of(cid, serial)

    def done(row):
        _admin.audit(
            community,
            "不予出具证明",
            f"证明 {serial}（成员 {row['uid']}）",
            "待社区审核",
            f"未通过：{row['decline_reason']}",
        )
        mail.notify_user(
            row["uid"],
            "certificate",
            f"{community['name']}未出具您申请的志愿服务记录证明（{_period(row)}），"
            f"原因：{row['decline_reason']}",
            url_for("records.certificates"),
        )
        flash(f"已退回{cert['name']}的证明申请。", "success")

    _admin.form_action(
        DeclineCertificateForm(),
        lambda form: store.decline_certificate(cid, serial, g.user["uid"], form.reason.data),
        done,
    )
    return redirect(url_for(".index", cid=cid))


@bp.route("/settings", methods=["POST"])
def settings(cid: str):
    """Turn 自动批准 on or off for this community."""
    community = auth.admin_community_or_404(cid)
    before = store.certificate_auto_approves(cid)

    def done(row):
        on = row["auto_approve"]
        _admin.audit(
            community,
            "证明自动批准",
            "志愿服务记录证明",
            "开启" if before else "关闭",
            "开启" if on else "关闭",
        )
        flash(
            "已开启自动批准：成员申请后立即出具。"
            if on
            else "已关闭自动批准：每份申请由管理员审核后出具。",
            "success",
        )

    _admin.form_action(
        AutoApproveForm(),
        lambda form: store.set_certificate_auto_approve(
            cid, bool(form.auto_approve.data), by=g.user["uid"]
        ),
        done,
    )
    return redirect(url_for(".index", cid=cid))
