"""The portal: a Flask app that also serves the built knowledge base at ``/``."""
from __future__ import annotations

from flask import Flask

from . import auth, errors, security, store, templating
from .config import DEFAULTS, default_data_dir, load_secret_key
from .views import (account, area_admin, community_admin, community_lists, community_projects,
                    kb_site, member, needs_public, public)
from .views import attendance_admin, dashboards, exports, records
from .views import admin_accounts, inbox, privacy, shift_admin
from .views import (departments, whistle_figures, whistle_requests_views, whistles,
                    whistles_public)

# Every view module, in the order its blueprint is registered. community_projects,
# exports, whistle_figures and whistle_requests_views add their routes to the blueprint
# of community_lists, attendance_admin or whistles; each blueprint is registered once.
VIEW_MODULES = (public, account, member, community_admin, area_admin,
                community_lists, community_projects, needs_public,
                records, attendance_admin, exports, dashboards,
                admin_accounts, shift_admin, inbox, privacy,
                whistles_public, whistles, whistle_figures, whistle_requests_views, departments,
                kb_site)


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
    for blueprint in dict.fromkeys(module.bp for module in VIEW_MODULES):
        app.register_blueprint(blueprint)
