"""The built knowledge base (``site/``) served at ``/``, with its own 404 page."""

from . import views

blueprints = (views.bp,)
