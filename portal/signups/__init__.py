"""Sign-up with a waiting list: the member's home, 为我推荐, sign up and cancel (``member``)."""

from . import views

blueprints = (views.bp,)
