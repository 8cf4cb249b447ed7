"""三个清单: needs, resources and projects of a community (``community_lists``: ``needs``,
``projects``), and the public need form with its status link (``needs_public``).
"""

from . import matching, needs, projects, public

blueprints = (needs.bp, public.bp)
__all__ = ["matching", "needs", "projects", "public", "blueprints"]
