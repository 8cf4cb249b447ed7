"""What anyone sees: the portal home, open posts, communities, join links and QR codes,
and 我要反映问题 (finding one's community to report a problem to)."""

from . import cards, report, views

blueprints = (views.bp,)
__all__ = ["cards", "report", "views", "blueprints"]
