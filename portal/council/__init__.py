"""议事厅 and 五民工作法 (issue 18): 民事民提、民事民议、民事民决、民事民办、民事民评.

Each community has its 社区议事厅, each grid a 网格议事厅 and each 楼门院 a 小院议事厅.
Residents record where they live (confirmed by the community or their 楼门院长), propose,
support, comment, vote and rate (``resident``: ``council_me``); anyone reads a hall's
matters through the five stages, masked (``public``: ``council``); the community admin
confirms residents, merges and declines, moderates, holds meetings, opens and closes
votes and turns a passed proposal into a project of the 项目清单 (``admin``:
``council_admin``); a 网格员 or 网格长 holds the meetings of their grid's halls (``grid``:
``council_grid``; ``meetings`` is what both staff sides share).
"""

from . import admin, grid, meetings, public, resident

blueprints = (public.bp, resident.bp, grid.bp, admin.bp)
__all__ = ["admin", "grid", "meetings", "public", "resident", "blueprints"]
