"""街道吹哨、部门报到: the street's whistles, figures and communities' requests (``whistles``:
``views``, ``figures``, ``requests``), the departments' side (``departments``), and the public
counts per item of the whistle list (``whistles_public``).
"""

from . import departments, figures, public, requests, views

blueprints = (public.bp, views.bp, departments.bp)
__all__ = ["departments", "figures", "public", "requests", "views", "blueprints"]
