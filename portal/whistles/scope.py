"""Helpers shared by the whistle views (``whistles``, ``whistle_requests_views``,
``whistle_figures`` and the departments' ``departments``): which streets the
current admin may see and the whistle it may open (404 otherwise), the audit
entry and notifications of a whistle, the saved photo of a form, the names the
whistle templates use and the choices of the whistle list.
"""

from __future__ import annotations

from flask import abort, current_app, g, url_for

from forms.whistles import RATING_LABELS

from .. import mail, store


def _street_scope() -> list[str]:
    if g.user["role"] == "street_admin":
        return [g.user["scope"]]
    if g.user["role"] == "district_admin":
        return [s["id"] for s in store.list_streets()]
    abort(403)


def _whistle_or_404(sid: str, wid: str) -> dict:
    """The whistle if the current admin may see it (own street, own community, district)."""
    user = g.user
    if user["role"] == "street_admin" and user["scope"] != sid:
        abort(404)
    try:
        whistle = store.get_whistle(sid, wid)
    except store.NotFound:
        abort(404)
    if user["role"] == "community_admin" and whistle.get("community_id") != user["scope"]:
        abort(404)
    return whistle


def _street_admin_of(whistle: dict) -> None:
    if g.user["role"] != "street_admin" or g.user["scope"] != whistle["street_id"]:
        abort(403)


def _audit(whistle: dict, action: str, before=None, after=None) -> None:
    store.record_audit(
        g.user,
        action,
        community_id=whistle.get("community_id"),
        street_id=whistle["street_id"],
        target=f"吹哨 {whistle['id']}",
        before=before,
        after=after,
    )


def _link(whistle: dict) -> str:
    return url_for("whistles.whistle", sid=whistle["street_id"], wid=whistle["id"])


def _liaisons(dept_ids) -> list[str]:
    return [u["uid"] for u in store.list_admins("dept_liaison", dept_ids) if not u.get("disabled")]


def _notify(uids, text: str, link: str | None) -> None:
    mail.notify_many([(uid, "whistle", text, link) for uid in dict.fromkeys(uids)])


def _item_label(item_id: str) -> str:
    item = store.get_item(item_id)
    return f"{item['id']} {item['name']}"


def save_photo(form, sid: str) -> list[str]:
    """The form's photo saved as a whistle photo (empty when none was sent)."""
    if not form.has_photo():
        return []
    limit = int(current_app.config.get("NEED_PHOTO_MAX_BYTES", store.PHOTO_MAX_BYTES))
    data = form.photo.data.stream.read(limit + 1)
    if len(data) > limit:
        raise store.StoreError(f"照片不能超过 {limit // (1024 * 1024)} MB，请压缩后重试。")
    return [store.save_whistle_photo(sid, data)]


def labels() -> dict:
    """Names the whistle templates use."""
    data = store.whistle_data()
    return {
        "items": data["item_by_id"],
        "depts": data["department_by_id"],
        "levels": data["level_by_number"],
        "step_names": store.WHISTLE_STEPS,
        "street_names": {s["id"]: s["name"] for s in store.list_streets()},
        "communities": store.community_index(),
        "rating_labels": RATING_LABELS,
        "category_names": {c["id"]: c["name"] for c in data["categories"]},
    }


def _item_choices() -> list[tuple[str, str]]:
    return [("", "请选择")] + [
        (i["id"], f"{i['category_name']} · {i['id']} {i['name']}（{i['level']} 级）")
        for i in store.whistle_data()["item_by_id"].values()
    ]


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
