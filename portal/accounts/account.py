"""Accounts: register, log in and out, change password, edit profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from forms.accounts import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from kb import data as kbdata

from .. import auth, store
from .privacy import consent_digest

bp = Blueprint("account", __name__, template_folder="templates", url_prefix="/portal")
PHONE_REFUSED = "无法使用这个手机号注册；如果您已注册，请直接登录或找回密码。"


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
    status = 200
    if form.validate_on_submit():
        # Counted before anything is checked (one step, shared by all workers); a
        # registration that succeeds gives its count back, so only refusals add up.
        cfg = current_app.config
        address = auth.client_address()
        ticket = store.throttle_take(
            "register-address", address, cfg["REGISTER_LIMIT_PER_ADDRESS"], cfg["REGISTER_WINDOW"]
        )
        if ticket is None:
            minutes = cfg["REGISTER_WINDOW"] // 60
            form.phone.errors.append(
                f"注册尝试次数过多，请 {minutes} 分钟后再试。如果您已注册，请直接登录或找回密码。"
            )
            status = 429
        else:
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
            except store.PhoneTaken:
                # Neutral: says no more than login or reset would (and is throttled).
                form.phone.errors.append(PHONE_REFUSED)
            except store.StoreError as exc:
                form.phone.errors.append(str(exc))
            else:
                store.throttle_give_back("register-address", address, ticket)
                user = store.record_consent(
                    user["uid"], current_app.config["CONSENT_VERSION"], consent_digest()
                )
                auth.login(user)
                flash("注册成功，欢迎加入！", "success")
                return redirect(auth.safe_next(_home_for(user)))
    return render_template("account/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with phone number and password.

    The attempt is counted before the password is checked, in one step under the
    throttle's lock (see portal/store/throttle.py for the rules: per address, per
    account, and per address on an account, so that nobody can lock an owner out of
    their account just by knowing the phone number). A registered and an unknown phone
    get the same answer after the same work (one password-hash check).
    """
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        phone, address = form.phone.data, auth.client_address()
        cfg = current_app.config
        ticket = store.throttle_attempt(
            "login",
            phone,
            address,
            account_limit=cfg["LOGIN_LIMIT_PER_ACCOUNT"],
            address_limit=cfg["LOGIN_LIMIT_PER_ADDRESS"],
            window=cfg["LOGIN_WINDOW"],
        )
        if ticket is None:
            minutes = cfg["LOGIN_WINDOW"] // 60
            form.password.errors.append(
                f"登录失败次数过多，请 {minutes} 分钟后再试，或联系所在社区重置密码。"
            )
            status = 429
        else:
            user = store.authenticate(phone, form.password.data)
            store.throttle_settle("login", phone, address, ticket, ok=user is not None)
            if user is None:
                form.password.errors.append("手机号或密码不正确。")
            elif user.get("disabled"):
                form.phone.errors.append("该账号已停用，请联系所在社区或街道。")
            else:
                auth.login(user)
                flash(f"{user['name']}，欢迎回来。", "success")
                return redirect(auth.safe_next(_home_for(user)))
    return render_template("account/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot do it); with ``everywhere=1``
    (退出所有设备) every session of the account ends, on every device."""
    everywhere = request.form.get("everywhere") == "1" and g.user is not None
    auth.logout(everywhere=everywhere)
    if everywhere:
        flash("已退出所有设备上的登录。", "info")
    else:
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
            auth.login(user)  # the password ended every session: this browser gets a new one
            flash("密码已修改，其他设备上的登录已退出。", "success")
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
    member = g.user["role"] == "member"
    if member:  # 驻区单位: the member's own choice is their consent to be seen by the unit
        form.unit_id.choices = store.unit_choices()
        if request.method == "GET":
            form.unit_id.data = store.chosen_unit(g.user["uid"]) or ""
    else:
        delattr(form, "unit_id")
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
        if member:
            try:
                store.choose_unit(g.user["uid"], form.unit_id.data or None)
            except store.StoreError as exc:
                form.unit_id.errors.append(str(exc))
                return render_template("account/profile.html", form=form)
        store.update_profile(g.user["uid"], **fields)
        flash("个人资料已保存。", "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)
