"""Dashboards: a community at a glance (``community_dashboard``), the street's and district's
admin home and new communities (``area_admin``), figures and the audit log (``dashboards``).
"""

from . import area, community, views

blueprints = (community.bp, area.bp, views.bp)
