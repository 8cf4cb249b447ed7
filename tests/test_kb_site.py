"""Serving the built KB at / beside the portal: index pages, redirects, 404, no escapes."""


def test_home_and_section_pages(kb_client):
    home = kb_client.get("/")
    assert home.status_code == 200 and "社区报到与服务平台" in home.get_data(as_text=True)
    policy = kb_client.get("/policy/")
    assert policy.status_code == 200 and "<html" in policy.get_data(as_text=True)


def test_folder_without_slash_redirects(kb_client):
    response = kb_client.get("/policy")
    assert response.status_code == 301 and response.headers["Location"].endswith("/policy/")


def test_assets_and_search_index(kb_client):
    index = kb_client.get("/search/search_index.json")
    assert index.status_code == 200 and index.is_json
    css = kb_client.get("/stylesheets/extra.css")
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]


def test_missing_page_is_the_kb_404(kb_client):
    response = kb_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_no_path_escape(kb_client, built_site):
    (built_site.parent / "secret.txt").write_text("top secret", encoding="utf-8")
    for url in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.build-fingerprint"):
        response = kb_client.get(url)
        assert response.status_code in (404, 400), url
        assert "top secret" not in response.get_data(as_text=True)


def test_portal_still_answers_and_unknown_portal_urls_are_portal_404(kb_client):
    assert kb_client.get("/portal/").status_code == 200
    response = kb_client.get("/portal/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_unbuilt_kb_says_so(client):
    response = client.get("/")
    assert response.status_code == 503 and "知识库尚未构建" in response.get_data(as_text=True)


def test_security_headers(kb_client):
    portal = kb_client.get("/portal/")
    csp = portal.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert portal.headers["X-Content-Type-Options"] == "nosniff"
    assert portal.headers["X-Frame-Options"] == "DENY"
    kb = kb_client.get("/")
    assert "default-src 'self'" in kb.headers["Content-Security-Policy"]
    assert kb.headers["X-Content-Type-Options"] == "nosniff"
