"""Street and district administration: the communities in scope at a glance."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from forms.places import CommunityForm

from .. import auth, store

bp = Blueprint("area_admin", __name__, template_folder="templates", url_prefix="/portal/admin")


@bp.route("/")
@auth.roles_required(*auth.ADMIN_ROLES)
def index():
    """Admin home: a community admin goes to their community; others see their area."""
    if g.user["role"] == "community_admin":
        return redirect(url_for("community_dashboard.dashboard", cid=g.user["scope"]))
    rows = []
    for community in auth.communities_in_scope(g.user):
        cid = community["id"]
        rows.append(
            {
                "community": community,
                "pending": len(store.list_report_ins(cid, "待确认")),
                "members": len(store.community_member_ids(cid)),
                "open_posts": len(store.list_posts(cid, "open")),
            }
        )
    streets = {s["id"]: s["name"] for s in store.list_streets()}
    return render_template(
        "area_admin/index.html",
        rows=rows,
        streets=streets,
        totals={k: sum(r[k] for r in rows) for k in ("pending", "members", "open_posts")},
    )


@bp.route("/communities/new", methods=["GET", "POST"])
@auth.roles_required("street_admin", "district_admin")
def new_community():
    """Add a community to a street in the admin's scope."""
    form = CommunityForm()
    form.street_id.choices = [
        (s["id"], s["name"])
        for s in store.list_streets()
        if g.user["role"] == "district_admin" or s["id"] == g.user["scope"]
    ]
    if form.validate_on_submit():
        try:
            community = store.add_community(form.street_id.data, form.name.data)
        except store.StoreError as exc:
            form.name.errors.append(str(exc))
        else:
            store.record_audit(
                g.user,
                "新增社区",
                community_id=community["id"],
                street_id=community["street_id"],
                target=community["name"],
            )
            flash(f"已添加{community['name']}。", "success")
            return redirect(url_for("area_admin.index"))
    return render_template("area_admin/new_community.html", form=form)
