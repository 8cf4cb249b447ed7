"""接诉即办: hotline work orders through district, street, community and grid.

Staff (``hotline``, ``/portal/hotline/``): each handler unit's list of open orders by
urgency, an order's page with its timeline and the steps the viewer's unit may take
(``views``, ``actions``), the district's batch import and the district's and streets'
manual entry, and orders made from a need or a patrol finding (``intake``). Residents
(``hotline_public``, ``/portal/hotline/s/<token>``): progress and the rating through the
private link (``resident``). Which unit a user acts for comes from their role, scope and
appointments (``scope``), never from a form. The store is ``portal/store/hotline/``.
"""

from __future__ import annotations

from . import actions, intake, resident, views  # noqa: F401 - they add the routes
from .scope import bp, public_bp

blueprints = (bp, public_bp)
