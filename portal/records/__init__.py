"""Service records: attendance, hours, no-show blocks, quarterly letters and exports
(``attendance_admin``); the member's hours, certificates, verification and calendar (``records``).
"""

from . import attendance, exports, views

blueprints = (views.bp, attendance.bp)
__all__ = ["attendance", "exports", "views", "blueprints"]
