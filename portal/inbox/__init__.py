"""Each person's inbox of notices, and the unread count in the header."""

from . import views

blueprints = (views.bp,)
