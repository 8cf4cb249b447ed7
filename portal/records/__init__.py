"""Service records: attendance, hours, no-show blocks, quarterly letters and exports
(``attendance_admin``); approving certificates (``certificates_admin``); the member's hours,
certificates, verification and calendar (``records``).
"""

from . import attendance, certificates_admin, exports, views

blueprints = (views.bp, attendance.bp, certificates_admin.bp)
__all__ = ["attendance", "certificates_admin", "exports", "views", "blueprints"]
