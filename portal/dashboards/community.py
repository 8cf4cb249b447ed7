"""A community at a glance for its admins: pending report-ins, members, open posts.

Every view takes the community from the URL and goes through
``auth.admin_community_or_404``: an admin outside its scope gets a 404.
"""

from __future__ import annotations

from flask import render_template


from .. import admin as _admin
from .. import auth, store

bp = _admin.community_blueprint("community_dashboard", __name__)


@bp.route("/")
def dashboard(cid: str):
    """A community at a glance: pending report-ins, members, open posts."""
    community = auth.admin_community_or_404(cid)
    pending = store.list_report_ins(cid, "待确认")
    months = store.last_months(6)
    return render_template(
        "community_dashboard/dashboard.html",
        community=community,
        pending=pending,
        users=store.users_by_ids(r["uid"] for r in pending[:5]),
        members=len(store.community_member_ids(cid)),
        posts=store.list_posts(cid),
        coverage=store.grid_coverage(cid),
        grids=len(store.grid_structure(cid)["grids"]),
        routing=store.grid_routing_figures(community, store.now().strftime("%Y-%m")),
        # 小事不出网格 as a figure, month by month: closed in the grid, in the community,
        # or passed to the street as a whistle.
        routing_months=store.grid_routing_by_month([community], months)[cid],
        # 议事厅: matters through the five stages, turnout and the residents' ratings.
        council=store.council_figures(cid),
    )
