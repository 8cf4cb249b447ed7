"""What a member or volunteer does with posts: home, 为我推荐, sign up and cancel."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from .. import auth, mail, store
from ..templating import category_name, link_maker, page_url_maker, shift_label, skill_name

bp = Blueprint("member", __name__, template_folder="templates", url_prefix="/portal")
PARTICIPANTS = ("member", "volunteer")
# 为我推荐 on a phone: ten posts a page, each with its next two shifts; the rest of a
# post's shifts are one tap away on its page. A page stays a few screens long (and
# quick to build: each card and row drawn is most of the page's time).
RECOMMEND_PAGE = 10
RECOMMEND_SHIFTS = 2


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
    post once, with its next shifts as rows. Paged by post.

    The strings and links the page shows are worked out here, not in the template: a
    loop of forty rows calling filters, macros and url_for took most of its time."""
    only = request.args.get("only") == "1"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    posts, total = store.recommend_posts(
        g.user["uid"],
        only_matching=only,
        limit=RECOMMEND_PAGE,
        offset=(page - 1) * RECOMMEND_PAGE,
        shown=RECOMMEND_SHIFTS,
    )
    pages = max((total + RECOMMEND_PAGE - 1) // RECOMMEND_PAGE, 1)
    page = min(page, pages)
    post_link = link_maker("public.post_detail", "cid", "pid")
    signup_link = link_maker("member.sign_up", "cid", "sid")
    now_s = store.now().strftime("%Y-%m-%d %H:%M")
    confirmed = g.user.get("skills_confirmed") or []
    for group in posts:
        cid, post = group["community"]["id"], group["post"]
        group["url"] = post_link(cid, post["id"])
        group["category"] = category_name(post["category"])
        group["opens"] = opens = post.get("signup_opens_at") or ""
        group["later"] = opens > now_s
        group["more"] = group["count"] - len(group["shifts"])
        if group["required"]:  # rare: posts asking for a skill the community confirmed
            group["lacking"] = [s for s in group["required"] if s not in confirmed]
            group["required_names"] = "、".join(map(skill_name, group["required"]))
            group["lacking_names"] = "、".join(map(skill_name, group["lacking"]))
        for row in group["shifts"]:
            shift = row["shift"]
            row["label"] = _shift_label(shift)
            row["action"] = signup_link(cid, shift["id"])
    return render_template(
        "member/recommend.html",
        posts=posts,
        only=only,
        page_links=_page_links(page, pages),
    )


_labels: dict[tuple, str] = {}


def _shift_label(shift: dict) -> str:
    """``shift_label``, remembered by (date, start, end): a page shows the same few
    dates and hours again and again."""
    key = (shift.get("date"), shift.get("start"), shift.get("end"))
    label = _labels.get(key)
    if label is None:
        if len(_labels) >= 5000:  # a year of dates times the usual hours; then start over
            _labels.clear()
        label = _labels[key] = shift_label(shift)
    return label


def _page_links(page: int, pages: int) -> dict | None:
    """The links of ``_macros.pagination`` (which keeps the other query arguments):
    {prev, next (None at the ends), items: [(page, its link; None for the current
    page)], a gap being (0, None)}."""
    if pages <= 1:
        return None
    link = page_url_maker()
    return {
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
        "items": [(n, link(n) if n and n != page else None) for n in _page_numbers(page, pages)],
    }


def _page_numbers(page: int, pages: int) -> list[int]:
    """The pages ``_macros.pagination`` links to, 0 for a gap: the first, the last, and
    two either side of this one (a gap where the third would be)."""
    near = range(max(page - 3, 1), min(page + 3, pages) + 1)
    return [n if n in (1, pages) or abs(n - page) <= 2 else 0 for n in sorted({1, pages, *near})]


def _back(default: str) -> str:
    return auth.safe_next(default)


@bp.route("/c/<cid>/shifts/<sid>/signup", methods=["POST"])
@auth.roles_required(*PARTICIPANTS)
def sign_up(cid: str, sid: str):
    """Sign up for a shift (or join its waiting list when it is full)."""
    try:
        row = store.sign_up(
            cid,
            sid,
            g.user["uid"],
            no_show_limit=current_app.config["NO_SHOW_LIMIT"],
            no_show_days=current_app.config["NO_SHOW_DAYS"],
        )
    except store.NotFound:
        raise  # no such shift: the 404 page
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        # Read after the sign-up, which looked the shift up with the person's pointers.
        _shift, post = store.get_shift(cid, sid)
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
