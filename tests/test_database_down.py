"""PostgreSQL stopped under the portal: a Chinese 503, nothing half-written, and the same
app answers again by itself once the database is back (no restart)."""

from __future__ import annotations

import pytest

from portal import create_app, store
from tests.conftest import AuthActions, World, csrf_token

pytestmark = pytest.mark.processes


@pytest.fixture
def pg_app(pg_url, pg_cluster, tmp_path):
    store.init_database(pg_url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "DATA_DIR": str(tmp_path / "unused"),
            "SECRET_KEY": "test-secret-" + "k" * 40,
            "SITE_DIR": str(tmp_path / "no-site"),
        }
    )
    yield app
    if not pg_cluster.is_running():
        pg_cluster.start_again()
    store.close_backends()


def test_requests_get_a_chinese_503_while_the_database_is_down(pg_app, pg_cluster):
    world = World()
    _post, shift = world.post(capacity=2)
    client = pg_app.test_client()
    AuthActions(client).login(world.member["phone"])
    token = csrf_token(client, f"/portal/posts/ca/{_post['id']}")
    assert client.get("/portal/me").status_code == 200

    pg_cluster.stop_immediate()
    try:
        for path in ("/portal/me", "/portal/posts", "/portal/login"):
            page = client.get(path)
            text = page.get_data(as_text=True)
            assert page.status_code == 503, path
            assert "数据库暂时无法连接" in text and "Traceback" not in text
        signup = client.post(
            f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token}
        )
        assert signup.status_code == 503
        health = client.get("/portal/health")
        assert health.status_code == 503 and health.json["store_writable"] is False
    finally:
        pg_cluster.start_again()

    # The same app, not restarted: its pool reconnects.
    assert client.get("/portal/me").status_code == 200
    assert client.get("/portal/health").status_code == 200
    assert store.roster("ca", shift["id"])["confirmed"] == []  # the refused sign-up: not there
    again = client.post(f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token})
    assert again.status_code == 302
    assert [r["uid"] for r in store.roster("ca", shift["id"])["confirmed"]] == [world.member["uid"]]


def test_a_request_in_flight_when_the_database_goes_gets_the_chinese_503(
    pg_app, pg_cluster, monkeypatch
):
    """The user was loaded, then the database went away inside the view: the error page
    must not need the store itself (it used to fall through to a bare English 500)."""
    world = World()
    _post, shift = world.post(capacity=2)
    client = pg_app.test_client()
    AuthActions(client).login(world.member["phone"])
    token = csrf_token(client, "/portal/me")
    real_sign_up = store.sign_up

    def database_goes_first(*args, **kwargs):
        pg_cluster.stop_immediate()
        return real_sign_up(*args, **kwargs)

    monkeypatch.setattr(store, "sign_up", database_goes_first)
    try:
        page = client.post(f"/portal/c/ca/shifts/{shift['id']}/signup", data={"csrf_token": token})
    finally:
        pg_cluster.start_again()
    text = page.get_data(as_text=True)
    assert page.status_code == 503 and "数据库暂时无法连接" in text
    assert "Internal Server Error" not in text


def test_start_up_refuses_a_database_without_the_schema_or_with_a_newer_one(pg_url, tmp_path):
    config = {"DATABASE_URL": pg_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    with pytest.raises(store.SchemaError, match="init-db"):
        create_app(config)
    assert store.init_database(pg_url) == [1, 2, 3]  # every migration, in order
    assert store.init_database(pg_url) == []  # idempotent
    backend = store.open_store(pg_url)
    assert backend.kind == "postgresql"
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO portal_schema (version) VALUES (99)")
    with pytest.raises(store.SchemaError, match="比本程序支持的版本 3 新"):
        create_app(config)
    with pytest.raises(store.SchemaError, match="新"):
        store.init_database(pg_url)
    store.close_backends()


def test_schema_3_keeps_every_document_as_it_was(pg_url):
    """A database made at schema 2 (bodies as jsonb) with documents in it: ``init-db``
    turns the bodies into json text (lz4 when the server has it) and every document,
    including awkward text, reads back the same; new writes go in compact."""
    import psycopg

    from portal.store import pg_schema

    with psycopg.connect(pg_url, autocommit=True) as conn:
        real = pg_schema.MIGRATIONS
        try:
            pg_schema.MIGRATIONS = real[:2]
            assert pg_schema.migrate(conn) == [1, 2]
        finally:
            pg_schema.MIGRATIONS = real
    before = store.open_backend(pg_url)
    odd = {"t": {"1": {"text": 'quote " backslash \\ 中文 🙂 tab\t', "n": [1, 2.5, None]}}}
    with before.transaction("a/one", "b/two") as (one, two):
        one.table("t").insert(odd["t"]["1"])
        two.table("t").insert({"n": 2})
    digests = store.store_digests(before)
    store.close_backends()

    assert store.init_database(pg_url) == [3]
    after = store.open_backend(pg_url)
    assert store.store_digests(after) == digests
    assert after.read("a/one") == odd
    with after.transaction("b/two") as (two,):
        two.table("t").insert({"n": 3})
    with psycopg.connect(pg_url, autocommit=True) as conn:
        kind, compression = conn.execute(
            "SELECT format_type(atttypid, atttypmod), attcompression FROM pg_attribute"
            " WHERE attrelid = 'documents'::regclass AND attname = 'body'"
        ).fetchone()
        text = conn.execute("SELECT body::text FROM documents WHERE key = 'b/two'").fetchone()[0]
        has_lz4 = conn.execute(
            "SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
            " WHERE name = 'default_toast_compression'"
        ).fetchone()[0]
    assert kind == "json" and compression == ("l" if has_lz4 else "")
    assert text == '{"t":{"1":{"n":2},"2":{"n":3}}}'  # as the app wrote it
    store.close_backends()
