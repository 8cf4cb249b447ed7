"""部门报到: a department liaison's side of the whistles.

A liaison (role ``dept_liaison``, scope = department id) sees only the whistles that
summon its department, reports in, registers arrival, records progress with photos
and reports its part done. Anything else is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, render_template, url_for

from forms.whistles import DeptNoteForm

from .. import auth, mail, store, uploads
from ..security import csrf
from .scope import _pct, labels, save_photo, send_photo

bp = Blueprint("departments", __name__, template_folder="templates", url_prefix="/portal/dept")


@bp.before_request
@auth.roles_required("dept_liaison")
def _liaisons_only():
    """Only department liaisons get past here; each whistle is checked for the department."""


def _dept() -> str:
    return g.user["scope"]


def _whistle_or_404(sid: str, wid: str) -> dict:
    """The whistle if it summons my department; 404 otherwise."""
    try:
        whistle = store.get_whistle(sid, wid)
    except store.NotFound:
        abort(404)
    if _dept() not in whistle["departments"]:
        abort(404)
    return whistle


@bp.route("/")
def index():
    """Whistles summoning my department (open ones, then this quarter's) and my scorecard."""
    dept = _dept()
    at = store.now()
    months = store.month_list(at.strftime("%Y-%m"), 3)
    rows = store.list_whistles(None, months=months, department=dept)
    card = store.department_scorecard(months, None, at)
    mine = next((c for c in card if c["dept"] == dept), None)
    overdue = {
        w["id"]: [s for s in store.overdue_steps(w, at) if s["dept"] in (dept, None)] for w in rows
    }
    return render_template(
        "departments/index.html",
        rows=rows,
        overdue=overdue,
        card=mine,
        months=months,
        dept=store.get_department(dept),
        pct=_pct,
        **labels(),
    )


@bp.route("/w/<sid>/<wid>")
def whistle(sid: str, wid: str):
    """One whistle as my department sees it, with the action my progress allows."""
    return _page(_whistle_or_404(sid, wid))


def _page(w: dict, failed: str | None = None, form=None, status: int = 200):
    """The whistle page; after a refusal, the refused form as typed with its messages.

    The progress note has a form of its own (field names prefixed ``progress-``) beside
    the step's form, so the two never share an id."""
    forms = {
        "step": DeptNoteForm(formdata=None),
        "progress": DeptNoteForm(formdata=None, prefix="progress"),
    }
    if failed is not None:
        forms["progress" if failed == "progress" else "step"] = form
    forms["progress"].text.label.text = "处置进展"
    page = render_template(
        "departments/whistle.html",
        w=w,
        overdue=store.overdue_steps(w),
        form=forms["step"],
        progress_form=forms["progress"],
        photo_limits=uploads.limits(),
        mine=w["departments"][_dept()],
        dept=store.get_department(_dept()),
        **labels(),
    )
    return page, status


@bp.route("/w/<sid>/<wid>/photo/<name>")
def photo(sid: str, wid: str, name: str):
    """A photo of a whistle that summons the liaison's department."""
    return send_photo(_whistle_or_404(sid, wid), name)


ACTIONS = {
    "acknowledge": ("部门报到", "已报到。"),
    "arrive": ("部门到场", "已登记到场。"),
    "progress": ("处置进展", "已记录进展。"),
    "finish": ("部门办结", "已报告办结，等待街道核验。"),
}


@bp.route("/w/<sid>/<wid>/<action>", methods=["POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
def act(sid: str, wid: str, action: str):
    """Report in, arrive, record progress or finish: one form, the action in the URL."""
    if action not in ACTIONS:
        abort(404)
    w = _whistle_or_404(sid, wid)
    prefix = "progress" if action == "progress" else ""
    form = uploads.photo_form(lambda **kw: DeptNoteForm(prefix=prefix, **kw))
    if not uploads.accepted(form):
        return _page(w, action, form, uploads.status(form))
    photos: list[str] = []
    try:
        if action != "acknowledge":
            photos = save_photo(form, sid)
        text = form.text.data or ""
        if action == "acknowledge":
            after = store.acknowledge(sid, wid, _dept(), g.user, text)
        elif action == "arrive":
            after = store.arrive(sid, wid, _dept(), g.user, text, photos)
        elif action == "progress":
            after = store.add_progress(sid, wid, _dept(), g.user, text, photos)
        else:
            after = store.finish(sid, wid, _dept(), g.user, text, photos)
    except store.StoreError as exc:
        for name in photos:
            store.delete_whistle_photo(sid, name)
        (form.photos if "照片" in str(exc) else form.text).errors.append(str(exc))
        return _page(w, action, form, 400)
    name, message = ACTIONS[action]
    dept = store.get_department(_dept())["name"]
    store.record_audit(
        g.user,
        name,
        community_id=w.get("community_id"),
        street_id=sid,
        target=f"吹哨 {wid}（{dept}）",
        before=w["status"],
        after=after["status"],
    )
    if after["status"] != w["status"] and after["status"] in (
        store.WHISTLE_REPORTED,
        store.WHISTLE_DEPTS_DONE,
    ):
        street_admins = [u["uid"] for u in store.list_admins("street_admin", [sid])]
        mail.notify_many(
            [
                (
                    uid,
                    "whistle",
                    f"吹哨 {wid}：{after['status']}。",
                    url_for("whistles.whistle", sid=sid, wid=wid),
                )
                for uid in street_admins
            ]
        )
    flash(message, "success")
    return uploads.done(url_for(".whistle", sid=sid, wid=wid))
