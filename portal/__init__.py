"""The portal: a Flask app that also serves the built knowledge base at ``/``."""
from __future__ import annotations

from flask import Flask

from . import auth, errors, security, store, templating
from .config import DEFAULTS, default_data_dir, load_secret_key
from .views import (account, area_admin, community_admin, community_lists, kb_site, member,
                    needs_public, public)
from .views import attendance_admin, dashboards, records
from .views import admin_accounts, inbox, privacy, shift_admin
from .views import departments, whistles, whistles_public


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
    app.config.update(test_config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["DATA_DIR"])


def register_store(app: Flask) -> None:
    # Stops start-up with store.CorruptFile naming the file when one is unreadable.
    store.open_store(app.config["DATA_DIR"])


def register_blueprints(app: Flask) -> None:
    for blueprint in (public.bp, account.bp, member.bp, community_admin.bp, area_admin.bp,
                      community_lists.bp, needs_public.bp,
                      records.bp, attendance_admin.bp, dashboards.bp,
                      admin_accounts.bp, shift_admin.bp, inbox.bp, privacy.bp,
                      whistles_public.bp, whistles.bp, departments.bp,
                      kb_site.bp):
        app.register_blueprint(blueprint)
