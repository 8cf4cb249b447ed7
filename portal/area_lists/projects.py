"""The projects list (项目清单) of a street or of the district: create a project, gather
needs and use resources of the levels below by reference (a district's project: from
several streets and their communities), mark it finished. The routes are added to the
``area_lists`` blueprint.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from forms.area_lists import AreaProjectForm, RefForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import store
from . import access
from .views import bp, entry_label, labels, street_filter

_WHAT = {"need": "需求", "resource": "资源"}


@bp.route("/<area>/projects")
def projects(area: str):
    """The projects of the area (and, for its admins, those of the level below)."""
    ctx = access.area_or_404(area)
    entries = store.area_entries(
        "project", ctx["level"], ctx["scope"], below=ctx["show"] == access.SHOW_BELOW
    )
    return render_template("area_lists/projects.html", ctx=ctx, entries=entries, **labels())


@bp.route("/<area>/projects/new", methods=["GET", "POST"])
def new_project(area: str):
    """Start a project of the street (or of the district)."""
    ctx = access.area_or_404(area, manage=True)
    form = AreaProjectForm()
    if form.validate_on_submit():
        try:
            project = store.create_area_project(
                ctx["level"],
                ctx["scope"],
                g.user["uid"],
                name=form.name.data,
                description=form.description.data or "",
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            access.audit(ctx, "创建项目", f"项目 {project['id']}", None, project["name"])
            flash("项目已创建。", "success")
            return redirect(url_for(".project", area=area, prid=project["id"]))
    return render_template("area_lists/project_form.html", ctx=ctx, form=form)


def _picker(what: str, entries: list[dict], label: str) -> RefForm:
    form = RefForm(prefix=what, formdata=None)
    form.ref.choices = [("", "请选择")] + [(e["key"], entry_label(e)) for e in entries]
    form.ref.label.text = label
    return form


@bp.route("/<area>/projects/<prid>")
def project(area: str, prid: str):
    """A project with the needs it gathers and the resources it uses, shown resolved
    (level, whose list, the row), and for its admins the pickers to add more."""
    ctx = access.area_or_404(area)
    project = store.get_area_project(ctx["level"], ctx["scope"], prid)
    linked = {
        "need": [store.resolve_area_ref("need", r) for r in project.get("need_refs") or []],
        "resource": [
            store.resolve_area_ref("resource", r) for r in project.get("resource_refs") or []
        ],
    }
    street = street_filter(ctx)
    picks = {}
    if ctx["manage"]:
        for what, label, usable in (
            ("need", "选择需求（仅列出未办结的）", lambda item: item["status"] != "已办结"),
            ("resource", "选择资源（仅列出可用的）", lambda item: item["active"]),
        ):
            taken = {e["key"] for e in linked[what]}
            entries = [
                e
                for e in store.area_entries(
                    what, ctx["level"], ctx["scope"], below=True, street=street or None
                )
                if usable(e["item"]) and e["key"] not in taken
            ]
            picks[what] = _picker(what, entries, label)
    return render_template(
        "area_lists/project.html",
        ctx=ctx,
        project=project,
        linked=linked,
        picks=picks,
        street=street,
        streets=store.list_streets(),
        action=ActionForm(),
        what_names=_WHAT,
        **labels(),
    )


@bp.route("/<area>/projects/<prid>/link/<what>", methods=["POST"])
def link(area: str, prid: str, what: str):
    """Gather a need, or use a resource, of any level within the area in the project."""
    ctx = access.area_or_404(area, manage=True)
    store.get_area_project(ctx["level"], ctx["scope"], prid)
    if what not in _WHAT:
        abort(404)
    form = RefForm(prefix=what)
    value = form.ref.data or ""
    form.ref.choices = [(value, value)] if value else []

    def done(project):
        refs = project["need_refs" if what == "need" else "resource_refs"]
        entry = store.resolve_area_ref(what, refs[-1])
        access.audit(ctx, f"项目关联{_WHAT[what]}", f"项目 {prid}", None, entry_label(entry))
        flash(f"已关联{_WHAT[what]}。", "success")

    _admin.form_action(
        form,
        lambda f: access.or_404(
            lambda: store.link_area_project(
                ctx["level"], ctx["scope"], prid, what, f.parts(), g.user["uid"]
            )
        ),
        done,
        f"请选择要关联的{_WHAT[what]}。",
    )
    return redirect(url_for(".project", area=area, prid=prid))


@bp.route("/<area>/projects/<prid>/unlink/<what>", methods=["POST"])
def unlink(area: str, prid: str, what: str):
    """Take a gathered need or a used resource out of the project."""
    ctx = access.area_or_404(area, manage=True)
    project = store.get_area_project(ctx["level"], ctx["scope"], prid)
    if what not in _WHAT:
        abort(404)
    form = RefForm(prefix=what)
    refs = project.get("need_refs" if what == "need" else "resource_refs") or []
    form.ref.choices = [(f"{r['level']}:{r['scope']}:{r['id']}", "") for r in refs]

    def done(_project):
        access.audit(
            ctx, f"项目移除{_WHAT[what]}", f"项目 {prid}", f"{_WHAT[what]} {form.ref.data}", None
        )
        flash(f"已移除{_WHAT[what]}。", "success")

    _admin.form_action(
        form,
        lambda f: store.unlink_area_project(ctx["level"], ctx["scope"], prid, what, f.parts()),
        done,
        f"请选择要移除的{_WHAT[what]}。",
    )
    return redirect(url_for(".project", area=area, prid=prid))


@bp.route("/<area>/projects/<prid>/status/<status>", methods=["POST"])
def project_status(area: str, prid: str, status: str):
    """Mark the project finished, or active again."""
    ctx = access.area_or_404(area, manage=True)
    before = store.get_area_project(ctx["level"], ctx["scope"], prid)["status"]
    if status not in ("active", "finished"):
        abort(404)
    value = "进行中" if status == "active" else "已完成"

    def done(_project):
        access.audit(ctx, "项目状态", f"项目 {prid}", before, value)
        flash(f"项目已标记为{value}。", "success")

    _admin.form_action(
        ActionForm(),
        lambda f: store.set_area_project_status(ctx["level"], ctx["scope"], prid, value),
        done,
    )
    return redirect(url_for(".project", area=area, prid=prid))
