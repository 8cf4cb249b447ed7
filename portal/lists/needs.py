"""The three lists of a community (需求清单, 资源清单, 项目清单), for its admins.
This module holds the blueprint, the overview and the needs; the resources and
projects views are in ``community_projects``, on the same blueprint.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``; needs, resources and projects are looked up in
that community only, so another community's ids give a 404. Every change is
written to the audit log.
"""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for

from forms.area_lists import RefForm
from forms.lists import (
    AdminNeedForm,
    CloseForm,
    NoteForm,
    PhoneFollowUpForm,
    PickForm,
    ReopenForm,
    StartForm,
)
from kb import data as kbdata

from .. import admin as _admin
from .. import auth, store, uploads
from ..security import csrf
from . import location
from .public import create_need_from_form, refusal_field, set_building_choices

bp = _admin.community_blueprint("community_lists", __name__, "/lists")


def _labels() -> dict:
    return {
        "raisers": store.NEED_RAISERS,
        "urgencies": store.NEED_URGENCIES,
        "kinds": store.RESOURCE_KINDS,
        "providers": store.RESOURCE_PROVIDERS,
    }


@bp.route("/")
def index(cid: str):
    """The three lists at a glance."""
    community = auth.admin_community_or_404(cid)
    needs = store.list_needs(cid)
    return render_template(
        "community_lists/index.html",
        community=community,
        needs=needs,
        resources=store.list_resources(cid),
        projects=store.list_projects(cid),
        **_labels(),
    )


# ---------------------------------------------------------------- needs


@bp.route("/needs")
def needs(cid: str):
    """The needs list, filtered by status."""
    community = auth.admin_community_or_404(cid)
    status = request.args.get("status", "")
    if status not in store.NEED_STATUSES:
        status = ""
    rows = store.list_needs(cid)
    counts = {s: sum(1 for n in rows if n["status"] == s) for s in store.NEED_STATUSES}
    return render_template(
        "community_lists/needs.html",
        community=community,
        status=status,
        needs=[n for n in rows if not status or n["status"] == status],
        counts=counts,
        statuses=store.NEED_STATUSES,
        **_labels(),
    )


def _need_form(**kwargs) -> AdminNeedForm:
    form = AdminNeedForm(**kwargs)
    form.set_choices(
        kbdata.need_category_choices(),
        list(store.NEED_URGENCIES.items()),
        list(store.NEED_RAISERS.items()),
    )
    if not form.raised_by.data:
        form.raised_by.data = "worker"
    return form


@bp.route("/needs/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
def new_need(cid: str):
    """Record a need raised in person, by phone, or by a 楼门院长/小巷管家, with up to three
    photos and where it is. A refusal brings the form back as typed (see ``uploads``)."""
    community = auth.admin_community_or_404(cid)
    form = uploads.photo_form(_need_form)
    set_building_choices(form, cid)
    status = 200
    if uploads.accepted(form):
        try:
            need = create_need_from_form(cid, form, by=g.user["uid"])
        except store.StoreError as exc:
            refusal_field(form, str(exc)).errors.append(str(exc))
        else:
            _admin.audit(
                community, "登记需求", f"需求 {need['id']}", None, need["description"][:60]
            )
            link = url_for("needs_public.status", token=need["status_token"], _external=True)
            flash(f"需求已登记。请把进度查询链接告知提出人（只显示这一次）：{link}", "success")
            return uploads.done(url_for(".need", cid=cid, nid=need["id"]))
    else:
        status = uploads.status(form)
    page = render_template(
        "community_lists/need_form.html",
        community=community,
        form=form,
        photo_limits=uploads.limits(),
        map_settings=location.map_settings(),
    )
    return location.allow_tiles(make_response(page, status))


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
    pick.item.choices = [("", "请选择项目")] + [
        (p["id"], p["name"]) for p in store.list_projects(cid, "进行中")
    ]
    pick.item.label.text = "加入项目"
    return render_template(
        "community_lists/need.html",
        community=community,
        need=need,
        project=project,
        linked_posts=linked_posts,
        start_form=StartForm(),
        note_form=NoteForm(),
        close_form=CloseForm(),
        reopen_form=ReopenForm(),
        followup_form=PhoneFollowUpForm(formdata=None),
        recorded_by=_recorder_name(need.get("evaluation")),
        pick=pick,
        category_form=_category_form(need["category"]),
        # The latest request to the street, so the page says where the need stands.
        whistle_request=next(iter(store.need_requests(cid, nid)), None),
        **_match_context(cid, need),
        **_labels(),
    )


def _match_context(cid: str, need: dict) -> dict:
    """The resources matched with the need and, while it is open, a picker of those of
    the community's, its street's and the district's lists (``matching`` posts it)."""
    pick = None
    if need["status"] != "已办结":
        pick = RefForm(formdata=None)
        pick.ref.choices = [("", "请选择")] + [
            (
                e["key"],
                f"【{e['level_name']}】{e['scope_name']} · {e['item']['name']}"
                f"（{e['item']['provider']}）",
            )
            for e in store.need_match_candidates(cid, need["id"])
        ]
        pick.ref.label.text = "选择资源（本社区、本街道和区级清单中可用的）"
    return {
        "matches": store.need_matches(cid, need["id"]),
        "match_pick": pick,
        "unmatch_form": RefForm(formdata=None),
    }


def _recorder_name(evaluation: dict | None) -> str:
    """Who took down a phone follow-up (电话回访), for the need's page."""
    if not evaluation or evaluation.get("source") != "phone" or not evaluation.get("by"):
        return ""
    try:
        return store.get_user(evaluation["by"]).get("name") or "社区工作人员"
    except store.NotFound:
        return "社区工作人员"


def _need_action(cid: str, nid: str, form, action: str, message: str, call):
    """Shared shape of the need's POST actions: check, call the store, audit, flash."""
    community = auth.admin_community_or_404(cid)
    before = store.get_need(cid, nid)["status"]

    def done(need):
        after = need["status"]
        if need.get("evaluation") and action == "电话回访":
            after = f"{after}（电话回访满意度 {need['evaluation']['satisfaction']}）"
        _admin.audit(community, action, f"需求 {nid}", before, after)
        flash(message, "success")

    _admin.form_action(form, call, done)
    return redirect(url_for(".need", cid=cid, nid=nid))


@bp.route("/needs/<nid>/start", methods=["POST"])
def start_need(cid: str, nid: str):
    """Start handling a need (待处理 → 处理中), with an optional note."""
    return _need_action(
        cid,
        nid,
        StartForm(),
        "受理需求",
        "已开始处理。",
        lambda f: store.start_need(cid, nid, g.user["uid"], f.note.data or ""),
    )


@bp.route("/needs/<nid>/note", methods=["POST"])
def note_need(cid: str, nid: str):
    """Add a dated status note the person who raised the need can read."""
    return _need_action(
        cid,
        nid,
        NoteForm(),
        "记录需求进展",
        "已记录进展。",
        lambda f: store.add_need_note(cid, nid, g.user["uid"], f.text.data),
    )


@bp.route("/needs/<nid>/close", methods=["POST"])
def close_need(cid: str, nid: str):
    """Close a need; the resident rates it on the status link (or staff record a phone
    follow-up afterwards)."""
    return _need_action(
        cid,
        nid,
        CloseForm(),
        "办结需求",
        "需求已办结。提出人可在进度页面评价，也可电话回访后在此登记。",
        lambda f: store.close_need(cid, nid, g.user["uid"], f.note.data or ""),
    )


@bp.route("/needs/<nid>/followup", methods=["POST"])
def phone_followup(cid: str, nid: str):
    """Record the resident's rating taken on a phone call (电话回访), with who recorded it."""
    return _need_action(
        cid,
        nid,
        PhoneFollowUpForm(),
        "电话回访",
        "已登记电话回访结果。",
        lambda f: store.record_phone_followup(
            cid, nid, g.user["uid"], f.satisfaction.data, f.comment.data or ""
        ),
    )


@bp.route("/needs/<nid>/reopen", methods=["POST"])
def reopen_need(cid: str, nid: str):
    """Reopen a closed need (back to 处理中) with a reason."""
    return _need_action(
        cid,
        nid,
        ReopenForm(),
        "重新打开需求",
        "需求已重新打开。",
        lambda f: store.reopen_need(cid, nid, g.user["uid"], f.note.data),
    )


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
            _admin.audit(
                community,
                "需求加入项目",
                f"需求 {nid}",
                need.get("project_id"),
                f"项目 {form.item.data}",
            )
            flash("已加入项目。", "success")
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".need", cid=cid, nid=nid))


def _category_form(current: str = "") -> PickForm:
    """Pick a need's new category; the prefix keeps it apart from the project picker."""
    form = PickForm(prefix="recat")
    form.item.choices = [("", "请选择")] + kbdata.need_category_choices()
    form.item.label.text = "需求分类"
    if form.item.data is None:
        form.item.data = current
    return form


@bp.route("/needs/<nid>/category", methods=["POST"])
def recategorise_need(cid: str, nid: str):
    """Staff move a need to a better category (above all one filed under 其他)."""
    community = auth.admin_community_or_404(cid)
    before = store.get_need(cid, nid)["category"]

    def done(need):
        _admin.audit(
            community,
            "调整需求分类",
            f"需求 {nid}",
            kbdata.need_category_name(before),
            kbdata.need_category_name(need["category"]),
        )
        flash(f"已改为“{kbdata.need_category_name(need['category'])}”。", "success")

    _admin.form_action(
        _category_form(),
        lambda f: store.recategorise_need(cid, nid, g.user["uid"], f.item.data),
        done,
    )
    return redirect(url_for(".need", cid=cid, nid=nid))


@bp.route("/needs/<nid>/photo", defaults={"n": 0})
@bp.route("/needs/<nid>/photo/<int:n>")
def need_photo(cid: str, nid: str, n: int):
    """The need's photo number n (from 0), for admins of this community only."""
    auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    return uploads.photo_response(store.need_photo(need, n))


@bp.route("/needs/<nid>/post", methods=["GET", "POST"])
def need_post(cid: str, nid: str):
    """Create a post straight from a need: the form starts from the need's fields."""
    community = auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    form = _admin.post_form()
    if request.method == "GET":
        # A problem category (路灯照明 …) starts the post in its service category, if any.
        post_category = kbdata.need_categories().get(need["category"], {}).get("post_category")
        form.category.data = post_category or ""
        form.description.data = need["description"]
        form.place.data = need["building"]
        category = kbdata.taxonomy()["category_by_id"].get(post_category or "", {})
        form.title.data = f"{category['name']}服务"[:40] if category else ""
    if form.validate_on_submit():
        try:
            post = store.create_post_for_need(
                cid,
                nid,
                g.user["uid"],
                title=form.title.data,
                category=form.category.data,
                description=form.description.data,
                place=form.place.data,
                kind=form.kind.data,
                shifts=form.shift_rows(),
                skills=form.post_skills(),
            )
        except store.StoreError as exc:
            form.title.errors.append(str(exc))
        else:
            _admin.audit(community, "由需求发布岗位", f"需求 {nid}", None, f"岗位 {post['id']}")
            flash("岗位已发布，并已关联到这条需求。", "success")
            return redirect(url_for(".need", cid=cid, nid=nid))
    return render_template(
        "community_lists/need_post.html", community=community, need=need, form=form
    )
