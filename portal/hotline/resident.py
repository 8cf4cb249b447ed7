"""The resident's private link (``/portal/hotline/s/<token>``): the order's progress with
no staff names or numbers, and, once answered, the rating (满意 / 基本满意 / 不满意 with a
comment). 不满意 within the window reopens the order once (重办). Anyone holding the link
may use it; a wrong or replaced link is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from forms.hotline import RatingForm

from .. import store
from .scope import public_bp


def _order_or_404(token: str) -> dict:
    try:
        return store.hotline_order_by_token(token)
    except store.NotFound:
        abort(404)


@public_bp.route("/<token>")
def status(token: str):
    order = _order_or_404(token)
    view = store.hotline_public_view(order)
    form = RatingForm() if view["can_rate"] else None
    return render_template("hotline_public/status.html", view=view, form=form, token=token)


@public_bp.route("/<token>/rate", methods=["POST"])
def rate(token: str):
    order = _order_or_404(token)
    view = store.hotline_public_view(order)
    form = RatingForm()
    if not form.validate_on_submit():
        status = 400
        return render_template(
            "hotline_public/status.html", view=view, form=form, token=token
        ), status
    try:
        changed = store.rate_hotline_order(token, form.rating.data, form.comment.data)
    except store.NotFound:
        abort(404)
    except store.StoreError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".status", token=token))
    if changed["state"] == "办理中":
        flash("感谢您的评价。您不满意，工单已退回承办单位重新办理。", "success")
    else:
        flash("感谢您的评价！", "success")
    return redirect(url_for(".status", token=token))
