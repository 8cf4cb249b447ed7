"""The public need form (居民提需求, no account needed) and the private status page.

Limits are config values (with the defaults below), per NEED_RATE_WINDOW seconds:

* NEED_RATE_PER_ADDRESS (20) and NEED_RATE_PER_PHONE (5) for a person without an account.
  Many residents reach the portal from one address (a carrier's shared address, the
  community office's Wi-Fi where a 楼门院长 helps neighbours), so the address limit only
  stops a flood from one machine; one phone number rarely has more than a few things to
  report in an hour, so the phone limit bounds what one person can send.
* NEED_RATE_PER_ACCOUNT (30) for a logged-in person, counted on the account and not on the
  address: accounts are known people (楼门院长, 小巷管家) who report for others.

Check and count are one step (``store.throttle_take``); a submission refused afterwards
(a photo that cannot be read …) gives its count back. The honeypot ``website`` field
stays. Photos: ``portal.uploads`` (up to 3, NEED_PHOTO_MAX_BYTES each); the location:
``location`` (address, optional map point).
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from forms.lists import PublicNeedForm, ResidentRatingForm
from kb import data as kbdata

from .. import store, uploads
from ..security import csrf
from . import location

bp = Blueprint("needs_public", __name__, template_folder="templates", url_prefix="/portal/needs")

LIMIT_DEFAULTS = {
    "NEED_RATE_PER_ADDRESS": 20,
    "NEED_RATE_PER_PHONE": 5,
    "NEED_RATE_PER_ACCOUNT": 30,
    "NEED_RATE_WINDOW": 3600,
}
PUBLIC_RAISERS = ("resident", "building_head", "alley_steward")


def _limit(name: str):
    return current_app.config.get(name, LIMIT_DEFAULTS[name])


def _form(**kwargs) -> PublicNeedForm:
    form = PublicNeedForm(**kwargs)
    form.set_choices(
        kbdata.need_category_choices(),
        list(store.NEED_URGENCIES.items()),
        [(k, store.NEED_RAISERS[k]) for k in PUBLIC_RAISERS],
    )
    if not form.raised_by.data:
        form.raised_by.data = "resident"
    return form


def _take_limits(phone: str) -> tuple[list, str | None]:
    """Count this submission against its limits in one step each: (tickets to give back if it
    is refused later, None) or ([], the message) when a limit is reached (nothing counted)."""
    window = _limit("NEED_RATE_WINDOW")
    user = g.get("user")
    if user:
        checks = [("need_account", user["uid"], _limit("NEED_RATE_PER_ACCOUNT"), "您的账号")]
    else:
        address = request.remote_addr or "unknown"
        checks = [
            ("need_address", address, _limit("NEED_RATE_PER_ADDRESS"), "您所在的网络"),
            ("need_phone", phone, _limit("NEED_RATE_PER_PHONE"), "这个手机号"),
        ]
    tickets: list = []
    for kind, value, limit, who in checks:
        ticket = store.throttle_take(kind, value, limit, window)
        if ticket is None:
            _give_back(tickets)
            minutes = max(1, round(window / 60))
            return [], (
                f"提交过于频繁：{who}在 {minutes} 分钟内已提交 {limit} 次，请稍后再试；"
                "如有急事请直接联系社区。"
            )
        tickets.append((kind, value, ticket))
    return tickets, None


def _give_back(tickets: list) -> None:
    for kind, value, ticket in tickets:
        store.throttle_give_back(kind, value, ticket)


def _page(community: dict, form: PublicNeedForm, status: int):
    response = make_response(
        render_template(
            "needs_public/new.html",
            community=community,
            form=form,
            photo_limits=uploads.limits(),
            map_settings=location.map_settings(),
        ),
        status,
    )
    return location.allow_tiles(response)


@bp.route("/new/<cid>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired page comes back filled in
def new(cid: str):
    """A resident raises a need to the community; the reply goes to a private status link.
    Whatever is refused (a photo too large or of another kind, a field, an expired page, a
    limit), the form comes back as it was typed, the message beside the field at fault."""
    community = store.get_community(cid)
    form = uploads.photo_form(_form)
    set_building_choices(form, cid)
    if not uploads.accepted(form):
        return _page(community, form, uploads.status(form))
    if (form.website.data or "").strip():
        # A bot filled the hidden field: look successful, keep nothing.
        return render_template("needs_public/received.html", community=community)
    tickets, refusal = _take_limits(form.phone.data)
    if refusal:
        form.phone.errors.append(refusal)
        return _page(community, form, 429)
    try:
        need = create_need_from_form(cid, form)
    except store.StoreError as exc:
        _give_back(tickets)
        refusal_field(form, str(exc)).errors.append(str(exc))
        return _page(community, form, 200)
    flash("需求已提交。请收藏或截图保存本页链接，社区的处理进展会显示在这里。", "success")
    return uploads.done(url_for(".status", token=need["status_token"]))


def set_building_choices(form, cid: str) -> None:
    """The community's 楼门院 as the need form's choices (none: the field stays hidden)."""
    index = store.grid_structure(cid)
    form.building_id.choices = [("", "不选")] + [
        (b["id"], store.building_label(cid, b["id"])) for b in index["buildings"]
    ]


def create_need_from_form(cid: str, form, by: str | None = None) -> dict:
    """Store the form's photos, then the need with them (the public form and the admin's
    form alike). A refusal (store.StoreError) leaves no photo behind."""
    photos: list[str] = []
    try:
        photos = uploads.save_photos(
            form,
            lambda f, label: store.save_need_photo(cid, f, label=label),
            lambda name: store.delete_need_photo(cid, name),
        )
        return store.create_need(
            cid,
            category=form.category.data,
            description=form.description.data,
            raised_by=form.raised_by.data,
            building=form.building.data,
            building_id=form.building_id.data or None,
            urgency=form.urgency.data,
            phone=form.phone.data,
            name=form.name.data,
            photos=photos,
            by=by,
            **form.location(),
        )
    except store.StoreError:
        for name in photos:
            store.delete_need_photo(cid, name)
        raise


def refusal_field(form, message: str):
    """The field a store refusal is about (photos, the map point, the address …)."""
    if "照片" in message:
        return form.photos
    if "位置" in message:
        return form.lat
    if "地址" in message:
        return form.address
    return form.description


@bp.route("/status/<token>")
def status(token: str):
    """The private status page: this need's dated notes and its evaluation, nothing else;
    once the need is closed, the resident rates it here (within RESIDENT_RATING_DAYS)."""
    return _status_page(token, store.need_by_token(token), ResidentRatingForm(formdata=None))


def _rating_days() -> int:
    return int(current_app.config.get("RESIDENT_RATING_DAYS", 14))


def _can_rate(need: dict) -> bool:
    """A closed need without an evaluation, closed within the rating window."""
    if need["status"] != "已办结" or need.get("evaluation") or not need.get("closed_at"):
        return False
    since = store.now() - timedelta(days=_rating_days())
    return need["closed_at"] >= since.strftime("%Y-%m-%d %H:%M:%S")


def _status_page(token: str, need: dict, form: ResidentRatingForm, status: int = 200):
    page = render_template(
        "needs_public/status.html",
        need=need,
        token=token,
        community=store.get_community(need["community_id"]),
        raisers=store.NEED_RAISERS,
        urgencies=store.NEED_URGENCIES,
        rating_form=form if _can_rate(need) else None,
        rating_days=_rating_days(),
        hotline_order=store.hotline_order_of_need(need),
    )
    return page, status


@bp.route("/status/<token>/rate", methods=["POST"])
def rate(token: str):
    """The resident rates their closed need (1–5 and a comment), once, on the status link."""
    need = store.need_by_token(token)
    form = ResidentRatingForm()
    if not _can_rate(need):
        # Not closed yet, rated already, or the window has passed: the page says which.
        flash("这条需求现在不能评价。", "error")
        return redirect(url_for(".status", token=token))
    if not form.validate_on_submit():
        return _status_page(token, need, form, 400)
    try:
        store.rate_need_by_resident(
            token, form.satisfaction.data, form.comment.data or "", _rating_days()
        )
    except store.StoreError as exc:
        flash(str(exc), "error")
    else:
        flash("感谢您的评价，社区已收到。", "success")
    return redirect(url_for(".status", token=token))


@bp.route("/status/<token>/photo", defaults={"n": 0})
@bp.route("/status/<token>/photo/<int:n>")
def photo(token: str, n: int):
    """The need's photo number n (from 0), for whoever holds its status link."""
    need = store.need_by_token(token)
    return uploads.photo_response(store.need_photo(need, n))
