"""The blueprint, the overview of the areas a user may open, and the needs list of a street
or of the district: post, edit (with its status), and match a need with resources of the
levels below it. Resources, projects and the export add their routes to the same blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from forms.area_lists import AreaNeedEditForm, AreaNeedForm, RefForm
from kb import data as kbdata

from .. import admin as _admin
from .. import auth, store
from . import access

bp = Blueprint(
    "area_lists", __name__, template_folder="templates", url_prefix="/portal/admin/area-lists"
)
_admin.admins_only(bp)


def labels() -> dict:
    """Names the templates use."""
    return {
        "raisers": store.NEED_RAISERS,
        "urgencies": store.NEED_URGENCIES,
        "kinds": store.RESOURCE_KINDS,
        "providers": store.RESOURCE_PROVIDERS,
        "level_names": store.AREA_LEVEL_NAMES,
        "entry_url": entry_url,
    }


_PAGES = {
    "need": ("community_lists.need", "nid", ".need"),
    "resource": ("community_lists.edit_resource", "rid", ".edit_resource"),
    "project": ("community_lists.project", "prid", ".project"),
}


def entry_url(entry: dict) -> str | None:
    """The page of a row of any level, when the current admin may open it (None otherwise,
    and for a row that no longer exists)."""
    if entry["item"] is None:
        return None
    community_endpoint, arg, endpoint = _PAGES[entry["what"]]
    level, scope, oid = entry["level"], entry["scope"], entry["item"]["id"]
    if level == "community":
        try:
            community = store.get_community(scope)
        except store.NotFound:
            return None
        if not auth.can_admin_community(g.user, community):
            return None
        return url_for(community_endpoint, cid=scope, **{arg: oid})
    if entry["what"] == "resource" and not access.can_manage(g.user, level, scope):
        return None  # a resource has no page but its edit form
    if not access.can_view(g.user, level, scope):
        return None
    area = access.DISTRICT if level == "district" else scope
    return url_for(endpoint, area=area, **{arg: oid})


def street_filter(ctx: dict) -> str:
    """The street whose communities' rows the district's pickers list (``?street=``)."""
    street = request.args.get("street", "")
    if ctx["level"] != "district" or street not in {s["id"] for s in store.list_streets()}:
        return ""
    return street


def entry_label(entry: dict) -> str:
    """How a row of any level is named in a picker: 【街道级】东四街道 · 名称."""
    item = entry["item"] or {}
    if entry["what"] == "resource":
        text = f"{item.get('name', '')}（{item.get('provider', '')}）"
    else:
        category = kbdata.need_category_name(item.get("category", ""))
        text = f"{category}：{(item.get('description') or '')[:30]}（{item.get('status', '')}）"
    return f"【{entry['level_name']}】{entry['scope_name']} · {text}"


@bp.route("/")
def index():
    """The street's and the district's lists the admin may open, with their counts."""
    rows = []
    for area in access.viewable_areas(g.user):
        level, scope = area["level"], area["scope"]
        rows.append(
            dict(
                area,
                level_name=store.AREA_LEVEL_NAMES[level],
                manage=access.can_manage(g.user, level, scope),
                open_needs=sum(
                    1 for n in store.list_area_needs(level, scope) if n["status"] != "已办结"
                ),
                resources=len(store.list_area_resources(level, scope, active=True)),
                projects=len(store.list_area_projects(level, scope, "进行中")),
            )
        )
    return render_template("area_lists/index.html", rows=rows)


# ---------------------------------------------------------------- needs


@bp.route("/<area>/needs")
def needs(area: str):
    """The needs of the area (and, for its admins, those of the level below), by status."""
    ctx = access.area_or_404(area)
    status = request.args.get("status", "")
    if status not in store.NEED_STATUSES:
        status = ""
    rows = store.area_entries(
        "need", ctx["level"], ctx["scope"], below=ctx["show"] == access.SHOW_BELOW
    )
    counts = {s: sum(1 for e in rows if e["item"]["status"] == s) for s in store.NEED_STATUSES}
    return render_template(
        "area_lists/needs.html",
        ctx=ctx,
        status=status,
        entries=[e for e in rows if not status or e["item"]["status"] == status],
        counts=counts,
        statuses=store.NEED_STATUSES,
        **labels(),
    )


def _need_form(cls=AreaNeedForm, **kwargs):
    form = cls(**kwargs)
    form.set_choices(
        kbdata.need_category_choices(),
        list(store.NEED_URGENCIES.items()),
        list(store.NEED_RAISERS.items()),
    )
    return form


@bp.route("/<area>/needs/new", methods=["GET", "POST"])
def new_need(area: str):
    """Post a need on the street's (or the district's) list."""
    ctx = access.area_or_404(area, manage=True)
    form = _need_form()
    if form.validate_on_submit():
        try:
            need = store.create_area_need(
                ctx["level"], ctx["scope"], g.user["uid"], **form.fields()
            )
        except store.StoreError as exc:
            form.description.errors.append(str(exc))
        else:
            access.audit(ctx, "发布需求", f"需求 {need['id']}", None, need["description"][:60])
            flash(f"需求已发布到{ctx['name']}{ctx['level_name']}需求清单。", "success")
            return redirect(url_for(".need", area=area, nid=need["id"]))
    return render_template("area_lists/need_form.html", ctx=ctx, form=form, need=None)


@bp.route("/<area>/needs/<nid>")
def need(area: str, nid: str):
    """One need: its fields, the resources matched with it, and (for its admins) a picker
    of the resources it may be matched with."""
    ctx = access.area_or_404(area)
    need = store.get_area_need(ctx["level"], ctx["scope"], nid)
    matches = [store.resolve_area_ref("resource", m) for m in need.get("matches") or []]
    street = street_filter(ctx)
    pick = None
    if ctx["manage"] and need["status"] != "已办结":
        matched = {m["key"] for m in matches}
        candidates = [
            e
            for e in store.area_entries(
                "resource", ctx["level"], ctx["scope"], below=True, street=street or None
            )
            if e["item"]["active"] and e["key"] not in matched
        ]
        if ctx["level"] == "street":
            # District-level units serve every street: their pledges may meet its needs.
            candidates += [
                e
                for e in store.area_entries("resource", "district", "district")
                if e["item"]["active"] and e["item"].get("unit_id") and e["key"] not in matched
            ]
        pick = RefForm(formdata=None)
        pick.ref.choices = [("", "请选择")] + [(e["key"], entry_label(e)) for e in candidates]
        pick.ref.label.text = "选择资源（仅列出可用的）"
    return render_template(
        "area_lists/need.html",
        ctx=ctx,
        need=need,
        matches=matches,
        pick=pick,
        street=street,
        streets=store.list_streets(),
        unmatch=RefForm(formdata=None),
        **labels(),
    )


@bp.route("/<area>/needs/<nid>/edit", methods=["GET", "POST"])
def edit_need(area: str, nid: str):
    """Change a need's fields or its status."""
    ctx = access.area_or_404(area, manage=True)
    need = store.get_area_need(ctx["level"], ctx["scope"], nid)
    form = _need_form(AreaNeedEditForm, data=need)
    form.set_statuses(store.NEED_STATUSES)
    if form.validate_on_submit():
        try:
            updated = store.update_area_need(
                ctx["level"],
                ctx["scope"],
                nid,
                g.user["uid"],
                status=form.status.data,
                **form.fields(),
            )
        except store.StoreError as exc:
            form.description.errors.append(str(exc))
        else:
            keys = ("category", "description", "place", "urgency", "status")
            access.audit(
                ctx,
                "修改需求",
                f"需求 {nid}",
                {k: need[k] for k in keys},
                {k: updated[k] for k in keys},
            )
            flash("需求已更新。", "success")
            return redirect(url_for(".need", area=area, nid=nid))
    return render_template("area_lists/need_form.html", ctx=ctx, form=form, need=need)


def _posted_ref_form() -> RefForm:
    """The picker as posted: the store decides whether the row may be linked."""
    form = RefForm()
    value = form.ref.data or ""
    form.ref.choices = [(value, value)] if value else []
    return form


@bp.route("/<area>/needs/<nid>/match", methods=["POST"])
def match(area: str, nid: str):
    """Match a resource of the area (or of a level below it) with the need."""
    ctx = access.area_or_404(area, manage=True)
    store.get_area_need(ctx["level"], ctx["scope"], nid)

    def done(need):
        entry = store.resolve_area_ref("resource", need["matches"][-1])
        access.audit(ctx, "需求匹配资源", f"需求 {nid}", None, entry_label(entry))
        flash(f"已匹配资源：{entry['item']['name']}。", "success")

    _admin.form_action(
        _posted_ref_form(),
        lambda f: access.or_404(
            lambda: store.match_area_need(ctx["level"], ctx["scope"], nid, f.parts(), g.user["uid"])
        ),
        done,
        "请选择要匹配的资源。",
    )
    return redirect(url_for(".need", area=area, nid=nid))


@bp.route("/<area>/needs/<nid>/unmatch", methods=["POST"])
def unmatch(area: str, nid: str):
    """Take a matched resource off the need."""
    ctx = access.area_or_404(area, manage=True)
    need = store.get_area_need(ctx["level"], ctx["scope"], nid)
    form = RefForm()
    form.ref.choices = [
        (f"{m['level']}:{m['scope']}:{m['id']}", "") for m in need.get("matches") or []
    ]

    def done(_need):
        access.audit(ctx, "需求取消匹配", f"需求 {nid}", f"资源 {form.ref.data}", None)
        flash("已取消匹配。", "success")

    _admin.form_action(
        form,
        lambda f: store.unmatch_area_need(ctx["level"], ctx["scope"], nid, f.parts()),
        done,
        "请选择要取消匹配的资源。",
    )
    return redirect(url_for(".need", area=area, nid=nid))
