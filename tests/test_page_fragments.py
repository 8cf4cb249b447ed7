"""Parts of pages drawn once and kept (post cards, the community admin's sub-navigation,
link patterns): each must show exactly what drawing it afresh would show, and change as
soon as what it shows changes."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from portal import store
from portal.templating import fast_url
from tests.conftest import AuthActions


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("public.post_detail", {"cid": "ca", "pid": "p-1"}),
        ("member.cancel", {"cid": "ca", "sid": "s_2.x"}),
        ("attendance_admin.export_roster", {"cid": "ca", "sid": "s1", "fmt": "csv"}),
        ("public.posts", {"street": "dongsi", "page": "2"}),
        ("public.posts", {"street": "东四 街道"}),  # needs quoting: url_for itself
        ("public.posts", {"page": 3}),  # not a string: url_for itself
        ("public.posts", {}),
        ("public.post_detail", {"cid": "a/b", "pid": "p"}),
        ("public.posts", {"_anchor": "top"}),
    ],
)
def test_fast_url_is_url_for(app, endpoint, values):
    for root in ("", "/sub"):
        with app.test_request_context("/portal/posts", environ_base={"SCRIPT_NAME": root}):
            assert fast_url(endpoint, **values) == url_for(endpoint, **values)
            assert fast_url(endpoint, **values) == url_for(endpoint, **values)  # from the cache


def test_fast_url_does_not_substitute_twice(app):
    with app.test_request_context("/"):
        tricky = {"cid": "~~pid~~", "pid": "p1"}
        assert fast_url("public.post_detail", **tricky) == url_for("public.post_detail", **tricky)


def test_post_card_follows_sign_ups_and_edits(client, world):
    post, shift = world.post(capacity=2, title="卡片岗位")
    assert "余 2 个名额" in client.get("/portal/posts").get_data(as_text=True)
    assert "余 2 个名额" in client.get("/portal/c/ca").get_data(as_text=True)
    store.sign_up("ca", shift["id"], world.member["uid"])
    assert "余 1 个名额" in client.get("/portal/posts").get_data(as_text=True)
    assert "余 1 个名额" in client.get("/portal/c/ca").get_data(as_text=True)
    store.sign_up("ca", shift["id"], world.volunteer["uid"])
    html = client.get("/portal/posts").get_data(as_text=True)
    assert "已满，可候补" in html and "余 1 个名额" not in html
    store.set_post_status("ca", post["id"], "closed")
    assert "卡片岗位" not in client.get("/portal/posts").get_data(as_text=True)


def test_post_cards_under_a_script_root(app, world):
    world.post(title="子路径岗位")
    client = app.test_client()
    html = client.get("/portal/posts").get_data(as_text=True)
    sub = client.get("/portal/posts", base_url="http://localhost/kb").get_data(as_text=True)
    links = re.findall(r'href="([^"]*/posts/[^"]+)"', sub)
    assert links and all(link.startswith("/kb/portal/c/") for link in links)
    assert 'href="/portal/c/ca/posts/' in html


def test_community_nav_marks_the_page_and_counts_pending(app, world):
    client = app.test_client()
    AuthActions(client).login(world.admin_a["phone"])
    roster_of = world.post()[1]
    pages = {
        "/portal/admin/c/ca/": "概览",
        "/portal/admin/c/ca/posts": "岗位",
        f"/portal/admin/c/ca/shifts/{roster_of['id']}/roster": "岗位",
        "/portal/admin/c/ca/grids/": "网格",
    }
    for url, active in pages.items():
        html = client.get(url).get_data(as_text=True)
        nav = html[html.index('<nav aria-label="社区管理">') :].split("</nav>", 1)[0]
        marked = re.findall(r'class="active" aria-current="page">([^<]+)<', nav)
        assert marked == [active], url
    store.submit_report_in(world.member["uid"], "ca")
    dashboard = client.get("/portal/admin/c/ca/").get_data(as_text=True)
    assert re.search(r'报到审核<span class="count">1</span>', dashboard)
    other = app.test_client()
    AuthActions(other).login(world.street["phone"])
    html = other.get("/portal/admin/c/cb/").get_data(as_text=True)
    assert "/portal/admin/c/cb/posts" in html and "/portal/admin/c/ca/posts" not in html


@pytest.mark.parametrize(
    "query",
    ["", "?street=dongsi", "?page=3&street=dongsi", "?street=x__page__y", "?a=%E4%B8%9C+1"],
)
def test_page_links_are_url_for(app, query):
    from portal.templating import page_url_maker

    with app.test_request_context(f"/portal/posts{query}"):
        from flask import request

        link = page_url_maker()
        for n in (1, 2, 17):
            expected = url_for("public.posts", **dict(request.args.to_dict(), page=n))
            assert link(n) == expected


def test_header_links_follow_role_and_page(app, world):
    def header(client, url):
        html = client.get(url).get_data(as_text=True)
        return html[html.index('<nav class="nav-desktop"') :].split("</nav>", 1)[0]

    anonymous = app.test_client()
    nav = header(anonymous, "/portal/posts")
    assert "登录" in nav and "为我推荐" not in nav and "管理" not in nav
    assert re.search(r'href="/portal/posts" class="active">服务岗位', nav)
    member = app.test_client()
    AuthActions(member).login(world.member["phone"])
    nav = header(member, "/portal/me")
    assert "为我推荐" in nav and "管理" not in nav and world.member["name"] in nav
    assert re.search(r'class="active">我的<', nav)
    assert not re.search(r'class="active">服务岗位', nav)  # the same role, another page
    admin = app.test_client()
    AuthActions(admin).login(world.admin_a["phone"])
    nav = header(admin, "/portal/admin/c/ca/")
    assert "管理" in nav and "重置码" in nav and "为我推荐" not in nav and "接诉即办" in nav
    street = app.test_client()
    AuthActions(street).login(world.street["phone"])
    nav = header(street, "/portal/posts")
    assert "账号管理" in nav and "吹哨报到" in nav and "重置码" not in nav


def test_link_maker_is_url_for(app):
    from portal.templating import link_maker

    with app.test_request_context("/portal/posts"):
        link = link_maker("member.sign_up", "cid", "sid")
        for cid, sid in (("ca", "s-1"), ("c b", "s/2"), ("~~sid~~", "x")):
            assert link(cid, sid) == url_for("member.sign_up", cid=cid, sid=sid)
        relative = link_maker("public.post_detail", "pid", "cid")  # names in another order
        assert relative("p1", "ca") == url_for("public.post_detail", cid="ca", pid="p1")
