"""社区专员 (issue 16): a street official guiding 1–3 of the street's communities.

The street admin appoints, changes and revokes them (``admin``: ``liaison_admin``). A
社区专员 has one home over their communities — pending report-ins, overdue needs and
whistles, grid coverage — with read-only detail pages (``views``: ``liaison``), and
decides those communities' requests to whistle as the street's liaison, exactly as the
street admin can (``requests``, on the same blueprint); any other request is a 404.
"""

from . import admin, requests, views

blueprints = (views.bp, admin.bp)
__all__ = ["admin", "requests", "views", "blueprints"]
