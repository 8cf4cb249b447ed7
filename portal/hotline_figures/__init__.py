"""接诉即办 figures, built on the counters of the work-order core (``portal/hotline/``):

* ``hotline_figures`` (``rates``): 三率 per community, street and department per month with
  their definitions, rankings, the .xlsx export and the printable monthly report;
* ``hotline_proactive`` (``proactive``): 未诉先办 — hot spots and 主动治理任务;
* ``hotline_topics`` (``topics``): 每月一题 across orders, needs and whistles;
* ``hotline_figures_public`` (``public``): counts and 三率 per street for everyone.

Who sees which unit is decided in ``scope``; the store is ``hotline_rates.py``,
``proactive.py``, ``monthly_topic.py`` and ``order_classes.py``.
"""

from __future__ import annotations

from . import proactive, public, rates, topics

blueprints = (rates.bp, proactive.bp, topics.bp, public.bp)
__all__ = ["proactive", "public", "rates", "topics", "blueprints"]
