"""The handler's list of open orders (most urgent first, with the time left and the
overdue flags) and an order's page: its fields (the caller's number masked), the
timeline, and the forms of the steps the viewer's unit may take in the order's state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import g, get_template_attribute, render_template, request
from markupsafe import Markup, escape

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
from ..templating import fast_url, link_maker
from .scope import bp, chosen_unit, order_or_404, unit_name, user_units

# Twenty of the most urgent orders a page: on a phone fifty rows were a long scroll
# past orders that are not next, and each row costs the page time.
PER_PAGE = 20


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


_ROWS: dict[tuple, tuple[dict, str]] = {}
_ROWS_LOCK = threading.Lock()
_CACHED_ROWS = 20000
_URGENCY, _HOLDER = "\x00urgency\x00", "\x00holder\x00"


def _list_rows(found: dict, unit: str, categories: dict[str, str], channels: dict) -> Markup:
    """The page's rows as HTML. What a row shows of its entry is drawn once per entry
    and unit (``queue.page`` hands out the same entry objects until their bucket
    changes; the cache keeps them alive, so no other takes their id), with two marks
    filled in on every visit: the time left (it moves with the clock) and the name of
    the unit holding it (places may be renamed). Fifty rows through the template cost
    more than the rest of the page."""
    link = link_maker("hotline.order", "oid")
    draw = get_template_attribute("hotline/_list_row.html", "row")
    names: dict[str, str] = {}
    out = []
    for entry, row in zip(found["entries"], found["rows"], strict=True):
        key = (id(entry), unit, request.script_root)
        hit = _ROWS.get(key)
        if hit is None:
            html = str(
                draw(
                    row,
                    link(row["id"]),
                    categories.get(row["category"], row["category"]),
                    channels.get(row["channel"], row["channel"]),
                    Markup(_URGENCY),
                    Markup(_HOLDER),
                )
            )
            hit = (entry, html)
            with _ROWS_LOCK:
                _ROWS[key] = hit
                while len(_ROWS) > _CACHED_ROWS:
                    _ROWS.pop(next(iter(_ROWS)))
        html = hit[1].replace(_URGENCY, _urgency_html(row["urgency"]))
        if not row["mine"]:
            holder = row["holder"]
            if holder not in names:
                names[holder] = str(escape(unit_name(holder)))
            html = html.replace(_HOLDER, names[holder])
        out.append(html)
    return Markup("\n".join(out))


def _urgency_html(urgency: dict) -> str:
    """The next limit with the time left, and every other limit already passed."""
    parts = []
    if urgency["what"]:
        cls = "badge badge-red" if urgency["overdue"] else ""
        left = time_left(urgency["left"])
        parts.append(f'<span class="{cls}">{escape(urgency["what"])}：{left}</span>')
    for what in urgency["late"]:
        if what != urgency["what"]:
            parts.append(f'<span class="badge badge-red">{escape(what)}已超时</span>')
    return "".join(parts)


@bp.route("/")
def index():
    unit = chosen_unit(request.args.get("unit"))
    state = request.args.get("state", "")
    state = state if state in store.HOTLINE_STATES else ""
    category = request.args.get("category", "")
    categories = [(c["id"], c["name"]) for c in store.hotline_config()["categories"]]
    category_names = dict(categories)
    category = category if category in category_names else ""
    channels = _channel_names()
    only_mine, only_overdue = request.args.get("mine") == "1", request.args.get("overdue") == "1"
    found = store.page_hotline_open(
        unit,
        store.now(),
        state=state,
        category=category,
        mine=only_mine,
        overdue=only_overdue,
        number=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
    )
    counts = found["categories"]
    return render_template(
        "hotline/index.html",
        unit=unit,
        unit_label=unit_name(unit),
        units=user_units(g.user),
        rows=found["rows"],
        rows_html=_list_rows(found, unit, category_names, channels),
        total=found["total"],
        overdue=found["overdue"],
        page=found["page"],
        pages=found["pages"],
        state=state,
        state_options=[
            (s, found["states"].get(s, 0)) for s in store.HOTLINE_STATES if s != "已结案"
        ],
        category=category,
        category_options=[
            (cid, name, counts.get(cid, 0))
            for cid, name in categories
            if counts.get(cid) or cid == category
        ],
        only_mine=only_mine,
        only_overdue=only_overdue,
        can_intake=unit == "district" or unit.startswith("street:"),
        waiting=found["waiting"],
    )


_FIELDS: dict[tuple, Markup] = {}
_CACHED_FIELDS = 1024


def step_fields(name: str, make: Callable[[], object], *choices) -> Markup:
    """The fields of step form ``name`` as HTML, drawn once per form and ``choices`` (the
    choices and preselection it was made with): on the order page a form never carries
    data or errors, so drawing its fields again for every visit only cost time (five
    fields were a third of the page)."""
    key = (name, request.script_root, *choices)
    hit = _FIELDS.get(key)
    if hit is None:
        hit = Markup(get_template_attribute("hotline/_step_fields.html", name)(make()))
        if len(_FIELDS) >= _CACHED_FIELDS:
            _FIELDS.clear()
        _FIELDS[key] = hit
    return hit


def _dispatch_form(choices: list, suggested: str | None) -> DispatchForm:
    form = DispatchForm(prefix="d")
    form.target.choices = choices
    if suggested and not form.target.data:
        form.target.data = suggested
    return form


def _choices_form(cls, prefix: str, field: str, choices: list):
    form = cls(prefix=prefix)
    getattr(form, field).choices = choices
    return form


def order_forms(order: dict, unit: str) -> dict:
    """The step forms the unit may use on the order now, as the HTML of their fields
    (None where it may not; True for a form without fields)."""
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
        choices = [("", "请选择"), *targets]
        suggested = store.hotline_suggested_target(order, dict(targets))
        forms["dispatch"] = step_fields(
            "dispatch", lambda: _dispatch_form(choices, suggested), tuple(choices), suggested
        )
    if holder and state == "已派单":
        forms["sign"] = True
    if holder and state in ("已签收", "办理中"):
        forms["contact"] = step_fields("contact", lambda: NoteForm(prefix="c"))
        if not order.get("extension"):
            forms["extension"] = step_fields("extension", lambda: ExtensionForm(prefix="e"))
    if holder and state == "办理中":
        forms["answer"] = step_fields("answer", lambda: AnswerForm(prefix="a"))
    if holder and state in ("已派单", "已签收") and order.get("dispatcher"):
        duties = [("", "请选择"), *store.hotline_duty_choices()]
        forms["ret"] = step_fields(
            "ret", lambda: _choices_form(ReturnForm, "r", "duty", duties), tuple(duties)
        )
    pending = order.get("extension")
    if pending and pending["decider"] == unit:
        forms["decide"] = step_fields("decide", lambda: DecideExtensionForm(prefix="x"))
    street = order["route"].get("street")
    if (
        unit == f"street:{street}"
        and state in ("已派单", "已签收", "办理中")
        and not order.get("whistle")
    ):
        items = [(i["id"], f"{i['id']} {i['name']}") for i in store.hotline_whistle_items(order)]
        forms["whistle"] = step_fields(
            "whistle", lambda: _choices_form(WhistleForm, "w", "item", items), tuple(items)
        )
    receiver = unit in ("district", order["origin"])
    if receiver and state == "已答复":
        forms["followup"] = step_fields("followup", lambda: RatingForm(prefix="f"))
    if receiver and state in ("已答复", "已回访"):
        forms["close"] = step_fields("close", lambda: CloseForm(prefix="z"))
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
    units = {unit, order["origin"], order["holder"]}
    for step in order["timeline"]:
        units.update(u for u in (step.get("unit"), step.get("to")) if u)
    return render_template(
        "hotline/order.html",
        order=order,
        order_url=fast_url("hotline.order", oid=oid),
        names={u: unit_name(u) for u in units},  # the timeline names a unit many times
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
