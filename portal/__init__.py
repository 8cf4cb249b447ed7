"""The portal: a Flask app that also serves the built knowledge base at ``/``."""

from __future__ import annotations

from flask import Flask, appcontext_pushed
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, errors, security, store, templating
from .config import DEFAULTS, database_url, default_data_dir, load_secret_key, proxy_hops
from . import (
    accounts,
    area_lists,
    council,
    dashboards,
    grids,
    health,
    hotline,
    hotline_figures,
    inbox,
    kb_site,
    liaison,
    lists,
    patrols,
    posts,
    public,
    records,
    reports,
    signups,
    units,
    whistles,
    worker,
)

# One package per feature, each with its blueprints, in the order they are registered: the
# inbox's reminders run before the consent gate of accounts, as they always have.
# kb_site comes last: its catch-all route serves the built knowledge base at "/".
FEATURES = (
    public,
    inbox,
    accounts,
    signups,
    reports,
    posts,
    dashboards,
    lists,
    records,
    whistles,
    grids,
    worker,
    health,
    patrols,
    liaison,
    area_lists,
    units,
    council,
    hotline,
    hotline_figures,
    kb_site,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; test_config overrides the defaults (e.g. DATA_DIR, SECRET_KEY)."""
    app = Flask(__name__, static_url_path="/portal/static")
    register_config(app, test_config)
    register_store(app)
    security.register(app)
    auth.register(app)
    templating.register(app)
    register_blueprints(app)
    errors.register(app)
    return app


def register_config(app: Flask, test_config: dict | None) -> None:
    app.config.update(DEFAULTS)
    app.config["DATA_DIR"] = default_data_dir()
    app.config["DATABASE_URL"] = database_url()
    app.config["PROXY_HOPS"] = proxy_hops()
    app.config.update(test_config or {})
    # Behind N trusted proxies the client's address (and scheme) come from their
    # X-Forwarded-For / -Proto; set before any request, so every per-address limit sees it.
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_store(app: Flask) -> None:
    """Open the store from configuration (a database URL, else the data folder) and bind
    it to every app context, so requests, jobs and CLI commands of this app use it.

    Stops start-up with store.CorruptFile naming the file when one is unreadable, or
    SchemaError when the database is not at this program's schema version."""
    target = app.config.get("DATABASE_URL") or app.config["DATA_DIR"]
    backend = store.open_store(target, backup_dir=app.config.get("BACKUP_DIR"))
    app.extensions["portal_store"] = backend
    appcontext_pushed.connect(_bind_store, app)
    # One request reads each document once (PostgreSQL: one query per document, not per read).
    app.before_request(backend.begin_scope)
    app.teardown_request(lambda _exc: backend.end_scope())
    if not app.config.get("SECRET_KEY"):
        # Files: <data>/secret_key. PostgreSQL: kept in the database, so that every app
        # server signs sessions with the same key and nothing lives on one server's disk.
        app.config["SECRET_KEY"] = (
            store.shared_secret_key()
            if backend.kind == "postgresql"
            else load_secret_key(app.config["DATA_DIR"])
        )


def _bind_store(app: Flask, **_extra) -> None:
    store.use(app.extensions["portal_store"])


def register_blueprints(app: Flask) -> None:
    for feature in FEATURES:
        for blueprint in feature.blueprints:
            app.register_blueprint(blueprint)
