"""What anyone sees: the portal home, open posts, communities, join links and QR codes."""

from . import views

blueprints = (views.bp,)
