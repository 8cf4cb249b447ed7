"""The public page of 接诉即办 (``hotline_figures_public``): per street, the month's orders
dispatched, answered, closed and rated and the three rates with their definitions, and
the district's totals. Counts only — no caller, number, address or text of any order."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import store
from .scope import chosen_month, pct

bp = Blueprint(
    "hotline_figures_public",
    __name__,
    template_folder="templates",
    url_prefix="/portal/hotline-figures/public",
)


@bp.route("/")
def index():
    month = chosen_month()
    return render_template(
        "hotline_figures/public.html",
        data=store.hotline_public_figures(month),
        month=month,
        definitions=store.HOTLINE_RATE_DEFINITIONS,
        rank_rule=store.HOTLINE_RANK_RULE,
        pct=pct,
    )
