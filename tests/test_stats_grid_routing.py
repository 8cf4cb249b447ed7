"""大事不出社区、小事不出网格 as figures: per community and per month, the needs closed in
the grid, in the community, or passed to the street (a whistle raised from them), in the
store (both backends) and on the community's and the street's dashboards."""

from __future__ import annotations

from datetime import datetime

from portal import store

MAY, JUNE = datetime(2026, 5, 12, 10, 0, 0), datetime(2026, 6, 3, 10, 0, 0)


def _need(cid, building=None, text="楼道灯不亮", at=MAY):
    extra = {"building_id": building["id"]} if building else {}
    return store.create_need(
        cid, category="legal", description=text, raised_by="resident", at=at, **extra
    )


def _world_of_needs(world):
    """ca: May — one closed in the grid, one passed up and closed by the community, one
    whistled; June — one closed in the grid. cb: May — one closed by the community."""
    grid = store.add_grid("ca", 1, "第一网格")
    building = store.add_building("ca", grid["id"], "楼", "5号楼", 40)
    admin = world.admin_a["uid"]
    in_grid = _need("ca", building)
    store.close_need_in_grid("ca", in_grid["id"], "w", "换了灯泡", at=MAY)
    passed = _need("ca", building, "电梯异响")
    store.pass_need_up("ca", passed["id"], "w", "需要物业", at=MAY)
    store.start_need("ca", passed["id"], admin, at=MAY)
    store.close_need("ca", passed["id"], admin, at=MAY)
    whistled = _need("ca", None, "占道经营")
    store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="占道经营",
        place="东四六条",
        need_refs=[("ca", whistled["id"])],
        at=MAY,
    )
    june = _need("ca", building, "六月的事", at=JUNE)
    store.close_need_in_grid("ca", june["id"], "w", "已处理", at=JUNE)
    of_b = _need("cb", None, "乙社区的事")
    store.start_need("cb", of_b["id"], world.admin_b["uid"], at=MAY)
    store.close_need("cb", of_b["id"], world.admin_b["uid"], at=MAY)


def test_routing_by_month_per_community(world):
    _world_of_needs(world)
    months = ["2026-05", "2026-06"]
    communities = [store.get_community("ca"), store.get_community("cb")]
    figures = store.grid_routing_by_month(communities, months)
    pick = lambda f: (f["grid"], f["community"], f["street"])  # noqa: E731
    assert pick(figures["ca"]["2026-05"]) == (1, 1, 1)
    assert figures["ca"]["2026-05"]["grid_share"] == 33
    assert pick(figures["ca"]["2026-06"]) == (1, 0, 0)
    assert pick(figures["cb"]["2026-05"]) == (0, 1, 0)
    assert figures["cb"]["2026-06"]["grid_share"] is None
    # The one-month figure of the grid page is the same count.
    assert store.grid_routing_figures(communities[0], "2026-05") == figures["ca"]["2026-05"]
    total = store.add_up_grid_routing([figures["ca"]["2026-05"], figures["cb"]["2026-05"]])
    assert pick(total) == (1, 2, 1) and total["closed"] == 4


def test_community_and_street_dashboards_show_the_months(world, client, auth, monkeypatch):
    _world_of_needs(world)
    monkeypatch.setattr(store, "last_months", lambda n=6, at=None: ["2026-05", "2026-06"])
    auth.login(world.admin_a["phone"])
    page = client.get("/portal/admin/c/ca/").get_data(as_text=True)
    table = page[page.index('id="routing-months"') :]
    table = table[: table.index("</table>")]
    cells = '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
    assert "2026 年 5 月</th>" + cells.format(1, 1, 1) + '<td class="num">33%' in table
    assert "2026 年 6 月</th>" + cells.format(1, 0, 0) in table
    auth.logout()
    auth.login(world.street["phone"])
    page = client.get("/portal/admin/dashboard").get_data(as_text=True)
    section = page[page.index('id="routing"') :]
    section = section[: section.index("</section>")]
    assert '测试甲社区</th><td class="num" title="网格内 / 社区 / 转街道">1 / 1 / 1</td>' in section
    assert '测试乙社区</th><td class="num" title="网格内 / 社区 / 转街道">0 / 1 / 0</td>' in section
    assert '合计</th><td class="num">1 / 2 / 1' in section
    # Another street's community is not on the street's dashboard.
    assert "测试丙社区" not in section
    auth.logout()
    auth.login(world.district["phone"])
    page = client.get("/portal/admin/dashboard").get_data(as_text=True)
    section = page[page.index('id="routing"') :]
    assert '东四街道</th><td class="num" title="网格内 / 社区 / 转街道">1 / 2 / 1</td>' in section
