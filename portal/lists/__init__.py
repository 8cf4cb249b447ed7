"""三个清单: needs, resources and projects of a community (``community_lists``: ``needs``,
``projects``), and the public need form with its status link (``needs_public``).
"""

from . import needs, projects, public

blueprints = (needs.bp, public.bp)
__all__ = ["needs", "projects", "public", "blueprints"]
