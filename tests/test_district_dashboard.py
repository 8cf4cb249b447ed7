"""Issue 20: the district dashboard shows streets first, opens a street's communities, and
sorts both tables by each figure through links (aria-sort marks the sorted column)."""

import re

from portal import store
from tests.test_stats import _known_data

URL = "/portal/admin/dashboard"


def _table(html: str) -> str:
    """The figures section (the street picker above it names every street too)."""
    return html.split('id="figures"', 1)[1].split("</table>", 1)[0]


def _order(html: str, *names: str) -> list[str]:
    table = _table(html)
    return sorted(names, key=table.index)


def test_district_sees_streets_first(world, client, auth):
    _known_data(world)
    auth.login(world.district["phone"])
    html = client.get(URL).get_data(as_text=True)
    table = _table(html)
    assert "各街道情况" in html
    for street in store.list_streets():
        assert street["name"] in table
        assert f'href="/portal/admin/dashboard?street={street["id"]}"' in table
    # no community rows at district level, only their count per street
    assert "测试甲社区" not in html and "测试丙社区" not in html
    assert "2 个社区" in table
    # 东四's row adds up its two communities: 1 member, 1 pending, 4/6 places, 5 h, 1/4 absent
    dongsi = table.split("东四街道", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'class="num"[^>]*>([^<]*)</td>', dongsi)
    assert cells == ["1", "1", "67%", "5", "25%"]
    assert "各街道已报到党员人数" in html and "<svg" in html


def test_district_opens_a_street(world, client, auth):
    _known_data(world)
    auth.login(world.district["phone"])
    html = client.get(f"{URL}?street=dongsi").get_data(as_text=True)
    table = _table(html)
    assert "东四街道 · 数据看板" in html and "各社区情况" in html
    assert "测试甲社区" in table and "测试乙社区" in table and "测试丙社区" not in html
    assert 'href="/portal/admin/c/ca/"' in table
    assert 'href="/portal/admin/dashboard">东城区数据看板</a>' in html
    jingshan = client.get(f"{URL}?street=jingshan").get_data(as_text=True)
    assert "测试丙社区" in _table(jingshan) and "测试甲社区" not in jingshan
    assert client.get(f"{URL}?street=nowhere").status_code == 404


def test_streets_sort_by_each_figure(world, client, auth):
    _known_data(world)
    auth.login(world.district["phone"])
    html = client.get(f"{URL}?sort=pending&dir=desc").get_data(as_text=True)
    table = _table(html)
    assert table.count("aria-sort=") == 1
    assert re.search(r'aria-sort="descending"><a href="[^"]*sort=pending&amp;dir=asc', table)
    assert _order(html, "东四街道", "景山街道") == ["东四街道", "景山街道"]
    # 景山 has no pending report-in: ascending puts it before 东四
    html = client.get(f"{URL}?sort=pending&dir=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in _table(html)
    # every street but 东四 has no sign-up marked: ascending by no-show, 景山 (0%) comes
    # first and the streets with no rate at all come last
    html = client.get(f"{URL}?sort=no_show&dir=asc").get_data(as_text=True)
    names = [s["name"] for s in store.list_streets()]
    order = _order(html, *names)
    assert order[:2] == ["景山街道", "东四街道"]
    for key in ("members", "pending", "fill", "hours", "no_show"):
        assert f"sort={key}&amp;dir=desc" in _table(client.get(URL).get_data(as_text=True))
    # an unknown figure keeps the stored order and marks nothing
    html = client.get(f"{URL}?sort=name&dir=asc").get_data(as_text=True)
    assert client.get(f"{URL}?sort=name").status_code == 200
    assert "aria-sort" not in _table(html)


def test_street_admin_sorts_its_communities(world, client, auth):
    _known_data(world)
    auth.login(world.street["phone"])
    html = client.get(URL).get_data(as_text=True)
    assert "各社区情况" in html and "测试丙社区" not in html
    asc = client.get(f"{URL}?sort=hours&dir=asc").get_data(as_text=True)
    assert _order(asc, "测试甲社区", "测试乙社区") == ["测试甲社区", "测试乙社区"]
    assert re.search(r'aria-sort="ascending"><a href="[^"]*sort=hours&amp;dir=desc', asc)
    desc = client.get(f"{URL}?sort=hours&dir=desc").get_data(as_text=True)
    assert _order(desc, "测试甲社区", "测试乙社区") == ["测试乙社区", "测试甲社区"]
    # its own street by URL is fine, with the sort kept in the links
    own = client.get(f"{URL}?street=dongsi&sort=members").get_data(as_text=True)
    assert "测试甲社区" in own and "street=dongsi&amp;sort=members&amp;dir=asc" in own


def test_street_admin_cannot_open_another_street(world, client, auth):
    _known_data(world)
    auth.login(world.street["phone"])
    assert client.get(f"{URL}?street=jingshan").status_code == 404
    assert client.get(f"{URL}?street=jingshan&sort=hours").status_code == 404
    assert client.get(f"{URL}?street=nowhere").status_code == 404
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert client.get(f"{URL}?street=dongsi").status_code == 403
