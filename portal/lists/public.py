"""The public need form (居民提需求, no account needed) and the private status page.

Limits are config values (with the defaults below): NEED_RATE_PER_ADDRESS and
NEED_RATE_PER_PHONE submissions per NEED_RATE_WINDOW seconds, and
NEED_PHOTO_MAX_BYTES for the optional photo.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from forms.lists import PublicNeedForm
from kb import data as kbdata

from .. import store

bp = Blueprint("needs_public", __name__, template_folder="templates", url_prefix="/portal/needs")

LIMIT_DEFAULTS = {
    "NEED_RATE_PER_ADDRESS": 5,
    "NEED_RATE_PER_PHONE": 3,
    "NEED_RATE_WINDOW": 3600,
    "NEED_PHOTO_MAX_BYTES": 5 * 1024 * 1024,
}
PUBLIC_RAISERS = ("resident", "building_head", "alley_steward")


def _limit(name: str):
    return current_app.config.get(name, LIMIT_DEFAULTS[name])


def _form() -> PublicNeedForm:
    form = PublicNeedForm()
    form.set_choices(
        [(c["id"], c["name"]) for c in kbdata.taxonomy()["categories"]],
        list(store.NEED_URGENCIES.items()),
        [(k, store.NEED_RAISERS[k]) for k in PUBLIC_RAISERS],
    )
    if not form.raised_by.data:
        form.raised_by.data = "resident"
    return form


def _throttled(phone: str) -> bool:
    window = _limit("NEED_RATE_WINDOW")
    address = request.remote_addr or "unknown"
    if not store.throttle_hit("need_address", address, _limit("NEED_RATE_PER_ADDRESS"), window):
        return True
    return not store.throttle_hit("need_phone", phone, _limit("NEED_RATE_PER_PHONE"), window)


@bp.route("/new/<cid>", methods=["GET", "POST"])
def new(cid: str):
    """A resident raises a need to the community; the reply goes to a private status link."""
    community = store.get_community(cid)
    form = _form()
    status = 200
    if form.validate_on_submit():
        if (form.website.data or "").strip():
            # A bot filled the hidden field: look successful, keep nothing.
            return render_template("needs_public/received.html", community=community)
        if _throttled(form.phone.data):
            status = 429
            form.phone.errors.append("提交过于频繁，请一小时后再试；如有急事请直接联系社区。")
        else:
            photo = None
            try:
                if form.has_photo():
                    limit = _limit("NEED_PHOTO_MAX_BYTES")
                    data = form.photo.data.stream.read(limit + 1)
                    photo = store.save_need_photo(cid, data, max_bytes=limit)
                need = store.create_need(
                    cid,
                    category=form.category.data,
                    description=form.description.data,
                    raised_by=form.raised_by.data,
                    building=form.building.data,
                    urgency=form.urgency.data,
                    phone=form.phone.data,
                    name=form.name.data,
                    photo=photo,
                )
            except store.StoreError as exc:
                if photo:
                    store.delete_need_photo(cid, photo)
                (form.photo if "照片" in str(exc) else form.description).errors.append(str(exc))
            else:
                flash(
                    "需求已提交。请收藏或截图保存本页链接，社区的处理进展会显示在这里。", "success"
                )
                return redirect(url_for(".status", token=need["status_token"]))
    return render_template("needs_public/new.html", community=community, form=form), status


@bp.route("/status/<token>")
def status(token: str):
    """The private status page: this need's dated notes and its evaluation, nothing else."""
    need = store.need_by_token(token)
    return render_template(
        "needs_public/status.html",
        need=need,
        token=token,
        community=store.get_community(need["community_id"]),
        raisers=store.NEED_RAISERS,
        urgencies=store.NEED_URGENCIES,
    )


@bp.route("/status/<token>/photo")
def photo(token: str):
    """The need's photo, for whoever holds its status link."""
    need = store.need_by_token(token)
    return send_file(store.need_photo_path(need), mimetype="image/jpeg", max_age=0)
