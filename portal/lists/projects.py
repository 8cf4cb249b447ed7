"""The resources list (资源清单) and the projects list (项目清单) of a community, for
its admins: record and edit resources, create projects, link a community's needs,
resources and posts to a project and mark it finished. The routes are added to
the ``community_lists`` blueprint, so endpoints and URLs are those of the lists;
the same rules apply: community from the URL, 404 for another community's ids,
every change audited.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from forms.lists import PickForm, ProjectForm, ResourceForm
from forms.posts import ActionForm

from .. import admin as _admin
from .. import auth, store
from .needs import _labels, bp


# ---------------------------------------------------------------- resources


@bp.route("/resources")
def resources(cid: str):
    """The resources list (资源清单) of the community."""
    community = auth.admin_community_or_404(cid)
    return render_template(
        "community_lists/resources.html",
        community=community,
        resources=store.list_resources(cid),
        **_labels(),
    )


def _resource_form(resource: dict | None = None) -> ResourceForm:
    data = None
    if resource is not None:
        data = dict(resource, active="1" if resource["active"] else "0")
    form = ResourceForm(data=data)
    form.set_choices(list(store.RESOURCE_KINDS.items()), list(store.RESOURCE_PROVIDERS.items()))
    return form


def _resource_fields(form: ResourceForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "provider": form.provider.data,
        "provider_type": form.provider_type.data,
        "contact": form.contact.data,
        "description": form.description.data or "",
        "availability": form.availability.data or "",
    }


@bp.route("/resources/new", methods=["GET", "POST"])
def new_resource(cid: str):
    """Add a resource offered by a unit, a member or an organisation."""
    community = auth.admin_community_or_404(cid)
    form = _resource_form()
    if form.validate_on_submit():
        try:
            resource = store.create_resource(cid, g.user["uid"], **_resource_fields(form))
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            _admin.audit(community, "登记资源", f"资源 {resource['id']}", None, resource["name"])
            flash("资源已登记。", "success")
            return redirect(url_for(".resources", cid=cid))
    return render_template(
        "community_lists/resource_form.html", community=community, form=form, resource=None
    )


@bp.route("/resources/<rid>/edit", methods=["GET", "POST"])
def edit_resource(cid: str, rid: str):
    """Edit a resource, or mark it no longer available."""
    community = auth.admin_community_or_404(cid)
    resource = store.get_resource(cid, rid)
    form = _resource_form(resource)
    if form.validate_on_submit():
        try:
            updated = store.update_resource(
                cid, rid, active=form.active.data == "1", **_resource_fields(form)
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            keys = (
                "name",
                "kind",
                "provider",
                "provider_type",
                "contact",
                "description",
                "availability",
                "active",
            )
            _admin.audit(
                community,
                "修改资源",
                f"资源 {rid}",
                {k: resource[k] for k in keys},
                {k: updated[k] for k in keys},
            )
            flash("资源已更新。", "success")
            return redirect(url_for(".resources", cid=cid))
    return render_template(
        "community_lists/resource_form.html", community=community, form=form, resource=resource
    )


# ---------------------------------------------------------------- projects


@bp.route("/projects")
def projects(cid: str):
    """The projects list (项目清单) of the community."""
    community = auth.admin_community_or_404(cid)
    return render_template(
        "community_lists/projects.html", community=community, projects=store.list_projects(cid)
    )


@bp.route("/projects/new", methods=["GET", "POST"])
def new_project(cid: str):
    """Start a project that will link needs, resources and posts."""
    community = auth.admin_community_or_404(cid)
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = store.create_project(
                cid, g.user["uid"], name=form.name.data, description=form.description.data or ""
            )
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            _admin.audit(community, "创建项目", f"项目 {project['id']}", None, project["name"])
            flash("项目已创建。", "success")
            return redirect(url_for(".project", cid=cid, prid=project["id"]))
    return render_template("community_lists/project_form.html", community=community, form=form)


def _pick(choices, prefix: str, label: str) -> PickForm:
    form = PickForm(prefix=prefix)
    form.item.choices = [("", "请选择")] + list(choices)
    form.item.label.text = label
    return form


@bp.route("/projects/<prid>")
def project(cid: str, prid: str):
    """A project with its needs, resources and posts, and forms to link more."""
    community = auth.admin_community_or_404(cid)
    project = store.get_project(cid, prid)
    needs = store.list_needs(cid)
    resources = store.list_resources(cid)
    posts = store.list_posts(cid)
    linked = {
        "needs": [n for n in needs if n["id"] in project["need_ids"]],
        "resources": [r for r in resources if r["id"] in project["resource_ids"]],
        "posts": [p for p in posts if p["id"] in project["post_ids"]],
    }
    need_choices = [
        (n["id"], f"{n['description'][:30]}（{n['status']}）")
        for n in needs
        if n["id"] not in project["need_ids"]
    ]
    resource_choices = [
        (r["id"], f"{r['name']}（{r['provider']}）")
        for r in resources
        if r["active"] and r["id"] not in project["resource_ids"]
    ]
    post_choices = [(p["id"], p["title"]) for p in posts if p["id"] not in project["post_ids"]]
    picks = {
        "need": _pick(need_choices, "need", "选择需求"),
        "resource": _pick(resource_choices, "resource", "选择资源（仅列出可用的）"),
        "post": _pick(post_choices, "post", "选择岗位"),
    }
    return render_template(
        "community_lists/project.html",
        community=community,
        project=project,
        linked=linked,
        picks=picks,
        action=ActionForm(),
        # A project a 议事厅 proposal became: its residents' ratings (民事民评).
        ratings=store.rating_summary(cid, project["proposal_id"])
        if project.get("proposal_id")
        else None,
        **_labels(),
    )


_LINKS = {
    "need": (store.link_need, store.unlink_need, "需求"),
    "resource": (store.link_resource, store.unlink_resource, "资源"),
    "post": (store.link_post, store.unlink_post, "岗位"),
}


@bp.route("/projects/<prid>/link/<what>", methods=["POST"])
def link(cid: str, prid: str, what: str):
    """Link a need, resource or post of this community to the project."""
    community = auth.admin_community_or_404(cid)
    store.get_project(cid, prid)
    if what not in _LINKS:
        raise store.NotFound("没有这个操作。")
    form = PickForm(prefix=what)
    item = form.item.data or ""
    form.item.choices = [(item, item)] if item else []
    if form.validate_on_submit():
        try:
            _LINKS[what][0](cid, prid, item)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(
                community,
                f"项目关联{_LINKS[what][2]}",
                f"项目 {prid}",
                None,
                f"{_LINKS[what][2]} {item}",
            )
            flash(f"已关联{_LINKS[what][2]}。", "success")
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".project", cid=cid, prid=prid))


@bp.route("/projects/<prid>/unlink/<what>/<oid>", methods=["POST"])
def unlink(cid: str, prid: str, what: str, oid: str):
    """Take a need, resource or post out of the project."""
    community = auth.admin_community_or_404(cid)
    store.get_project(cid, prid)
    if what not in _LINKS:
        raise store.NotFound("没有这个操作。")
    if ActionForm().validate_on_submit():
        try:
            _LINKS[what][1](cid, prid, oid)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(
                community,
                f"项目移除{_LINKS[what][2]}",
                f"项目 {prid}",
                f"{_LINKS[what][2]} {oid}",
                None,
            )
            flash(f"已移除{_LINKS[what][2]}。", "success")
    return redirect(url_for(".project", cid=cid, prid=prid))


@bp.route("/projects/<prid>/status/<status>", methods=["POST"])
def project_status(cid: str, prid: str, status: str):
    """Mark a project active or finished."""
    community = auth.admin_community_or_404(cid)
    before = store.get_project(cid, prid)["status"]
    if status not in ("active", "finished"):
        raise store.NotFound("没有这个操作。")
    value = "进行中" if status == "active" else "已完成"
    if ActionForm().validate_on_submit():
        store.set_project_status(cid, prid, value)
        _admin.audit(community, "项目状态", f"项目 {prid}", before, value)
        flash(f"项目已标记为{value}。", "success")
    return redirect(url_for(".project", cid=cid, prid=prid))
