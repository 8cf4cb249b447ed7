"""分类设岗 for a community's admins: its posts (new, open or close, copy a week on), each
post's shifts with their counts, and a shift's roster.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``: an admin outside its scope gets a 404.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from forms.posts import ActionForm, CopyPostForm, SeriesForm

from .. import admin as _admin
from .. import auth, mail, store
from ..templating import shift_label
from .shift_changes import _changes

bp = _admin.community_blueprint("posts_admin", __name__)


@bp.route("/posts")
def posts(cid: str):
    """All posts of the community, open and closed."""
    community = auth.admin_community_or_404(cid)
    return render_template(
        "posts_admin/posts.html", community=community, posts=store.list_posts(cid)
    )


@bp.route("/posts/new", methods=["GET", "POST"])
def new_post(cid: str):
    """Create a post with dated shifts or as a standing role."""
    community = auth.admin_community_or_404(cid)
    form = _admin.post_form()
    if form.validate_on_submit():
        try:
            post = store.create_post(
                cid,
                g.user["uid"],
                title=form.title.data,
                category=form.category.data,
                description=form.description.data,
                place=form.place.data,
                kind=form.kind.data,
                shifts=form.shift_rows(),
                skills=form.post_skills(),
                signup_opens_at=form.signup_opens_at.data or None,
                repeat=form.repeat(),
            )
        except store.StoreError as exc:
            form.title.errors.append(str(exc))
        else:
            _admin.audit(community, "发布岗位", f"岗位 {post['id']}", None, post["title"])
            flash("岗位已发布。", "success")
            return redirect(url_for(".post", cid=cid, pid=post["id"]))
    return render_template("posts_admin/new_post.html", community=community, form=form)


@bp.route("/posts/<pid>")
def post(cid: str, pid: str):
    """A post with each shift's sign-up counts and links to its roster."""
    community = auth.admin_community_or_404(cid)
    post = store.get_post(cid, pid)
    shifts = [dict(shift=s, **store.shift_counts(cid, s)) for s in store.post_shifts(cid, pid)]
    return render_template(
        "posts_admin/post.html",
        community=community,
        post=post,
        shifts=shifts,
        action=ActionForm(),
        copy_form=CopyPostForm(),
        series_form=SeriesForm(),
    )


@bp.route("/posts/<pid>/status/<status>", methods=["POST"])
def set_post_status(cid: str, pid: str, status: str):
    """Open or close a post for sign-up."""
    community = auth.admin_community_or_404(cid)
    before = store.get_post(cid, pid)["status"]
    if status not in ("open", "closed"):
        raise store.NotFound("没有这个操作。")
    if ActionForm().validate_on_submit():
        store.set_post_status(cid, pid, status)
        _admin.audit(
            community, "开放报名" if status == "open" else "停止报名", f"岗位 {pid}", before, status
        )
        flash("岗位已开放报名。" if status == "open" else "岗位已停止报名。", "success")
    return redirect(url_for(".post", cid=cid, pid=pid))


@bp.route("/posts/<pid>/copy", methods=["POST"])
def copy_post(cid: str, pid: str):
    """Copy a post to new dates (by default one week later)."""
    community = auth.admin_community_or_404(cid)
    store.get_post(cid, pid)
    form = CopyPostForm()
    if form.validate_on_submit():
        try:
            new = store.copy_post(cid, pid, g.user["uid"], days=form.days.data)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            _admin.audit(community, "复制岗位", f"岗位 {pid}", None, f"新岗位 {new['id']}")
            flash(f"已复制到 {form.days.data} 天后的新日期。", "success")
            return redirect(url_for(".post", cid=cid, pid=new["id"]))
    else:
        _admin.flash_form_errors(form)
    return redirect(url_for(".post", cid=cid, pid=pid))


@bp.route("/posts/<pid>/series", methods=["POST"])
def edit_series(cid: str, pid: str):
    """Change the time and/or capacity of every future shift of a repeating post at once;
    each person on a changed shift gets one notice listing what changed for them."""
    community = auth.admin_community_or_404(cid)
    post = store.get_post(cid, pid)
    form = SeriesForm()
    if not form.validate_on_submit():
        _admin.flash_form_errors(form)
        return redirect(url_for(".post", cid=cid, pid=pid))
    try:
        result = store.update_series(
            cid,
            pid,
            start=form.start.data or None,
            end=form.end.data or None,
            capacity=form.capacity.data,
        )
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".post", cid=cid, pid=pid))
    link = url_for("member.home")
    per_person: dict[str, list[str]] = {}
    items = []
    for change in result["changes"]:
        what = "；".join(_changes(change["before"], change["shift"]))
        for uid in change["uids"]:
            per_person.setdefault(uid, []).append(f"{shift_label(change['before'])}：{what}")
        items += [
            (
                row["uid"],
                "promoted",
                f"名额增加，您已从候补转为正式报名：“{post['title']}”"
                f"（{shift_label(change['shift'])}），请按时参加。",
                link,
            )
            for row in change["promoted"]
        ]
    items = [
        (
            uid,
            "shift_changed",
            f"{community['name']}调整了您报名的“{post['title']}”系列班次："
            + "；".join(lines)
            + "。",
            link,
        )
        for uid, lines in per_person.items()
    ] + items
    mail.notify_many(items)
    _admin.audit(
        community,
        "修改整个系列",
        f"岗位 {pid}",
        None,
        f"{len(result['changes'])} 个班次："
        + "；".join(
            dict.fromkeys("；".join(_changes(c["before"], c["shift"])) for c in result["changes"])
        ),
    )
    flash(f"已修改系列中 {len(result['changes'])} 个班次，已通知 {len(per_person)} 人。", "success")
    return redirect(url_for(".post", cid=cid, pid=pid))


@bp.route("/shifts/<sid>/roster")
def roster(cid: str, sid: str):
    """Who is on a shift, and who waits, in order."""
    community = auth.admin_community_or_404(cid)
    return render_template(
        "posts_admin/roster.html", community=community, roster=store.roster(cid, sid)
    )
