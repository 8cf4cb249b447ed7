"""The street admin's page of 社区专员 (``liaison_admin``): the street's 社区专员 with their
communities, appointing one by the phone number of their account (a registered member or
volunteer), changing their communities (1–3 of the street's) and revoking them.

Street admins only, on their own street; an appointment of another street, or of another
role (小巷管家), is a 404. Each change is audited and the person is told in their inbox.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from forms.base import BaseForm
from forms.liaison import AppointForm, CommunitiesForm

from .. import admin as _admin
from .. import mail, store
from .views import CAPACITY, ROLE

bp = Blueprint(
    "liaison_admin",
    __name__,
    template_folder="templates",
    url_prefix="/portal/admin/community-liaisons",
)
_admin.admins_only(bp, roles=("street_admin",))

# Refusals of the store about the communities chosen (the others are about the person).
_COMMUNITY_REFUSALS = ("请至少选择", "一位社区专员联系", "所选")


def _street() -> str:
    return g.user["scope"]


def _choices() -> list[tuple[str, str]]:
    return [(c["id"], c["name"]) for c in store.list_communities(_street())]


def _change_form(row: dict, submitted: bool = True) -> CommunitiesForm:
    """The form changing one appointment's communities (prefixed: one per row on the page),
    as submitted, or showing the communities it covers now."""
    prefix = f"a{row['id']}-"
    form = (
        CommunitiesForm(prefix=prefix)
        if submitted
        else CommunitiesForm(prefix=prefix, formdata=None)
    )
    form.communities.choices = _choices()
    if not submitted:
        form.communities.data = list(row["targets"])
    return form


def _appointment_or_404(aid: str) -> dict:
    """One 社区专员 appointment of the admin's street (active or revoked), or 404."""
    for row in store.list_appointments("street", _street(), active=False):
        if row["id"] == aid and row["role"] == ROLE:
            return row
    abort(404)


def _community_names(cids) -> str:
    index = store.community_index()
    return "、".join(index[c]["name"] if c in index else c for c in cids)


def _audit(action: str, row: dict, before=None, after=None) -> None:
    """Record a change of an appointment on each of its communities' street (the street's
    and the district's admins read it)."""
    user = store.users_by_ids([row["uid"]]).get(row["uid"])
    who = user["name"] if user else row["uid"]
    store.record_audit(
        g.user,
        action,
        street_id=_street(),
        target=f"{CAPACITY} {who}（任命 {row['id']}）",
        before=before,
        after=after,
    )


def _tell(uid: str, text: str, link: str | None = None) -> None:
    mail.notify_many([(uid, "account", text, link)])


@bp.route("/", methods=["GET", "POST"])
def index():
    """The street's 社区专员, and the form appointing one (shown again with its errors)."""
    form = AppointForm()
    form.communities.choices = _choices()
    if form.validate_on_submit():
        user = store.find_user_by_phone(form.phone.data)
        if user is None:
            form.phone.errors.append("没有找到用这个手机号注册的账号，请本人先在平台注册。")
        else:
            try:
                row = store.appoint(
                    "street", _street(), user["uid"], ROLE, form.communities.data, g.user["uid"]
                )
            except store.StoreError as exc:
                message = str(exc)
                field = form.communities if message.startswith(_COMMUNITY_REFUSALS) else form.phone
                field.errors.append(message)
            else:
                names = _community_names(row["targets"])
                _audit("任命社区专员", row, None, names)
                _tell(
                    user["uid"],
                    f"您已被任命为{CAPACITY}，联系{names}。",
                    url_for("liaison.home"),
                )
                flash(f"已任命{user['name']}为{CAPACITY}，联系{names}。", "success")
                return redirect(url_for(".index"))
    return _page(form)


def _page(form: AppointForm):
    rows = store.list_appointments("street", _street(), active=False)
    rows = [r for r in rows if r["role"] == ROLE]
    active = [r for r in rows if not r["revoked_at"]]
    revoked = sorted(
        (r for r in rows if r["revoked_at"]), key=lambda r: r["revoked_at"], reverse=True
    )
    users = store.users_by_ids(
        [r["uid"] for r in rows] + [r["revoked_by"] for r in revoked if r["revoked_by"]]
    )
    return render_template(
        "liaison_admin/index.html",
        form=form,
        active=active,
        revoked=revoked[:20],
        users=users,
        change_forms={r["id"]: _change_form(r, submitted=False) for r in active},
        communities=store.community_index(),
        street=store.get_street(_street()),
        capacity=CAPACITY,
    )


@bp.route("/<aid>/change", methods=["POST"])
def change(aid: str):
    """Change the communities an appointment covers."""
    row = _appointment_or_404(aid)
    form = _change_form(row)

    def done(after: dict) -> None:
        names = _community_names(after["targets"])
        _audit("调整社区专员联系的社区", row, _community_names(row["targets"]), names)
        _tell(row["uid"], f"您作为{CAPACITY}联系的社区调整为：{names}。", url_for("liaison.home"))
        flash(f"已调整，现联系{names}。", "success")

    _admin.form_action(
        form,
        lambda f: store.change_appointment(
            "street", _street(), aid, f.communities.data, g.user["uid"]
        ),
        done,
    )
    return redirect(url_for(".index"))


@bp.route("/<aid>/revoke", methods=["POST"])
def revoke(aid: str):
    """Revoke an appointment (kept, with who and when)."""
    row = _appointment_or_404(aid)

    def done(after: dict) -> None:
        _audit("撤销社区专员", row, _community_names(row["targets"]), None)
        _tell(row["uid"], f"您的{CAPACITY}任命已撤销，感谢您的付出。")
        flash(f"已撤销这位{CAPACITY}的任命。", "success")

    _admin.form_action(
        BaseForm(),
        lambda f: store.revoke_appointment("street", _street(), aid, g.user["uid"]),
        done,
    )
    return redirect(url_for(".index"))
