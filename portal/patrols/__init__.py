"""小巷管家: the street admin's lanes, stewards and monthly patrol figures (``patrols_admin``:
``admin``), and the steward's patrol log on the phone, whose findings can become needs of
the street's communities (``patrols``: ``steward``).
"""

from . import admin, steward

blueprints = (steward.bp, admin.bp)
__all__ = ["admin", "steward", "blueprints"]
