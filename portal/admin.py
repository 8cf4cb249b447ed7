"""What the admin blueprints share: the admins-only gate, the audit entry, form errors."""

from __future__ import annotations

from flask import Blueprint, flash, g

from forms.posts import PostForm
from kb import data as kbdata

from . import auth, store


def admins_only(bp: Blueprint, roles=auth.ADMIN_ROLES) -> None:
    """Let only these roles into the blueprint; each view still checks its scope."""

    @bp.before_request
    @auth.roles_required(*roles)
    def _gate():
        """Only admins get past here."""


def community_blueprint(name: str, import_name: str, under: str = "") -> Blueprint:
    """A blueprint of one community's admin pages (``/portal/admin/c/<cid><under>/…``),
    admins only; its templates are in its package's ``templates/`` folder."""
    prefix = f"/portal/admin/c/<cid>{under}"
    bp = Blueprint(name, import_name, template_folder="templates", url_prefix=prefix)
    admins_only(bp)
    return bp


def audit(community: dict, action: str, target: str, before=None, after=None) -> None:
    """Record an admin action on a community (read by its street's and the district's admins)."""
    store.record_audit(
        g.user,
        action,
        community_id=community["id"],
        street_id=community["street_id"],
        target=target,
        before=before,
        after=after,
    )


def post_form() -> PostForm:
    """The post form with the taxonomy's categories and skills as its choices."""
    form = PostForm()
    tax = kbdata.taxonomy()
    form.set_choices(
        [(c["id"], c["name"]) for c in tax["categories"]],
        [(s["id"], s["name"]) for s in tax["skills"]],
    )
    return form


def flash_form_errors(form, fallback: str = "提交的内容有误。") -> None:
    """One message per field error, for a POST-only action that has no page of its own to
    show them beside their fields (forms with a page re-render it instead)."""
    messages = [e for errs in form.errors.values() for e in errs if isinstance(e, str)]
    for message in messages or [fallback]:
        flash(message, "error")


def form_action(form, run, done, invalid: str = "提交的内容有误。") -> None:
    """The shape of an admin's POST action: validate the form, make the store call
    ``run(form)``, then ``done(result)`` (the audit entry and the success message).

    A form error or a refusal of the store is flashed instead, and nothing is written.
    """
    if not form.validate_on_submit():
        flash_form_errors(form, invalid)
        return
    try:
        result = run(form)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return
    done(result)
