"""驻区单位 (issue 16): units of the district's 区域化党建 and what they do for communities.

Street admins (for their street) and the district admin register units, appoint and
revoke each unit's contact (``admin``: ``units_admin``). The contact, a registered member
or volunteer, opens the unit's page (``views``: ``unit``): pledge a resource to a list,
join a community's project, take on a community's need, and see the confirmed service
hours of the in-service members who chose the unit on their profile, with a quarterly
letter to print. Another unit's page, or a community outside the unit's, is a 404.
"""

from . import admin, views

blueprints = (views.bp, admin.bp)
__all__ = ["admin", "views", "blueprints"]
