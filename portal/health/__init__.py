"""GET /portal/health: is the store writable, and the last storage error (district admins)."""

from . import views

blueprints = (views.bp,)
