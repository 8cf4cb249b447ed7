"""What a member or volunteer does with posts: home, 为我推荐, sign up and cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from .. import auth, mail, store
from ..templating import shift_label

bp = Blueprint("member", __name__, template_folder="templates", url_prefix="/portal")
PARTICIPANTS = ("member", "volunteer")
RECOMMEND_PAGE = 12


@bp.route("/me")
@auth.roles_required(*PARTICIPANTS)
def home():
    """Member home: community and report-in state, upcoming shifts, waiting list, hours."""
    uid = g.user["uid"]
    now = store.now()
    # Upcoming shifts and last month's: the full history is on the hours page.
    mine = store.user_signups(uid, upcoming_at=now - timedelta(days=31))
    upcoming = [s for s in mine if (end := store.shift_end(s["shift"])) is None or end >= now]
    return render_template(
        "member/home.html",
        report=store.current_report_state(uid),
        confirmed=[s for s in upcoming if s["status"] == "confirmed"],
        waiting=[s for s in upcoming if s["status"] == "waiting"],
        past=[s for s in mine if s not in upcoming][-10:],
        hours=store.summarize_hours(store.hours_rows(uid)),
        # The buttons' token comes from csrf_token() (as base.html's does): building an
        # ActionForm only to carry it cost more than the rest of the page's forms.
        action=None,
    )


@bp.route("/recommend")
@auth.roles_required(*PARTICIPANTS)
def recommend():
    """为我推荐: open posts ranked by my skills, my community, my time, then date; each
    post once, with its shifts as rows. Paged by post."""
    only = request.args.get("only") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    posts, total = store.recommend_posts(
        g.user["uid"],
        only_matching=only,
        limit=RECOMMEND_PAGE,
        offset=(page - 1) * RECOMMEND_PAGE,
    )
    pages = max((total + RECOMMEND_PAGE - 1) // RECOMMEND_PAGE, 1)
    return render_template(
        "member/recommend.html",
        post_link=_link_maker("public.post_detail", "cid", "pid"),
        signup_link=_link_maker("member.sign_up", "cid", "sid"),
        posts=posts,
        now_s=store.now().strftime("%Y-%m-%d %H:%M"),
        only=only,
        page=min(page, pages),
        pages=pages,
        action=None,  # as on the home page: the token comes from csrf_token()
    )


def _link_maker(endpoint: str, *names: str):
    """A function of the ids giving ``url_for(endpoint, **ids)``: the URL is built once
    with placeholders, which each call replaces (ids are [a-z0-9-], never quoted, and
    never contain the placeholders' underscores). A page of forty shifts builds its
    links in microseconds instead of forty ``url_for`` calls."""
    marks = [f"__{name}__" for name in names]
    values: dict[str, Any] = dict(zip(names, marks, strict=True))
    pattern = url_for(endpoint, **values)

    def link(*ids: str) -> str:
        url = pattern
        for mark, value in zip(marks, ids, strict=True):
            url = url.replace(mark, value)
        return url

    return link


def _back(default: str) -> str:
    return auth.safe_next(default)


@bp.route("/c/<cid>/shifts/<sid>/signup", methods=["POST"])
@auth.roles_required(*PARTICIPANTS)
def sign_up(cid: str, sid: str):
    """Sign up for a shift (or join its waiting list when it is full)."""
    shift, post = store.get_shift(cid, sid)
    try:
        row = store.sign_up(
            cid,
            sid,
            g.user["uid"],
            no_show_limit=current_app.config["NO_SHOW_LIMIT"],
            no_show_days=current_app.config["NO_SHOW_DAYS"],
        )
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        if row["status"] == "confirmed":
            flash(f"报名成功：{post['title']}。", "success")
        else:
            flash(
                f"该班次已满，您已进入候补名单第 {row['position']} 位；有人取消时按顺序递补。",
                "info",
            )
    return redirect(_back(url_for("member.home")))


@bp.route("/c/<cid>/shifts/<sid>/cancel", methods=["POST"])
@auth.roles_required(*PARTICIPANTS)
def cancel(cid: str, sid: str):
    """Cancel my sign-up; the first on the waiting list moves up."""
    shift, post = store.get_shift(cid, sid)
    try:
        result = store.cancel_signup(
            cid, sid, g.user["uid"], deadline_hours=current_app.config["CANCEL_DEADLINE_HOURS"]
        )
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        if result["promoted"]:
            mail.notify_user(
                result["promoted"]["uid"],
                "promoted",
                f"已从候补转为正式报名：“{post['title']}”（{shift_label(shift)}），请按时参加。",
                url_for("member.home"),
            )
        flash("已取消报名。", "success")
    return redirect(_back(url_for("member.home")))
