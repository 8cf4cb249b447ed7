"""Personal-information rights and password recovery: my data, deletion, consent, reset.

Also an app-wide gate: when the consent text's version changes, a member or
volunteer is asked again before anything else in the portal.
"""

from __future__ import annotations

import hashlib
import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from forms.accounts import AVAILABILITY
from forms.privacy import ConsentForm, DeleteAccountForm, ResetPasswordForm

from .. import auth, mail, store

bp = Blueprint("privacy", __name__, template_folder="templates", url_prefix="/portal")
PARTICIPANTS = ("member", "volunteer")
# Reachable without the current consent: to read it, give it, leave, or take one's data away.
CONSENT_EXEMPT = {
    "privacy.consent",
    "privacy.my_data",
    "privacy.export_json",
    "privacy.delete_account",
    "privacy.reset",
    "account.login",
    "account.logout",
    "static",
}
# Wrong codes per phone number and per address within an hour: the same rules as login
# (portal/store/throttle.py), so wrong codes from one address cannot block the owner's.
RESET_LIMITS = {"account_limit": 5, "address_limit": 20, "window": 3600}


def consent_digest() -> str:
    """SHA-256 of the consent text as shown (``account/_consent.html``)."""
    text = render_template("account/_consent.html")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@bp.before_app_request
def _consent_gate():
    """Send a member or volunteer with an outdated consent to the consent page first."""
    user = getattr(g, "user", None)
    if (
        user is None
        or user["role"] not in PARTICIPANTS
        or not request.path.startswith("/portal")
        or request.endpoint in CONSENT_EXEMPT
        or user.get("consent_version") == current_app.config["CONSENT_VERSION"]
    ):
        return None
    return redirect(url_for("privacy.consent", next=request.full_path.rstrip("?")))


@bp.route("/consent", methods=["GET", "POST"])
@auth.roles_required(*PARTICIPANTS)
def consent():
    """Agree to the current version of the consent text."""
    version = current_app.config["CONSENT_VERSION"]
    form = ConsentForm()
    if form.validate_on_submit():
        store.record_consent(g.user["uid"], version, consent_digest())
        flash("感谢您的确认。", "success")
        return redirect(auth.safe_next(url_for("member.home")))
    return render_template(
        "privacy/consent.html",
        form=form,
        version=version,
        current=g.user.get("consent_version") == version,
    )


@bp.route("/me/data")
@auth.roles_required(*PARTICIPANTS)
def my_data():
    """Everything the platform holds about me, as a readable page."""
    return render_template(
        "privacy/my_data.html",
        data=store.personal_data(g.user["uid"]),
        availability_names=dict(AVAILABILITY),
    )


@bp.route("/me/data.json")
@auth.roles_required(*PARTICIPANTS)
def export_json():
    """Everything the platform holds about me, as a JSON download."""
    data = store.personal_data(g.user["uid"])
    body = json.dumps(data, ensure_ascii=False, indent=2)
    name = f"personal-data-{data['generated_at'][:10]}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/me/delete", methods=["GET", "POST"])
@auth.roles_required(*PARTICIPANTS)
def delete_account():
    """Withdraw consent and delete my account (served hours stay, anonymously)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if store.authenticate(g.user["phone"], form.password.data) is None:
            form.password.errors.append("当前密码不正确。")
        else:
            try:
                result = store.delete_account(g.user["uid"])
            except store.StoreError as exc:
                flash(str(exc), "error")
            else:
                store.record_audit(result["user"], "成员注销账号", target=f"成员 {g.user['uid']}")
                mail.notify_many(
                    [
                        (
                            row["uid"],
                            "promoted",
                            "有人取消了报名，您已从候补转为正式报名，请按时参加。",
                            url_for("member.home"),
                        )
                        for _cid, row in result["promoted"]
                    ]
                )
                auth.logout()
                flash("您的账号已注销，个人信息已删除。感谢您曾经的服务。", "info")
                return redirect(url_for("public.index"))
    return render_template("privacy/delete.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Set a new password with phone number and the one-time code from the community."""
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        phone, address = form.phone.data, auth.client_address()
        # Counted before the code is checked, in one step (concurrent tries cannot overrun it).
        ticket = store.throttle_attempt("reset", phone, address, **RESET_LIMITS)
        if ticket is None:
            form.code.errors.append("尝试次数过多，请 1 小时后再试，或联系社区重新获取重置码。")
            status = 429
        else:
            try:
                user = store.redeem_reset_code(phone, form.code.data, form.password.data)
            except store.StoreError as exc:
                store.throttle_settle("reset", phone, address, ticket, ok=False)
                form.code.errors.append(str(exc))
            else:
                store.throttle_settle("reset", phone, address, ticket, ok=True)
                # The owner proved who they are: failed logins no longer lock the account.
                store.throttle_clear_account("login", phone)
                mail.notify_user(
                    user["uid"],
                    "account",
                    "您的密码已通过社区发放的重置码重新设置。如非本人操作，请立即联系所在社区。",
                )
                auth.logout()
                flash("新密码已设置，所有设备上的登录均已退出，请用新密码登录。", "success")
                return redirect(url_for("account.login"))
    return render_template("privacy/reset.html", form=form), status
