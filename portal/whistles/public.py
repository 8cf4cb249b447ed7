"""Public pages of the whistle list: how many cases of each item are open and closed.

Counts only, no descriptions, places or names: the KB's whistle table links each
row here, and each item page links back to its KB row and to the duty list.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .. import store


bp = Blueprint(
    "whistles_public", __name__, template_folder="templates", url_prefix="/portal/whistles/items"
)
KB_WHISTLES = "/lists/whistles/"
KB_DUTIES = "/lists/duties/"
KB_DEPARTMENTS = "/lists/departments/"


@bp.route("/")
def index():
    """Every item of the whistle list with its open and closed counts."""
    data = store.whistle_data()
    return render_template(
        "whistles_public/index.html",
        categories=data["categories"],
        counts=store.item_counts(),
        kb=KB_WHISTLES,
    )


@bp.route("/<item_id>")
def item(item_id: str):
    """One item: its level, departments, time targets and case counts."""
    data = store.whistle_data()
    item = data["item_by_id"].get(item_id)
    if item is None:
        abort(404)
    counts = store.item_counts(item_id).get(item_id, {"open": 0, "closed": 0})
    return render_template(
        "whistles_public/item.html",
        item=item,
        counts=counts,
        level=data["level_by_number"][item["level"]],
        depts=[data["department_by_id"][d] for d in item["department_ids"]],
        kb=KB_WHISTLES,
        duties=KB_DUTIES,
        kb_departments=KB_DEPARTMENTS,
    )
