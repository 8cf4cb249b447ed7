"""The three lists of a community (需求清单, 资源清单, 项目清单), for its admins.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``; needs, resources and projects are looked up in
that community only, so another community's ids give a 404. Every change is
written to the audit log.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for

from forms.lists import (AdminNeedForm, ButtonForm, CloseForm, NoteForm, PickForm, ProjectForm,
                         ReopenForm, ResourceForm, StartForm)
from forms.posts import PostForm
from kb import data as kbdata

from . import _admin
from .. import auth, store
from ..store import needs as needs_store
from ..store import resources as resources_store

bp = Blueprint("community_lists", __name__, url_prefix="/portal/admin/c/<cid>/lists")


_admin.admins_only(bp)


def _labels() -> dict:
    return {"raisers": needs_store.RAISERS, "urgencies": needs_store.URGENCIES,
            "kinds": resources_store.KINDS, "providers": resources_store.PROVIDERS}


@bp.route("/")
def index(cid: str):
    """The three lists at a glance."""
    community = auth.admin_community_or_404(cid)
    needs = store.list_needs(cid)
    return render_template("community_lists/index.html", community=community, needs=needs,
                           resources=store.list_resources(cid),
                           projects=store.list_projects(cid), **_labels())


# ---------------------------------------------------------------- needs

@bp.route("/needs")
def needs(cid: str):
    """The needs list, filtered by status."""
    community = auth.admin_community_or_404(cid)
    status = request.args.get("status", "")
    if status not in needs_store.STATUSES:
        status = ""
    rows = store.list_needs(cid)
    counts = {s: sum(1 for n in rows if n["status"] == s) for s in needs_store.STATUSES}
    return render_template("community_lists/needs.html", community=community, status=status,
                           needs=[n for n in rows if not status or n["status"] == status],
                           counts=counts, statuses=needs_store.STATUSES, **_labels())


def _need_form() -> AdminNeedForm:
    form = AdminNeedForm()
    form.set_choices([(c["id"], c["name"]) for c in kbdata.taxonomy()["categories"]],
                     list(needs_store.URGENCIES.items()), list(needs_store.RAISERS.items()))
    if not form.raised_by.data:
        form.raised_by.data = "worker"
    return form


@bp.route("/needs/new", methods=["GET", "POST"])
def new_need(cid: str):
    """Record a need raised in person, by phone, or by a 楼门院长/小巷管家."""
    community = auth.admin_community_or_404(cid)
    form = _need_form()
    if form.validate_on_submit():
        try:
            need = store.create_need(cid, category=form.category.data,
                                     description=form.description.data,
                                     raised_by=form.raised_by.data, building=form.building.data,
                                     urgency=form.urgency.data, phone=form.phone.data,
                                     name=form.name.data, by=g.user["uid"])
        except store.StoreError as exc:
            form.description.errors.append(str(exc))
        else:
            _admin.audit(community, "登记需求", f"需求 {need['id']}", None, need["description"][:60])
            link = url_for("needs_public.status", token=need["status_token"], _external=True)
            flash(f"需求已登记。请把进度查询链接告知提出人（只显示这一次）：{link}", "success")
            return redirect(url_for(".need", cid=cid, nid=need["id"]))
    return render_template("community_lists/need_form.html", community=community, form=form)


@bp.route("/needs/<nid>")
def need(cid: str, nid: str):
    """One need: details, dated notes, evaluations, and the actions its status allows."""
    community = auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    project = store.get_project(cid, need["project_id"]) if need.get("project_id") else None
    linked_posts = []
    for pid in need["post_ids"]:
        try:
            linked_posts.append(store.get_post(cid, pid))
        except store.NotFound:
            pass
    pick = PickForm()
    pick.item.choices = [("", "请选择项目")] + [(p["id"], p["name"])
                                            for p in store.list_projects(cid, "进行中")]
    pick.item.label.text = "加入项目"
    return render_template("community_lists/need.html", community=community, need=need,
                           project=project, linked_posts=linked_posts, start_form=StartForm(),
                           note_form=NoteForm(), close_form=CloseForm(), reopen_form=ReopenForm(),
                           pick=pick, **_labels())


def _need_action(cid: str, nid: str, form, action: str, message: str, call):
    """Shared shape of the need's POST actions: check, call the store, audit, flash."""
    community = auth.admin_community_or_404(cid)
    before = store.get_need(cid, nid)["status"]
    if form.validate_on_submit():
        try:
            need = call(form)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            after = need["status"]
            if need.get("evaluation") and action == "办结需求":
                after = f"{after}（满意度 {need['evaluation']['satisfaction']}）"
            _admin.audit(community, action, f"需求 {nid}", before, after)
            flash(message, "success")
    else:
        flash(_admin.form_errors(form) or "提交的内容有误。", "error")
    return redirect(url_for(".need", cid=cid, nid=nid))


@bp.route("/needs/<nid>/start", methods=["POST"])
def start_need(cid: str, nid: str):
    return _need_action(cid, nid, StartForm(), "受理需求", "已开始处理。",
                        lambda f: store.start_need(cid, nid, g.user["uid"], f.note.data or ""))


@bp.route("/needs/<nid>/note", methods=["POST"])
def note_need(cid: str, nid: str):
    return _need_action(cid, nid, NoteForm(), "记录需求进展", "已记录进展。",
                        lambda f: store.add_need_note(cid, nid, g.user["uid"], f.text.data))


@bp.route("/needs/<nid>/close", methods=["POST"])
def close_need(cid: str, nid: str):
    return _need_action(cid, nid, CloseForm(), "办结需求", "需求已办结，评价已记录。",
                        lambda f: store.close_need(cid, nid, g.user["uid"], f.satisfaction.data,
                                                   f.comment.data or "", f.note.data or ""))


@bp.route("/needs/<nid>/reopen", methods=["POST"])
def reopen_need(cid: str, nid: str):
    return _need_action(cid, nid, ReopenForm(), "重新打开需求", "需求已重新打开。",
                        lambda f: store.reopen_need(cid, nid, g.user["uid"], f.note.data))


@bp.route("/needs/<nid>/project", methods=["POST"])
def need_project(cid: str, nid: str):
    """Put the need into a project."""
    community = auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    form = PickForm()
    form.item.choices = [(p["id"], p["name"]) for p in store.list_projects(cid)]
    if form.validate_on_submit():
        try:
            store.link_need(cid, form.item.data, nid)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, "需求加入项目", f"需求 {nid}", need.get("project_id"),
                   f"项目 {form.item.data}")
            flash("已加入项目。", "success")
    else:
        flash(_admin.form_errors(form), "error")
    return redirect(url_for(".need", cid=cid, nid=nid))


@bp.route("/needs/<nid>/photo")
def need_photo(cid: str, nid: str):
    """The need's photo, for admins of this community only."""
    auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    return send_file(store.need_photo_path(need), mimetype="image/jpeg", max_age=0)


def _post_form() -> PostForm:
    form = PostForm()
    tax = kbdata.taxonomy()
    form.set_choices([(c["id"], c["name"]) for c in tax["categories"]],
                     [(s["id"], s["name"]) for s in tax["skills"]])
    return form


@bp.route("/needs/<nid>/post", methods=["GET", "POST"])
def need_post(cid: str, nid: str):
    """Create a post straight from a need: the form starts from the need's fields."""
    community = auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    form = _post_form()
    if request.method == "GET":
        form.category.data = need["category"]
        form.description.data = need["description"]
        form.place.data = need["building"]
        category = kbdata.taxonomy()["category_by_id"].get(need["category"], {})
        form.title.data = f"{category.get('name', '')}服务"[:40]
    if form.validate_on_submit():
        try:
            post = store.create_post_for_need(
                cid, nid, g.user["uid"], title=form.title.data, category=form.category.data,
                description=form.description.data, place=form.place.data, kind=form.kind.data,
                shifts=form.shift_rows(), skills=form.post_skills())
        except store.StoreError as exc:
            form.title.errors.append(str(exc))
        else:
            _admin.audit(community, "由需求发布岗位", f"需求 {nid}", None, f"岗位 {post['id']}")
            flash("岗位已发布，并已关联到这条需求。", "success")
            return redirect(url_for(".need", cid=cid, nid=nid))
    return render_template("community_lists/need_post.html", community=community, need=need,
                           form=form)


# ---------------------------------------------------------------- resources

@bp.route("/resources")
def resources(cid: str):
    community = auth.admin_community_or_404(cid)
    return render_template("community_lists/resources.html", community=community,
                           resources=store.list_resources(cid), **_labels())


def _resource_form(resource: dict | None = None) -> ResourceForm:
    data = None
    if resource is not None:
        data = dict(resource, active="1" if resource["active"] else "0")
    form = ResourceForm(data=data)
    form.set_choices(list(resources_store.KINDS.items()), list(resources_store.PROVIDERS.items()))
    return form


def _resource_fields(form: ResourceForm) -> dict:
    return {"name": form.name.data, "kind": form.kind.data, "provider": form.provider.data,
            "provider_type": form.provider_type.data, "contact": form.contact.data,
            "description": form.description.data or "", "availability": form.availability.data or ""}


@bp.route("/resources/new", methods=["GET", "POST"])
def new_resource(cid: str):
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
    return render_template("community_lists/resource_form.html", community=community, form=form,
                           resource=None)


@bp.route("/resources/<rid>/edit", methods=["GET", "POST"])
def edit_resource(cid: str, rid: str):
    community = auth.admin_community_or_404(cid)
    resource = store.get_resource(cid, rid)
    form = _resource_form(resource)
    if form.validate_on_submit():
        try:
            updated = store.update_resource(cid, rid, active=form.active.data == "1",
                                            **_resource_fields(form))
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            keys = ("name", "kind", "provider", "provider_type", "contact", "description",
                    "availability", "active")
            _admin.audit(community, "修改资源", f"资源 {rid}", {k: resource[k] for k in keys},
                   {k: updated[k] for k in keys})
            flash("资源已更新。", "success")
            return redirect(url_for(".resources", cid=cid))
    return render_template("community_lists/resource_form.html", community=community, form=form,
                           resource=resource)


# ---------------------------------------------------------------- projects

@bp.route("/projects")
def projects(cid: str):
    community = auth.admin_community_or_404(cid)
    return render_template("community_lists/projects.html", community=community,
                           projects=store.list_projects(cid))


@bp.route("/projects/new", methods=["GET", "POST"])
def new_project(cid: str):
    community = auth.admin_community_or_404(cid)
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = store.create_project(cid, g.user["uid"], name=form.name.data,
                                           description=form.description.data or "")
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
    linked = {"needs": [n for n in needs if n["id"] in project["need_ids"]],
              "resources": [r for r in resources if r["id"] in project["resource_ids"]],
              "posts": [p for p in posts if p["id"] in project["post_ids"]]}
    need_choices = [(n["id"], f"{n['description'][:30]}（{n['status']}）") for n in needs
                    if n["id"] not in project["need_ids"]]
    resource_choices = [(r["id"], f"{r['name']}（{r['provider']}）") for r in resources
                        if r["active"] and r["id"] not in project["resource_ids"]]
    post_choices = [(p["id"], p["title"]) for p in posts if p["id"] not in project["post_ids"]]
    picks = {"need": _pick(need_choices, "need", "选择需求"),
             "resource": _pick(resource_choices, "resource", "选择资源（仅列出可用的）"),
             "post": _pick(post_choices, "post", "选择岗位")}
    return render_template("community_lists/project.html", community=community, project=project,
                           linked=linked, picks=picks, action=ButtonForm(), **_labels())


_LINKS = {"need": (store.link_need, store.unlink_need, "需求"),
          "resource": (store.link_resource, store.unlink_resource, "资源"),
          "post": (store.link_post, store.unlink_post, "岗位")}


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
            _admin.audit(community, f"项目关联{_LINKS[what][2]}", f"项目 {prid}", None,
                   f"{_LINKS[what][2]} {item}")
            flash(f"已关联{_LINKS[what][2]}。", "success")
    else:
        flash(_admin.form_errors(form), "error")
    return redirect(url_for(".project", cid=cid, prid=prid))


@bp.route("/projects/<prid>/unlink/<what>/<oid>", methods=["POST"])
def unlink(cid: str, prid: str, what: str, oid: str):
    """Take a need, resource or post out of the project."""
    community = auth.admin_community_or_404(cid)
    store.get_project(cid, prid)
    if what not in _LINKS:
        raise store.NotFound("没有这个操作。")
    if ButtonForm().validate_on_submit():
        try:
            _LINKS[what][1](cid, prid, oid)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, f"项目移除{_LINKS[what][2]}", f"项目 {prid}",
                   f"{_LINKS[what][2]} {oid}", None)
            flash(f"已移除{_LINKS[what][2]}。", "success")
    return redirect(url_for(".project", cid=cid, prid=prid))


@bp.route("/projects/<prid>/status/<status>", methods=["POST"])
def project_status(cid: str, prid: str, status: str):
    community = auth.admin_community_or_404(cid)
    before = store.get_project(cid, prid)["status"]
    if status not in ("active", "finished"):
        raise store.NotFound("没有这个操作。")
    value = "进行中" if status == "active" else "已完成"
    if ButtonForm().validate_on_submit():
        store.set_project_status(cid, prid, value)
        _admin.audit(community, "项目状态", f"项目 {prid}", before, value)
        flash(f"项目已标记为{value}。", "success")
    return redirect(url_for(".project", cid=cid, prid=prid))
