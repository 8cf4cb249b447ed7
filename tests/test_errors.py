"""Chinese error pages for 400/403/404/405/413/429/500 that never show a trace."""

import pytest

from portal import create_app


@pytest.fixture
def crashing_app(data_dir, tmp_path):
    app = create_app(
        {
            "TESTING": False,
            "DATA_DIR": str(data_dir),
            "SITE_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-" + "k" * 40,
        }
    )

    @app.route("/portal/boom")
    def boom():
        raise RuntimeError("secret internals: /etc/passwd")

    return app


def _page(response):
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and 'File "' not in html and "werkzeug" not in html.lower()
    return html


def test_500_is_chinese_and_hides_the_error(crashing_app):
    response = crashing_app.test_client().get("/portal/boom")
    html = _page(response)
    assert response.status_code == 500 and "服务器出错了" in html and "secret internals" not in html


def test_400_403_404_405(client, auth, world):
    assert "安全校验" in _page(client.post("/portal/login", data={"phone": "1"}))
    auth.login(world.member["phone"])
    forbidden = client.get("/portal/admin/")
    assert forbidden.status_code == 403 and "没有权限" in _page(forbidden)
    missing = client.get("/portal/c/nowhere")
    assert missing.status_code == 404 and "页面不存在" in _page(missing)
    wrong = client.put("/portal/login")
    assert wrong.status_code == 405 and "操作方式不对" in _page(wrong)


def test_413_for_an_oversized_body(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/portal/login", data={"phone": "1" * 4096})
    assert response.status_code == 413 and "内容过大" in _page(response)
