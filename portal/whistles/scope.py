"""Helpers shared by the whistle views (``whistles``, ``whistle_requests_views``,
``whistle_figures`` and the departments' ``departments``): which streets the
current admin may see and the whistle it may open (404 otherwise), the audit
entry and notifications of a whistle, the saved photo of a form and the photo of a
whistle as a response, the names the whistle templates use and the choices of the
whistle list.
"""

from __future__ import annotations

from flask import abort, g, url_for

from forms.whistles import RATING_LABELS

from .. import mail, store, uploads


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


# Shown next to a department nobody can receive a whistle for.
NO_LIAISON = "（尚无联络人账号，无法在平台接收）"


def reachable_departments() -> set[str]:
    """Ids of the departments with at least one active liaison account: only these
    receive a whistle (and its notifications) in the portal."""
    return {u["scope"] for u in store.list_admins("dept_liaison") if not u.get("disabled")}


def department_choices(mark_unreachable: bool = False) -> list[tuple[str, str]]:
    """(id, name) of every department, 示例 marked; with ``mark_unreachable`` the
    departments without an active liaison say that they cannot receive it."""
    reachable = reachable_departments() if mark_unreachable else None
    return [
        (
            d["id"],
            d["name"]
            + ("（示例）" if d["example"] else "")
            + (NO_LIAISON if reachable is not None and d["id"] not in reachable else ""),
        )
        for d in store.departments()
    ]


def _notify(uids, text: str, link: str | None) -> None:
    mail.notify_many([(uid, "whistle", text, link) for uid in dict.fromkeys(uids)])


def _item_label(item_id: str) -> str:
    item = store.get_item(item_id)
    return f"{item['id']} {item['name']}"


def save_photo(form, sid: str) -> list[str]:
    """The form's photos (up to three, or a department note's one) saved as whistle photos,
    read from their temp files (empty when none was sent); a refusal leaves none behind."""
    return uploads.save_photos(
        form,
        lambda f, label: store.save_whistle_photo(sid, f, label=label),
        lambda name: store.delete_whistle_photo(sid, name),
    )


def send_photo(whistle: dict, name: str):
    """One of the whistle's photos as a response, 404 if it has no such photo. The caller
    has checked that the current user may see the whistle."""
    try:
        data = store.whistle_photo(whistle, name)
    except store.NotFound:
        abort(404)
    return uploads.photo_response(data)


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
