"""Shared fixtures: an app on a fresh store per test, a client, and helpers.

The store's tests and the HTTP tests of the modules in ``BOTH_BACKENDS`` run twice: on
the file store and on PostgreSQL (a private cluster, ``tests/pg_fixtures.py``), as
TinyDB's own tests run on each storage. A test about one backend's own layout says so
with ``@pytest.mark.backends("files")``.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import jinja2
import pytest
from flask import Flask

from portal import create_app, store
from portal.config import DEFAULTS

pytest_plugins = ["tests.pg_fixtures"]

# Test modules whose tests run on both backends (by name prefix); the others on files.
BOTH_BACKENDS = (
    "test_store_",
    "test_views_",
    "test_backup",
    "test_outbox",
    "test_notifications",
    "test_need_photos",
    "test_resident_rating",
    "test_jobs",
    "test_privacy",
    "test_shift_move",
    "test_series",
    "test_skill_gates",
    "test_certificate_approval",
    "test_sessions",
    "test_throttles",
    "test_errors",
    "test_stats",
    "test_production_server",
    "test_admin_races",
    "test_concurrency",
    "test_hotline_races",
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "backends(*kinds): run this test only on these store backends"
    )


def pytest_generate_tests(metafunc):
    if "store_backend" not in metafunc.fixturenames:
        return
    name = metafunc.module.__name__.rpartition(".")[2]
    kinds = ["files", "postgresql"] if name.startswith(BOTH_BACKENDS) else ["files"]
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        kinds = [k for k in kinds if k in marker.args] or list(marker.args)
    metafunc.parametrize("store_backend", kinds)


PASSWORD = "test1234pw"
TOKEN_RE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per test process instead of once per app.

    Every test builds its own app, and every app its own Jinja environment, which
    would parse and compile each template again. Entries are keyed by template file
    and checked against the source's checksum, so an edited template is compiled anew;
    every app here has the same Jinja settings, so compiled code fits all of them.
    """

    def __init__(self):
        self._code = {}

    def load_bytecode(self, bucket):
        checksum, code = self._code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = (bucket.checksum, bucket.code)


@pytest.fixture(autouse=True, scope="session")
def _templates_compiled_once():
    """Every Flask app made in this process shares one in-memory bytecode cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": _CompiledTemplates()}
        )
        yield


@pytest.fixture(autouse=True, scope="session")
def _cheaper_scrypt():
    """Still werkzeug's scrypt, at a far lower cost (n=256, under a millisecond a hash):
    the suite creates and logs in thousands of accounts. Session-wide, so that stores
    seeded once for a module get the same cheap hashes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store.accounts.users, "PASSWORD_METHOD", "scrypt:256:8:1")
        yield


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def store_target(store_backend, data_dir, request) -> str:
    """Where this test's store is: the data folder, or a fresh PostgreSQL database."""
    if store_backend == "files":
        return str(data_dir)
    url = request.getfixturevalue("pg_url")
    store.init_database(url)
    # Closed before pg_url drops the database (fixtures tear down in reverse order).
    request.addfinalizer(store.close_backends)
    return url


@pytest.fixture
def app(store_target, data_dir, tmp_path):
    """The real app on a real store (TinyDB files in a temp folder, or PostgreSQL);
    CSRF stays ON."""
    database = store_target if store_target.startswith("postgresql://") else ""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database,
            "BACKUP_DIR": str(tmp_path / "backups") if database else None,
            "SECRET_KEY": "test-secret-" + "k" * 40,
            "SITE_DIR": str(tmp_path / "no-site"),
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/portal/login") -> str:
    """A valid CSRF token for this client's session, read from a real form."""
    html = client.get(url).get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, f"no csrf_token on {url}"
    return match.group(1) or match.group(2)


class AuthActions:
    """Log in and out through the real forms, and POST with a CSRF token."""

    def __init__(self, client):
        self._client = client

    def login(self, phone: str, password: str = PASSWORD, follow: bool = False):
        return self._client.post(
            "/portal/login",
            data={"phone": phone, "password": password, "csrf_token": csrf_token(self._client)},
            follow_redirects=follow,
        )

    def logout(self):
        return self.post("/portal/logout")

    def post(self, url: str, data: dict | None = None, follow: bool = False):
        payload = dict(data or {})
        payload.setdefault("csrf_token", csrf_token(self._client))
        return self._client.post(url, data=payload, follow_redirects=follow)


@pytest.fixture
def auth(client):
    return AuthActions(client)


def make_user(phone: str, role: str = "member", scope=None, **extra) -> dict:
    fields = {
        "name": f"用户{phone[-4:]}",
        "work_unit": "测试单位" if role == "member" else "",
        "party_org": "测试党支部" if role == "member" else "",
        "skills": [],
        "availability": [],
        # The current version, so the re-consent gate lets fixture users through.
        "consent_version": DEFAULTS["CONSENT_VERSION"],
    }
    fields.update(extra)
    return store.create_user(phone=phone, password=PASSWORD, role=role, scope=scope, **fields)


class World:
    """Two communities in 东四, one in 景山, and one account of every role."""

    def __init__(self):
        self.a = store.add_community("dongsi", "测试甲社区", cid="ca")
        self.b = store.add_community("dongsi", "测试乙社区", cid="cb")
        self.c = store.add_community("jingshan", "测试丙社区", cid="cc")
        self.member = make_user(
            "13800000001",
            "member",
            home_cid="ca",
            skills=["lawyer", "mediator"],
            availability=["weekend"],
        )
        self.volunteer = make_user(
            "13800000002",
            "volunteer",
            home_cid="ca",
            skills=["patrol"],
            availability=["weekday_day"],
        )
        self.admin_a = make_user("13800000003", "community_admin", scope="ca")
        self.admin_b = make_user("13800000004", "community_admin", scope="cb")
        self.street = make_user("13800000005", "street_admin", scope="dongsi")
        self.district = make_user("13800000006", "district_admin")

    def post(
        self,
        cid: str = "ca",
        capacity: int = 2,
        day: str | None = None,
        start: str = "09:00",
        end: str = "11:00",
        category: str = "legal",
        **extra,
    ) -> tuple:
        """A post with one shift; returns (post, shift)."""
        day = day or (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        post = store.create_post(
            cid,
            self.admin_a["uid"],
            title=extra.pop("title", "法律咨询"),
            category=category,
            description="说明",
            place="活动室",
            kind="shifts",
            shifts=[{"date": day, "start": start, "end": end, "capacity": capacity}],
            **extra,
        )
        return post, store.post_shifts(cid, post["id"])[0]


class StoredPhoto(io.BytesIO):
    """A stored photo's bytes with its name; Pillow opens it like a file."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name

    def read_bytes(self) -> bytes:
        return self.getvalue()


def stored_photos(folder: str = "ca") -> list[StoredPhoto]:
    """Every photo the store keeps for a folder (a community id or ``w-<street>``)."""
    backend = store.current_backend()
    rows = []
    for key in backend.blob_keys(f"uploads/{folder}/"):
        data = backend.get_blob(key)
        assert data is not None
        rows.append(StoredPhoto(key.rpartition("/")[2], data))
    return rows


def stored_photo(folder: str, name: str) -> bytes | None:
    """A photo as the store keeps it (a community id or ``w-<street>``), or None: the
    same question on both backends (a file in uploads/, or a row of blobs)."""
    return store.current_backend().get_blob(f"uploads/{folder}/{name}")


def _backup_dir(target: str, tmp_path):
    # Files: <data>/backups, as in production; PostgreSQL: a folder of the test's own.
    return tmp_path / "backups" if target.startswith("postgresql://") else None


@pytest.fixture
def world(store_target, tmp_path):
    """The World in a fresh store at store_target, the store that ``app`` opens too.

    It needs no app: store-level tests then build none (building one is most of a
    small test's time). Tests that use ``app`` or ``client`` get both on one store."""
    store.open_store(store_target, backup_dir=_backup_dir(store_target, tmp_path))
    return World()


@pytest.fixture
def mem_store(store_target, tmp_path):
    """The store alone (no app), on the test's backend."""
    store.open_store(store_target, backup_dir=_backup_dir(store_target, tmp_path))
    return store


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The real KB, built once per test session (per xdist worker) into a temp folder.
    Tests only read it: ``kb_client``, the access matrix's app, and the ``site`` of
    test_kb_build.py and test_kb_search.py."""
    from kb.build import build

    site = tmp_path_factory.mktemp("site")
    assert build(site_dir=site, force=True) is True
    return site


@pytest.fixture
def kb_client(data_dir, built_site):
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test-secret-" + "k" * 40,
            "SITE_DIR": str(built_site),
        }
    )
    return app.test_client()
