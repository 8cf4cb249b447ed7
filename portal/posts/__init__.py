"""分类设岗: a community publishes posts with shifts, opens, closes and copies them, reads the
roster (``posts_admin``), and changes, cancels or messages a shift (``shift_admin``).
"""

from . import admin, shift_changes

blueprints = (admin.bp, shift_changes.bp)
