"""The handler's list of open orders (most urgent first, with the time left and the
overdue flags) and an order's page: its fields (the caller's number masked), the
timeline, and the forms of the steps the viewer's unit may take in the order's state."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import g, render_template, request

from forms.hotline import (
    AnswerForm,
    CloseForm,
    DecideExtensionForm,
    DispatchForm,
    ExtensionForm,
    NoteForm,
    RatingForm,
    ReturnForm,
    WhistleForm,
)

from .. import store
from .scope import bp, chosen_unit, order_or_404, unit_name, user_units

PER_PAGE = 50


@bp.app_template_filter("time_left")
def time_left(seconds: int | None) -> str:
    """剩 3 小时 / 超时 2 天 … for a list's urgency."""
    if seconds is None:
        return "—"
    span = abs(seconds)
    if span >= 86400:
        text = f"{span // 86400} 天{(span % 86400) // 3600} 小时"
    elif span >= 3600:
        text = f"{span // 3600} 小时{(span % 3600) // 60} 分"
    else:
        text = f"{max(span // 60, 1)} 分钟"
    return ("超时 " if seconds < 0 else "剩 ") + text


@bp.app_template_global("hotline_unit_name")
def _unit_name(unit: str | None) -> str:
    return unit_name(unit)


@bp.app_template_global("hotline_category_name")
def category_name(cat_id: str) -> str:
    try:
        return store.hotline_category(cat_id)["name"]
    except store.StoreError:
        return cat_id


def _channel_names() -> dict:
    return {c["id"]: c["name"] for c in store.hotline_config()["channels"]}


@bp.route("/")
def index():
    unit = chosen_unit(request.args.get("unit"))
    state = request.args.get("state", "")
    state = state if state in store.HOTLINE_STATES else ""
    category = request.args.get("category", "")
    categories = [(c["id"], c["name"]) for c in store.hotline_config()["categories"]]
    category = category if category in dict(categories) else ""
    found = store.page_hotline_open(
        unit,
        store.now(),
        state=state,
        category=category,
        mine=request.args.get("mine") == "1",
        overdue=request.args.get("overdue") == "1",
        number=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
    )
    return render_template(
        "hotline/index.html",
        unit=unit,
        units=user_units(g.user),
        rows=found["rows"],
        total=found["total"],
        overdue=found["overdue"],
        page=found["page"],
        pages=found["pages"],
        state=state,
        states=store.HOTLINE_STATES,
        state_counts=found["states"],
        category=category,
        categories=categories,
        category_counts=found["categories"],
        channels=_channel_names(),
        can_intake=unit == "district" or unit.startswith("street:"),
        waiting=found["waiting"],
    )


def order_forms(order: dict, unit: str) -> dict:
    """The step forms the unit may use on the order now (None where it may not)."""
    holder = order["holder"] == unit
    state = order["state"]
    forms: dict = dict.fromkeys(
        (
            "dispatch",
            "sign",
            "contact",
            "answer",
            "ret",
            "extension",
            "decide",
            "whistle",
            "followup",
            "close",
            "link",
        )
    )
    targets = store.hotline_dispatch_targets(order, unit)
    if targets:
        forms["dispatch"] = DispatchForm(prefix="d")
        choices = [("", "请选择")] + targets
        forms["dispatch"].target.choices = choices
        suggested = store.hotline_suggested_target(order, dict(targets))
        if suggested and not forms["dispatch"].target.data:
            forms["dispatch"].target.data = suggested
    if holder and state == "已派单":
        forms["sign"] = True
    if holder and state in ("已签收", "办理中"):
        forms["contact"] = NoteForm(prefix="c")
        forms["extension"] = ExtensionForm(prefix="e") if not order.get("extension") else None
    if holder and state == "办理中":
        forms["answer"] = AnswerForm(prefix="a")
    if holder and state in ("已派单", "已签收") and order.get("dispatcher"):
        forms["ret"] = ReturnForm(prefix="r")
        forms["ret"].duty.choices = [("", "请选择")] + store.hotline_duty_choices()
    pending = order.get("extension")
    if pending and pending["decider"] == unit:
        forms["decide"] = DecideExtensionForm(prefix="x")
    street = order["route"].get("street")
    if (
        unit == f"street:{street}"
        and state in ("已派单", "已签收", "办理中")
        and not order.get("whistle")
    ):
        forms["whistle"] = WhistleForm(prefix="w")
        items = store.hotline_whistle_items(order)
        forms["whistle"].item.choices = [(i["id"], f"{i['id']} {i['name']}") for i in items]
    receiver = unit in ("district", order["origin"])
    if receiver and state == "已答复":
        forms["followup"] = RatingForm(prefix="f")
    if receiver and state in ("已答复", "已回访"):
        forms["close"] = CloseForm(prefix="z")
    if receiver and state != "已结案":
        forms["link"] = True
    return forms


def render_order(oid: str, phone: str | None = None, link: str | None = None):
    """The order's page; ``phone`` is the full number just revealed, ``link`` the
    resident's private link just made (both shown in this response only, never kept in
    the session)."""
    order, unit = order_or_404(oid)
    at = store.now()
    shown = order_forms(order, unit)
    rating_open = order.get("answered_at") and at <= datetime.fromisoformat(
        order["answered_at"]
    ) + timedelta(days=store.hotline_config()["reopen_days"])
    return render_template(
        "hotline/order.html",
        order=order,
        unit=unit,
        urgency=store.hotline_urgency(order, at),
        masked=store.mask_hotline_phone(order["phone"]),
        phone=phone,
        link=link,
        may_reveal=store.may_reveal_hotline_phone(order, unit),
        forms=shown,
        channels=_channel_names(),
        ratings=store.HOTLINE_RATINGS,
        rating_open=rating_open,
        link_at=store.hotline_link_issued_at(order),
        reopen_days=store.hotline_config()["reopen_days"],
    )


@bp.route("/o/<oid>")
def order(oid: str):
    return render_order(oid)
