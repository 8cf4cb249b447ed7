"""未诉先办 for staff (``hotline_proactive``): the hot spots of the last days of the area
(the same category at one grid or address reaching the threshold of hotline.yml) and
the 主动治理任务 opened on them, with the orders of that class before and after each
task. Street and community admins open tasks and record results in their own area; the
district admin sees every street's."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from forms.hotline_figures import OpenTaskForm, ResultForm

from .. import auth, store
from ..admin import flash_form_errors
from .scope import STAFF_ROLES, actor, area_of, category_label, chosen_unit, unit_label

bp = Blueprint(
    "hotline_proactive",
    __name__,
    template_folder="templates",
    url_prefix="/portal/hotline-figures/proactive",
)


def _area() -> tuple[str, str | None, str | None]:
    """The unit asked for (the user's own or one under it) and its (street, community);
    a department has no area here."""
    unit = chosen_unit()
    if not (unit == "district" or unit.startswith(("street:", "community:"))):
        abort(404)
    street_id, community_id = area_of(unit)
    return unit, street_id, community_id


@bp.route("/")
@auth.roles_required(*STAFF_ROLES)
def index():
    unit, street_id, community_id = _area()
    at = store.now()
    tasks = store.list_proactive_tasks(street_id, community_id)
    return render_template(
        "hotline_figures/proactive.html",
        unit=unit,
        spots=store.hotline_hotspots(street_id, community_id, at),
        tasks=[dict(t, effect=store.proactive_task_effect(t, at)) for t in tasks],
        rule=store.hotspot_threshold(),
        may_act=g.user["role"] != "district_admin",
        form=OpenTaskForm(),
        result_form=ResultForm(),
        unit_label=unit_label,
        category_label=category_label,
    )


@bp.route("/open", methods=["POST"])
@auth.roles_required("street_admin", "community_admin")
def open_task():
    """Open a task on a hot spot of the user's area."""
    unit, street_id, community_id = _area()
    form = OpenTaskForm()
    if not form.validate_on_submit() or street_id is None:
        flash_form_errors(form)
    else:
        try:
            store.open_proactive_task(
                street_id,
                community_id,
                form.category.data,
                form.kind.data,
                form.place.data,
                form.action.data,
                actor(),
            )
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("已开启主动治理任务，关联的工单已记录。", "success")
    return redirect(url_for(".index", unit=unit))


@bp.route("/t/<sid>/<tid>/result", methods=["POST"])
@auth.roles_required("street_admin", "community_admin")
def result(sid: str, tid: str):
    """Record a task's result (its street's admin, or its community's)."""
    unit, street_id, community_id = _area()
    if street_id != sid:
        abort(404)
    form = ResultForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            store.record_proactive_result(sid, tid, form.result.data, actor(), community_id)
        except store.NotFound:
            abort(404)
        except store.StoreError as exc:
            flash(str(exc), "error")
        else:
            flash("已记录治理结果。", "success")
    return redirect(url_for(".index", unit=unit))
