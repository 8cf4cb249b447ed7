"""The resources list (资源清单) of a street or of the district: list, add, edit. The routes
are added to the ``area_lists`` blueprint.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from forms.area_lists import AreaResourceForm

from .. import store
from . import access
from .views import bp, labels

_KEYS = ("name", "kind", "provider", "provider_type", "contact", "description", "availability")


@bp.route("/<area>/resources")
def resources(area: str):
    """The resources of the area (and, for its admins, those of the level below)."""
    ctx = access.area_or_404(area)
    entries = store.area_entries(
        "resource", ctx["level"], ctx["scope"], below=ctx["show"] == access.SHOW_BELOW
    )
    return render_template("area_lists/resources.html", ctx=ctx, entries=entries, **labels())


def _resource_form(resource: dict | None = None) -> AreaResourceForm:
    data = None
    if resource is not None:
        data = dict(resource, active="1" if resource["active"] else "0")
    form = AreaResourceForm(data=data)
    form.set_choices(list(store.RESOURCE_KINDS.items()), list(store.RESOURCE_PROVIDERS.items()))
    return form


def _fields(form: AreaResourceForm) -> dict:
    return {key: getattr(form, key).data or "" for key in _KEYS}


@bp.route("/<area>/resources/new", methods=["GET", "POST"])
def new_resource(area: str):
    """Add a resource offered to the whole street (or district)."""
    ctx = access.area_or_404(area, manage=True)
    form = _resource_form()
    if form.validate_on_submit():
        try:
            resource = store.create_area_resource(
                ctx["level"], ctx["scope"], g.user["uid"], **_fields(form)
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            access.audit(ctx, "登记资源", f"资源 {resource['id']}", None, resource["name"])
            flash(f"资源已登记到{ctx['name']}{ctx['level_name']}资源清单。", "success")
            return redirect(url_for(".resources", area=area))
    return render_template("area_lists/resource_form.html", ctx=ctx, form=form, resource=None)


@bp.route("/<area>/resources/<rid>/edit", methods=["GET", "POST"])
def edit_resource(area: str, rid: str):
    """Edit a resource, or mark it no longer available."""
    ctx = access.area_or_404(area, manage=True)
    resource = store.get_area_resource(ctx["level"], ctx["scope"], rid)
    form = _resource_form(resource)
    if form.validate_on_submit():
        try:
            updated = store.update_area_resource(
                ctx["level"], ctx["scope"], rid, active=form.active.data == "1", **_fields(form)
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            keys = (*_KEYS, "active")
            access.audit(
                ctx,
                "修改资源",
                f"资源 {rid}",
                {k: resource[k] for k in keys},
                {k: updated[k] for k in keys},
            )
            flash("资源已更新。", "success")
            return redirect(url_for(".resources", area=area))
    return render_template("area_lists/resource_form.html", ctx=ctx, form=form, resource=resource)
