"""Public pages: open posts with free places, communities, join QR — never a person's data."""

from portal import store


def test_public_post_list_shows_free_places_not_people(client, world):
    post, shift = world.post(capacity=3, title="公开岗位")
    store.sign_up("ca", shift["id"], world.member["uid"])
    html = client.get("/portal/posts").get_data(as_text=True)
    assert "公开岗位" in html and "余 2" in html
    detail = client.get(f"/portal/c/ca/posts/{post['id']}").get_data(as_text=True)
    assert "公开岗位" in detail
    for page in (html, detail):
        assert world.member["name"] not in page and world.member["phone"] not in page
        assert world.member["phone"][-4:] + "<" not in page


def test_post_list_filters(client, world):
    world.post(title="东四法律岗", category="legal")
    world.post(cid="cc", title="景山文体岗", category="culture")
    by_street = client.get("/portal/posts?street=jingshan").get_data(as_text=True)
    assert "景山文体岗" in by_street and "东四法律岗" not in by_street
    by_category = client.get("/portal/posts?category=legal").get_data(as_text=True)
    assert "东四法律岗" in by_category and "景山文体岗" not in by_category
    assert client.get("/portal/posts?page=abc").status_code == 200
    assert client.get("/portal/posts?page=999").status_code == 200


def test_closed_posts_are_not_listed(client, world):
    post, _shift = world.post(title="已关闭岗位")
    store.set_post_status("ca", post["id"], "closed")
    assert "已关闭岗位" not in client.get("/portal/posts").get_data(as_text=True)


def test_communities_and_community_page(client, world):
    html = client.get("/portal/communities").get_data(as_text=True)
    assert "测试甲社区" in html and "测试丙社区" in html
    page = client.get("/portal/c/ca").get_data(as_text=True)
    assert "测试甲社区" in page and "/portal/join/ca" in page and "/portal/c/ca/qr.svg" in page
    assert client.get("/portal/c/nope").status_code == 404


def test_join_qr_is_svg_encoding_the_join_link(client, world):
    response = client.get("/portal/c/ca/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    assert client.get("/portal/c/nope/qr.svg").status_code == 404


def test_portal_home(client, world):
    world.post()
    html = client.get("/portal/").get_data(as_text=True)
    assert "在职党员" in html and "/portal/register" in html


def test_error_pages_are_chinese(client, world):
    response = client.get("/portal/c/ca/posts/none")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    response = client.delete("/portal/posts")
    assert response.status_code == 405 and "操作方式不对" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
