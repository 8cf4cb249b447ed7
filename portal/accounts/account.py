"""Accounts: register, log in and out, change password, edit profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from forms.accounts import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from kb import data as kbdata

from .. import auth, store
from .privacy import consent_digest

bp = Blueprint("account", __name__, template_folder="templates", url_prefix="/portal")


def community_choices() -> dict:
    """Communities grouped by street, for a <select> with optgroups."""
    groups: dict[str, list] = {}
    names = {s["id"]: s["name"] for s in store.list_streets()}
    for community in store.list_communities():
        groups.setdefault(names[community["street_id"]], []).append(
            (community["id"], community["name"])
        )
    return groups


def skill_choices() -> list[tuple[str, str]]:
    return [(s["id"], s["name"]) for s in kbdata.taxonomy()["skills"]]


def _home_for(user: dict) -> str:
    if user["role"] in auth.ADMIN_ROLES:
        return url_for("area_admin.index")
    if user["role"] == "dept_liaison":
        return url_for("departments.index")
    return url_for("member.home")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a member or volunteer account."""
    if g.user:
        return redirect(_home_for(g.user))
    form = RegisterForm()
    form.home_cid.choices = community_choices()
    form.skills.choices = skill_choices()
    if request.method == "GET" and request.args.get("community"):
        form.home_cid.data = request.args["community"]
    if form.validate_on_submit():
        member = form.kind.data == "member"
        try:
            user = store.create_user(
                phone=form.phone.data,
                password=form.password.data,
                name=form.name.data,
                role=form.kind.data,
                work_unit=form.work_unit.data if member else "",
                party_org=form.party_org.data if member else "",
                home_cid=form.home_cid.data,
                skills=form.skills.data,
                availability=form.availability.data,
                consent_version=current_app.config["CONSENT_VERSION"],
            )
        except store.StoreError as exc:
            form.phone.errors.append(str(exc))
        else:
            user = store.record_consent(
                user["uid"], current_app.config["CONSENT_VERSION"], consent_digest()
            )
            auth.login(user)
            flash("注册成功，欢迎加入！", "success")
            return redirect(auth.safe_next(_home_for(user)))
    return render_template("account/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with phone number and password."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        if _login_throttled(form.phone.data):
            minutes = current_app.config["LOGIN_WINDOW"] // 60
            form.password.errors.append(
                f"登录失败次数过多，请 {minutes} 分钟后再试，或联系所在社区重置密码。"
            )
            status = 429
        else:
            user = store.authenticate(form.phone.data, form.password.data)
            if user is None:
                _count_login_failure(form.phone.data)
                form.password.errors.append("手机号或密码不正确。")
            elif user.get("disabled"):
                form.phone.errors.append("该账号已停用，请联系所在社区或街道。")
            else:
                store.throttle_clear("login-account", form.phone.data)
                auth.login(user)
                flash(f"{user['name']}，欢迎回来。", "success")
                return redirect(auth.safe_next(_home_for(user)))
    return render_template("account/login.html", form=form), status


def _login_throttled(phone: str) -> bool:
    """Too many recent failures for this account or from this address (shared by all workers)."""
    cfg = current_app.config
    return store.throttle_blocked(
        "login-account", phone, cfg["LOGIN_LIMIT_PER_ACCOUNT"], cfg["LOGIN_WINDOW"]
    ) or store.throttle_blocked(
        "login-address",
        request.remote_addr or "?",
        cfg["LOGIN_LIMIT_PER_ADDRESS"],
        cfg["LOGIN_WINDOW"],
    )


def _count_login_failure(phone: str) -> None:
    cfg = current_app.config
    store.throttle_hit("login-account", phone, cfg["LOGIN_LIMIT_PER_ACCOUNT"], cfg["LOGIN_WINDOW"])
    store.throttle_hit(
        "login-address",
        request.remote_addr or "?",
        cfg["LOGIN_LIMIT_PER_ADDRESS"],
        cfg["LOGIN_WINDOW"],
    )


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot do it)."""
    auth.logout()
    flash("您已退出登录。", "info")
    return redirect(url_for("public.index"))


@bp.route("/password", methods=["GET", "POST"])
@auth.login_required
def password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = store.change_password(g.user["uid"], form.old_password.data, form.password.data)
        except store.StoreError as exc:
            form.old_password.errors.append(str(exc))
        else:
            auth.login(user)
            flash("密码已修改。", "success")
            return redirect(_home_for(user))
    return render_template("account/password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@auth.login_required
def profile():
    """Edit name, unit, residential community, skills and availability."""
    form = ProfileForm(data=g.user if request.method == "GET" else None)
    admin = g.user["role"] in auth.ADMIN_ROLES
    if admin:  # admins have no community, skills or unit of their own to declare
        for name in ("work_unit", "party_org", "home_cid", "skills", "availability"):
            delattr(form, name)
    else:
        form.requires_unit = g.user["role"] == "member"
        form.home_cid.choices = community_choices()
        form.skills.choices = skill_choices()
    if form.validate_on_submit():
        fields = {"name": form.name.data.strip(), "email": form.email.data or ""}
        if not admin:
            fields.update(
                work_unit=(form.work_unit.data or "").strip(),
                party_org=(form.party_org.data or "").strip(),
                home_cid=form.home_cid.data,
                skills=form.skills.data,
                availability=form.availability.data,
            )
        store.update_profile(g.user["uid"], **fields)
        flash("个人资料已保存。", "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)
