"""在职党员回社区报到: a member reports in or withdraws (``reports``); the community confirms or
returns report-ins and confirms members' skills (``reports_admin``).
"""

from . import admin, member

blueprints = (member.bp, admin.bp)
