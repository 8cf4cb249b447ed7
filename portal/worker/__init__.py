"""Things that happen on time: the scheduled jobs (reminders, escalations, digests,
letters, backups, retention), the e-mail outbox's sender, and the district admins'
page that shows them (``/portal/admin/worker/``)."""

from . import views

blueprints = (views.bp,)
