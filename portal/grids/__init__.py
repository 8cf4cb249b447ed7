"""网格 and 楼门院: a community's grids and buildings (structure, import, the party tree with
its counts, placing members), the appointed roles of the community (网格员, 网格长,
楼门院长), the grid worker's own page of the grid's needs (小事不出网格), and the
楼门院长's page of their buildings (needs for neighbours, notices to the building)."""

from . import admin, building, importing, work  # noqa: F401 - importing fills the blueprints

blueprints = (admin.bp, work.bp, building.bp)
