"""Admin accounts and reset codes.

A district admin creates, disables and enables street admins; a street admin
does the same for the community admins of its own communities. Anything out of
scope is a 404. A community's admins issue one-time password reset codes to
its members. Every action goes to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from forms.admin_accounts import NewAdminForm, ResetCodeForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import auth, store
from ..templating import mask_phone

bp = Blueprint(
    "admin_accounts", __name__, template_folder="templates", url_prefix="/portal/admin/accounts"
)


_admin.admins_only(bp)


def _managed() -> tuple[str, list[tuple[str, str]]]:
    """The role the current admin manages and the scopes (id, name) it may give."""
    user = g.user
    if user["role"] == "district_admin":
        return "street_admin", [(s["id"], s["name"]) for s in store.list_streets()]
    if user["role"] == "street_admin":
        return "community_admin", [
            (c["id"], c["name"]) for c in store.list_communities(user["scope"])
        ]
    abort(403)


def _where(role: str, scope: str) -> dict:
    """The audit placement (community_id, street_id) of an admin account's scope."""
    if role == "street_admin":
        return {"community_id": None, "street_id": scope}
    community = store.community_index().get(scope) or {}
    return {"community_id": scope, "street_id": community.get("street_id")}


def _managed_or_404(uid: str) -> dict:
    role, scopes = _managed()
    try:
        target = store.get_user(uid)
    except store.NotFound:
        abort(404)
    if target["role"] != role or target.get("scope") not in dict(scopes):
        abort(404)
    return target


@bp.route("/", methods=["GET", "POST"])
def index():
    """The admins I manage, and a form to add one."""
    if g.user["role"] == "community_admin":
        return redirect(url_for(".reset_code", cid=g.user["scope"]))
    role, scopes = _managed()
    form = NewAdminForm()
    form.scope.choices = scopes
    if form.validate_on_submit():
        try:
            user = store.create_user(
                phone=form.phone.data,
                password=form.password.data,
                name=form.name.data,
                role=role,
                scope=form.scope.data,
            )
        except store.StoreError as exc:
            form.phone.errors.append(str(exc))
        else:
            label = f"{auth.ROLE_NAMES[role]} {user['name']}（{mask_phone(user['phone'])}）"
            store.record_audit(
                g.user,
                f"新建{auth.ROLE_NAMES[role]}",
                target=label,
                after=dict(scopes)[user["scope"]],
                **_where(role, user["scope"]),
            )
            flash(f"已创建{label}。请把初始密码当面告知本人，并提醒其登录后修改。", "success")
            return redirect(url_for(".index"))
    admins = store.list_admins(role, [s for s, _name in scopes])
    return render_template(
        "admin_accounts/index.html",
        form=form,
        admins=admins,
        role=role,
        scope_names=dict(scopes),
        action=ActionForm(),
    )


@bp.route("/<uid>/<change>", methods=["POST"])
def set_disabled(uid: str, change: str):
    """Disable or enable an admin account in my scope."""
    if change not in ("disable", "enable"):
        abort(404)
    target = _managed_or_404(uid)
    if ActionForm().validate_on_submit():
        disabled = change == "disable"
        try:
            store.set_disabled(uid, disabled)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            label = f"{auth.ROLE_NAMES[target['role']]} {target['name']}（{mask_phone(target['phone'])}）"
            store.record_audit(
                g.user,
                "停用管理员" if disabled else "启用管理员",
                target=label,
                before="已停用" if target.get("disabled") else "正常",
                after="已停用" if disabled else "正常",
                **_where(target["role"], target["scope"]),
            )
            flash(
                f"已停用{label}，其登录已失效。" if disabled else f"已重新启用{label}。", "success"
            )
    return redirect(url_for(".index"))


def _member_of(cid: str, user: dict) -> bool:
    return (
        user["role"] in ("member", "volunteer")
        and not user.get("deleted_at")
        and (user.get("home_cid") == cid or user["uid"] in store.community_member_ids(cid))
    )


@bp.route("/c/<cid>/reset-code", methods=["GET", "POST"])
def reset_code(cid: str):
    """Issue a one-time password reset code to a member of the community (shown once)."""
    community = auth.admin_community_or_404(cid)
    form = ResetCodeForm()
    issued = None
    if form.validate_on_submit():
        user = store.find_user_by_phone(form.phone.data)
        if user is None or not _member_of(cid, user):
            form.phone.errors.append(
                "本社区没有这个手机号的成员（需已在本社区报到或居住在本社区）。"
            )
        else:
            try:
                issued = store.issue_reset_code(user["uid"], g.user["uid"], cid)
            except store.StoreError as exc:
                form.phone.errors.append(str(exc))
            else:
                store.record_audit(
                    g.user,
                    "签发密码重置码",
                    community_id=cid,
                    street_id=community["street_id"],
                    target=f"成员 {user['uid']}（{mask_phone(user['phone'])}）",
                    after=f"有效期至 {issued['expires_at'][:16]}",
                )
                issued = dict(issued, user=user)
                form = ResetCodeForm(formdata=None)
    return render_template(
        "admin_accounts/reset_code.html", community=community, form=form, issued=issued
    )
