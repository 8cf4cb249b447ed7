"""三个清单 at three levels (区域化党建 三级平台): the needs, resources and projects a street
(街道级) or the district (区级) posts, beside each community's own lists (社区级,
``portal/lists``). One blueprint, ``area_lists``, under ``/portal/admin/area-lists/``:
``views`` (the overview, needs and their matches), ``resources``, ``projects`` and
``export`` (.xlsx/CSV). An area in a URL is ``district`` or a street's id.

Who may do what (``access``):

* a street admin manages their own street's lists, and reads the district's (to see what
  the district offers and asks);
* a district admin manages the district's lists and reads every street's;
* a community admin reads their own street's lists (to find the street's resources for
  their needs), nothing else; members and volunteers never get in.

Reading is everything but a change: the list pages, a need's or a project's page and the
export. A list outside the reader's scope is a 404 (no hint it exists); a change asked by
someone who may only read the list is a 403. The rows of the level below (a street's
communities', every street's for the district) are shown, on request, only to those who
administer all of them: the street's own admin and the district's admins.

A street's need is matched with resources of the street or of its communities (another
street's is refused); the district's need, and the district's projects, with rows of any
street and community (the pickers list one street's communities at a time). Every change
and every export is written to the audit log: a street's under its street, the district's
without one (read by the district's admins).
"""

from . import access, export, projects, resources, views

blueprints = (views.bp,)
__all__ = ["access", "export", "projects", "resources", "views", "blueprints"]
