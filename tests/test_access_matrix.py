"""Every route × every role: the exact set of roles let in, and no data for the others.

Roles: anonymous, member (reported in to community A), volunteer, admin of A, admin of B
(same street), street admin of A's street, district admin; and three volunteers holding
an appointed role: 网格员 of A's first grid, 小巷管家 of a lane of A's street, 社区专员 of A.
Every rule in the app's URL map must be classified here, so a new route cannot ship
without its row.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest

from portal import store
from tests.conftest import PASSWORD, World, csrf_token, make_user

ROLES = (
    "anonymous",
    "member",
    "volunteer",
    "admin_a",
    "admin_b",
    "street",
    "district",
    "grid_worker",
    "steward",
    "liaison",
)
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
APPOINTED = {"grid_worker", "steward", "liaison"}  # volunteers with an appointed role
PARTICIPANTS = {"member", "volunteer"} | APPOINTED
ADMINS_OF_A = {"admin_a", "street", "district"}
ADMINS = {"admin_a", "admin_b", "street", "district"}
AREA = {"street", "district"}


class Objects(World):
    """The world plus one object of every kind, all in community A (``ca``)."""

    def __init__(self):
        super().__init__()
        self.report = store.submit_report_in(self.member["uid"], "ca")
        store.confirm_report_in("ca", self.report["id"], self.admin_a["uid"])
        self.pending = store.submit_report_in(self.member["uid"], "cb")  # member moving to B
        self.post_a, self.shift = self.post(capacity=3)
        store.sign_up("ca", self.shift["id"], self.member["uid"])
        past_day = (date.today() - timedelta(days=2)).isoformat()
        _p, self.past = self.post(day=past_day, title="已结束岗位")
        self.signup = store.sign_up(
            "ca", self.past["id"], self.member["uid"], at=datetime.now() - timedelta(days=5)
        )
        store.mark_attendance(
            "ca", self.past["id"], self.signup["id"], store.PRESENT, self.admin_a["uid"]
        )
        store.confirm_hours("ca", self.past["id"], self.admin_a["uid"])
        store.set_certificate_auto_approve("ca", True)  # issued at once: it can be verified
        self.certificate = store.issue_certificate(
            self.member["uid"], date.today() - timedelta(days=30), date.today()
        )
        self.need = store.create_need(
            "ca", category="legal", description="需求", raised_by="resident", phone="13600000001"
        )
        self.resource = store.create_resource(
            "ca",
            self.admin_a["uid"],
            name="活动室",
            kind="venue",
            provider="某单位",
            provider_type="unit",
            contact="13600000002",
        )
        self.project = store.create_project("ca", self.admin_a["uid"], name="项目")
        # A post that needs a confirmed skill, and the member's request to confirm it.
        self.gated, _s = self.post(
            title="需确认专长岗位", skills=[{"skill": "lawyer", "count": None, "confirm": True}]
        )
        self.skill_request = store.request_skill("ca", self.member["uid"], "lawyer")
        self.note = store.notify(self.member["uid"], "report_confirmed", "已确认")
        self.ical = store.new_calendar_token(self.member["uid"])["ical_token"]
        # 街道吹哨: a whistle of A's street that came from A's need, and A's request.
        self.whistle = store.create_whistle(
            "dongsi",
            self.street,
            item_id="W05-1",
            description="违停",
            place="胡同口",
            need_refs=[("ca", self.need["id"])],
        )
        self.whistle_request = store.request_whistle("ca", self.need["id"], self.admin_a, "请吹哨")
        # 网格 and 楼门院, a lane of the street, and one volunteer in each appointed role.
        self.grid = store.add_grid("ca", 1, "第一网格", "王书记")
        self.building = store.add_building("ca", self.grid["id"], "楼", "5号楼", 60, "李组长")
        self.lane = store.add_lane("dongsi", "东四北大街")
        self.grid_need = store.create_need(
            "ca",
            category="legal",
            description="楼道灯坏了",
            raised_by="resident",
            building_id=self.building["id"],
        )
        self.grid_worker = make_user("13800000011", "volunteer", home_cid="ca")
        self.steward = make_user("13800000012", "volunteer", home_cid="ca")
        self.liaison = make_user("13800000013", "volunteer", home_cid="ca")
        uid = self.admin_a["uid"]
        self.grid_appointment = store.appoint(
            "community", "ca", self.grid_worker["uid"], "grid_worker", [self.grid["id"]], uid
        )
        store.appoint(
            "community", "ca", self.grid_worker["uid"], "building_head", [self.building["id"]], uid
        )
        self.steward_appointment = store.appoint(
            "street", "dongsi", self.steward["uid"], "lane_steward", [self.lane["id"]], uid
        )
        self.liaison_appointment = store.appoint(
            "street", "dongsi", self.liaison["uid"], "community_liaison", ["ca"], uid
        )
        # 小巷管家: a patrol of the steward's lane, under way, with one finding (no photo).
        self.patrol = store.start_patrol("dongsi", self.lane["id"], self.steward["uid"])
        self.finding = store.add_patrol_finding(
            "dongsi", self.patrol["id"], self.steward["uid"], category="facilities", note="井盖松动"
        )
        # 三级清单: a need and a resource of A's street, a project of the district.
        self.area_need = store.create_area_need(
            "street",
            "dongsi",
            self.street["uid"],
            category="legal",
            description="街道需求",
            raised_by="worker",
        )
        self.area_resource = store.create_area_resource(
            "street",
            "dongsi",
            self.street["uid"],
            name="街道活动中心",
            kind="venue",
            provider="东四街道",
            provider_type="organisation",
            contact="010-1",
        )
        self.area_project = store.create_area_project(
            "district", "district", self.district["uid"], name="区级项目"
        )
        # 驻区单位: a unit of A's street whose contact is the steward (a volunteer), so the
        # steward is the matrix's unit contact (it acts on A's project and need below).
        self.unit = store.register_unit(
            name="东四测试单位",
            level="street",
            street_id="dongsi",
            phone="13600000003",
            by=self.street["uid"],
        )
        store.appoint_unit_contact(self.unit["id"], self.steward["uid"], self.street["uid"])


def _routes(o: Objects) -> dict:
    """endpoint -> (method, url, roles let in)."""
    c, sid, past = "/portal/admin/c/ca", o.shift["id"], o.past["id"]
    lists = f"{c}/lists"
    area, district = "/portal/admin/area-lists/dongsi", "/portal/admin/area-lists/district"
    return {
        # public
        "public.index": ("GET", "/portal/", EVERYONE),
        "public.posts": ("GET", "/portal/posts", EVERYONE),
        "public.post_detail": ("GET", f"/portal/c/ca/posts/{o.post_a['id']}", EVERYONE),
        "public.communities": ("GET", "/portal/communities", EVERYONE),
        "public.community": ("GET", "/portal/c/ca", EVERYONE),
        "public.join": ("GET", "/portal/join/ca", EVERYONE),
        "public.join_qr": ("GET", "/portal/c/ca/qr.svg", EVERYONE),
        "public.report": ("GET", "/portal/report?street=dongsi&q=测试", EVERYONE),
        "kb_site.page": ("GET", "/", EVERYONE),
        "kb_site.favicon": ("GET", "/favicon.ico", EVERYONE),
        "static": ("GET", "/portal/static/portal.css", EVERYONE),
        "records.verify": ("GET", f"/portal/verify/{o.certificate['serial']}", EVERYONE),
        "records.verify_form": ("GET", "/portal/verify", EVERYONE),
        "records.qr": ("GET", f"/portal/verify/{o.certificate['serial']}/qr.svg", EVERYONE),
        "records.feed": ("GET", f"/portal/calendar/{o.member['uid']}/{o.ical}.ics", EVERYONE),
        "needs_public.new": ("GET", "/portal/needs/new/ca", EVERYONE),
        "needs_public.status": ("GET", "/portal/needs/status/" + o.need["status_token"], EVERYONE),
        # Whoever holds the private link rates the closed need (the link is the key).
        "needs_public.rate": (
            "POST",
            "/portal/needs/status/" + o.need["status_token"] + "/rate",
            EVERYONE,
        ),
        "needs_public.photo": (
            "GET",
            "/portal/needs/status/" + o.need["status_token"] + "/photo",
            set(),
        ),  # this need has no photo: 404 for everyone
        "account.login": ("GET", "/portal/login", EVERYONE),
        "account.register": ("GET", "/portal/register", EVERYONE),  # logged in: redirect home
        "privacy.reset": ("GET", "/portal/reset", EVERYONE),
        "health.index": ("GET", "/portal/health", EVERYONE),  # details: district only
        # any logged-in account
        "account.logout": ("POST", "/portal/logout", EVERYONE),
        "account.password": ("GET", "/portal/password", LOGGED_IN),
        "account.profile": ("GET", "/portal/profile", LOGGED_IN),
        "inbox.index": ("GET", "/portal/inbox/", LOGGED_IN),
        "inbox.read_all": ("POST", "/portal/inbox/read", LOGGED_IN),
        "inbox.open_item": ("POST", f"/portal/inbox/{o.note['id']}/open", {"member"}),
        "inbox.settings": ("GET", "/portal/inbox/settings", LOGGED_IN),
        # members and volunteers
        "member.home": ("GET", "/portal/me", PARTICIPANTS),
        "member.recommend": ("GET", "/portal/recommend", PARTICIPANTS),
        "member.sign_up": ("POST", f"/portal/c/ca/shifts/{sid}/signup", PARTICIPANTS),
        "member.cancel": ("POST", f"/portal/c/ca/shifts/{sid}/cancel", PARTICIPANTS),
        "reports.report_in": (
            "POST",
            "/portal/c/ca/report-in",
            LOGGED_IN,
        ),  # refused with a message
        "reports.withdraw": (
            "POST",
            f"/portal/me/report-ins/cb/{o.pending['id']}/withdraw",
            {"member"},
        ),
        "reports.request_skill": (
            "POST",
            f"/portal/c/ca/posts/{o.gated['id']}/skills/lawyer/request",
            PARTICIPANTS,
        ),  # the member has asked already, the volunteer lacks the skill: both told why
        "records.hours": ("GET", "/portal/me/hours", PARTICIPANTS),
        "records.certificates": ("GET", "/portal/me/certificates", PARTICIPANTS),
        "records.certificate": (
            "GET",
            f"/portal/me/certificates/{o.certificate['serial']}",
            {"member"},
        ),
        "records.calendar": ("GET", "/portal/me/calendar", PARTICIPANTS),
        "records.new_token": ("POST", "/portal/me/calendar/token", PARTICIPANTS),
        "privacy.consent": ("GET", "/portal/consent", PARTICIPANTS),
        "privacy.my_data": ("GET", "/portal/me/data", PARTICIPANTS),
        "privacy.export_json": ("GET", "/portal/me/data.json", PARTICIPANTS),
        "privacy.delete_account": ("GET", "/portal/me/delete", PARTICIPANTS),
        # admins of community A (its street and the district included)
        "community_dashboard.dashboard": ("GET", f"{c}/", ADMINS_OF_A),
        "reports_admin.report_ins": ("GET", f"{c}/report-ins", ADMINS_OF_A),
        "reports_admin.confirm_report_in": (
            "POST",
            f"{c}/report-ins/{o.report['id']}/confirm",
            ADMINS_OF_A,
        ),
        "reports_admin.return_report_in": (
            "POST",
            f"{c}/report-ins/{o.report['id']}/return",
            ADMINS_OF_A,
        ),
        "reports_admin.members": ("GET", f"{c}/members", ADMINS_OF_A),
        "reports_admin.confirm_skills": (
            "GET",
            f"{c}/members/{o.member['uid']}/skills",
            ADMINS_OF_A,
        ),
        "reports_admin.confirm_skill_request": (
            "POST",
            f"{c}/skill-requests/{o.skill_request['id']}/confirm",
            ADMINS_OF_A,
        ),
        "reports_admin.decline_skill_request": (
            "POST",
            f"{c}/skill-requests/{o.skill_request['id']}/decline",
            ADMINS_OF_A,
        ),
        "posts_admin.posts": ("GET", f"{c}/posts", ADMINS_OF_A),
        "posts_admin.new_post": ("GET", f"{c}/posts/new", ADMINS_OF_A),
        "posts_admin.post": ("GET", f"{c}/posts/{o.post_a['id']}", ADMINS_OF_A),
        "posts_admin.set_post_status": (
            "POST",
            f"{c}/posts/{o.post_a['id']}/status/closed",
            ADMINS_OF_A,
        ),
        "posts_admin.copy_post": ("POST", f"{c}/posts/{o.post_a['id']}/copy", ADMINS_OF_A),
        "posts_admin.edit_series": ("POST", f"{c}/posts/{o.post_a['id']}/series", ADMINS_OF_A),
        "posts_admin.roster": ("GET", f"{c}/shifts/{sid}/roster", ADMINS_OF_A),
        "attendance_admin.attendance": ("GET", f"{c}/shifts/{past}/attendance", ADMINS_OF_A),
        "attendance_admin.mark": (
            "POST",
            f"{c}/shifts/{past}/attendance/{o.signup['id']}",
            ADMINS_OF_A,
        ),
        "attendance_admin.adjust": (
            "POST",
            f"{c}/shifts/{past}/hours/{o.signup['id']}",
            ADMINS_OF_A,
        ),
        "attendance_admin.confirm": ("POST", f"{c}/shifts/{past}/confirm-hours", ADMINS_OF_A),
        "attendance_admin.no_shows": ("GET", f"{c}/no-shows", ADMINS_OF_A),
        "attendance_admin.clear_block": ("POST", f"{c}/no-shows/{o.member['uid']}/clear", set()),
        "attendance_admin.export_members": ("GET", f"{c}/export/members.xlsx", ADMINS_OF_A),
        "attendance_admin.export_roster": ("GET", f"{c}/export/shifts/{sid}.csv", ADMINS_OF_A),
        "attendance_admin.export_quarterly": (
            "GET",
            f"{c}/export/quarterly-2026-Q4.csv",
            ADMINS_OF_A,
        ),
        "attendance_admin.quarterly": ("GET", f"{c}/quarterly", ADMINS_OF_A),
        "attendance_admin.quarterly_letter": (
            "GET",
            f"{c}/quarterly/{o.member['uid']}",
            ADMINS_OF_A,
        ),
        "certificates_admin.index": ("GET", f"{c}/certificates/", ADMINS_OF_A),
        "certificates_admin.approve": (
            "POST",
            f"{c}/certificates/{o.certificate['serial']}/approve",
            ADMINS_OF_A,
        ),
        "certificates_admin.decline": (
            "POST",
            f"{c}/certificates/{o.certificate['serial']}/decline",
            ADMINS_OF_A,
        ),
        "certificates_admin.settings": ("POST", f"{c}/certificates/settings", ADMINS_OF_A),
        "shift_admin.change": ("GET", f"{c}/shifts/{sid}/change", ADMINS_OF_A),
        "shift_admin.cancel": ("POST", f"{c}/shifts/{sid}/cancel", ADMINS_OF_A),
        "shift_admin.message": ("POST", f"{c}/shifts/{sid}/message", ADMINS_OF_A),
        "community_lists.index": ("GET", f"{lists}/", ADMINS_OF_A),
        "community_lists.needs": ("GET", f"{lists}/needs", ADMINS_OF_A),
        "community_lists.new_need": ("GET", f"{lists}/needs/new", ADMINS_OF_A),
        "community_lists.need": ("GET", f"{lists}/needs/{o.need['id']}", ADMINS_OF_A),
        "community_lists.start_need": ("POST", f"{lists}/needs/{o.need['id']}/start", ADMINS_OF_A),
        "community_lists.note_need": ("POST", f"{lists}/needs/{o.need['id']}/note", ADMINS_OF_A),
        "community_lists.close_need": ("POST", f"{lists}/needs/{o.need['id']}/close", ADMINS_OF_A),
        "community_lists.phone_followup": (
            "POST",
            f"{lists}/needs/{o.need['id']}/followup",
            ADMINS_OF_A,
        ),
        "community_lists.reopen_need": (
            "POST",
            f"{lists}/needs/{o.need['id']}/reopen",
            ADMINS_OF_A,
        ),
        "community_lists.need_project": (
            "POST",
            f"{lists}/needs/{o.need['id']}/project",
            ADMINS_OF_A,
        ),
        "community_lists.need_photo": (
            "GET",
            f"{lists}/needs/{o.need['id']}/photo",
            set(),
        ),  # no photo
        "community_lists.need_post": ("GET", f"{lists}/needs/{o.need['id']}/post", ADMINS_OF_A),
        "community_lists.recategorise_need": (
            "POST",
            f"{lists}/needs/{o.need['id']}/category",
            ADMINS_OF_A,
        ),
        "community_lists.resources": ("GET", f"{lists}/resources", ADMINS_OF_A),
        "community_lists.new_resource": ("GET", f"{lists}/resources/new", ADMINS_OF_A),
        "community_lists.edit_resource": (
            "GET",
            f"{lists}/resources/{o.resource['id']}/edit",
            ADMINS_OF_A,
        ),
        "community_lists.projects": ("GET", f"{lists}/projects", ADMINS_OF_A),
        "community_lists.new_project": ("GET", f"{lists}/projects/new", ADMINS_OF_A),
        "community_lists.project": ("GET", f"{lists}/projects/{o.project['id']}", ADMINS_OF_A),
        "community_lists.link": (
            "POST",
            f"{lists}/projects/{o.project['id']}/link/need",
            ADMINS_OF_A,
        ),
        "community_lists.unlink": (
            "POST",
            f"{lists}/projects/{o.project['id']}/unlink/need/{o.need['id']}",
            ADMINS_OF_A,
        ),
        "community_lists.project_status": (
            "POST",
            f"{lists}/projects/{o.project['id']}/status/finished",
            ADMINS_OF_A,
        ),
        "admin_accounts.reset_code": ("GET", "/portal/admin/accounts/c/ca/reset-code", ADMINS_OF_A),
        # every admin; street and district admins
        "area_admin.index": ("GET", "/portal/admin/", ADMINS),
        "admin_accounts.index": ("GET", "/portal/admin/accounts/", ADMINS),
        # a street admin manages its communities' admins; the district manages street admins
        "admin_accounts.set_disabled": (
            "POST",
            f"/portal/admin/accounts/{o.admin_a['uid']}/disable",
            {"street"},
        ),
        "area_admin.new_community": ("GET", "/portal/admin/communities/new", AREA),
        "dashboards.dashboard": ("GET", "/portal/admin/dashboard", AREA),
        "dashboards.audit": ("GET", "/portal/admin/audit", AREA),
        # 街道吹哨、部门报到 (no role here is a department liaison: tests/test_views_whistles.py)
        "whistles_public.index": ("GET", "/portal/whistles/items/", EVERYONE),
        "whistles_public.item": ("GET", "/portal/whistles/items/W05-1", EVERYONE),
        "whistles.index": ("GET", "/portal/whistles/", ADMINS),  # community admins: their requests
        "whistles.requests": ("GET", "/portal/whistles/requests", ADMINS),
        "whistles.request_for_need": (
            "GET",
            f"/portal/whistles/c/ca/needs/{o.need['id']}/request",
            {"admin_a"},
        ),
        "whistles.new": ("GET", "/portal/whistles/new", {"street"}),
        "whistles.whistle": ("GET", f"/portal/whistles/s/dongsi/{o.whistle['id']}", ADMINS_OF_A),
        "whistles.photo": (
            "GET",
            f"/portal/whistles/s/dongsi/{o.whistle['id']}/photo/none.jpg",
            set(),
        ),
        "whistles.verify": (
            "POST",
            f"/portal/whistles/s/dongsi/{o.whistle['id']}/verify",
            {"street"},
        ),
        "whistles.send_back": (
            "POST",
            f"/portal/whistles/s/dongsi/{o.whistle['id']}/return",
            {"street"},
        ),
        "whistles.close": (
            "POST",
            f"/portal/whistles/s/dongsi/{o.whistle['id']}/close",
            {"street"},
        ),
        "whistles.escalate": (
            "POST",
            f"/portal/whistles/s/dongsi/{o.whistle['id']}/escalate",
            {"street"},
        ),
        "whistles.decline": (
            "POST",
            f"/portal/whistles/requests/dongsi/{o.whistle_request['id']}/decline",
            {"street"},
        ),
        "whistles.figures": ("GET", "/portal/whistles/figures", AREA),
        "whistles.export": ("GET", "/portal/whistles/export/departments.xlsx", AREA),
        "whistles.report": ("GET", "/portal/whistles/report/dongsi/2026-01", AREA),
        "whistles.liaisons": ("GET", "/portal/whistles/liaisons", {"district"}),
        "departments.index": ("GET", "/portal/dept/", set()),
        "departments.whistle": ("GET", f"/portal/dept/w/dongsi/{o.whistle['id']}", set()),
        "departments.photo": (
            "GET",
            f"/portal/dept/w/dongsi/{o.whistle['id']}/photo/none.jpg",
            set(),
        ),
        "departments.act": ("POST", f"/portal/dept/w/dongsi/{o.whistle['id']}/acknowledge", set()),
        # 小巷管家: the street admin's lanes, stewards and figures; the steward's patrol log
        "patrols_admin.index": ("GET", "/portal/admin/lanes/", {"street"}),
        "patrols_admin.figures": ("GET", "/portal/admin/lanes/figures?month=2026-03", {"street"}),
        "patrols_admin.add_lane": ("POST", "/portal/admin/lanes/add", {"street"}),
        "patrols_admin.rename_lane": (
            "POST",
            f"/portal/admin/lanes/{o.lane['id']}/rename",
            {"street"},
        ),
        "patrols_admin.appoint": ("POST", "/portal/admin/lanes/stewards", {"street"}),
        "patrols_admin.change_steward": (
            "POST",
            f"/portal/admin/lanes/stewards/{o.steward_appointment['id']}/lanes",
            {"street"},
        ),
        "patrols_admin.revoke_steward": (
            "POST",
            f"/portal/admin/lanes/stewards/{o.steward_appointment['id']}/revoke",
            {"street"},
        ),
        "patrols.index": ("GET", "/portal/patrols/", {"steward"}),
        "patrols.start": ("POST", "/portal/patrols/s/dongsi/start", {"steward"}),
        "patrols.patrol": ("GET", f"/portal/patrols/s/dongsi/{o.patrol['id']}", {"steward"}),
        "patrols.add_finding": (
            "POST",
            f"/portal/patrols/s/dongsi/{o.patrol['id']}/findings",
            {"steward"},
        ),
        "patrols.end": ("POST", f"/portal/patrols/s/dongsi/{o.patrol['id']}/end", {"steward"}),
        "patrols.photo": (
            "GET",
            f"/portal/patrols/s/dongsi/{o.patrol['id']}/findings/{o.finding['id']}/photo",
            set(),
        ),  # the finding has no photo: 404 for everyone
        "patrols.to_need": (
            "GET",
            f"/portal/patrols/s/dongsi/{o.patrol['id']}/findings/{o.finding['id']}/need",
            {"steward"},
        ),
        # scheduled jobs and the e-mail outbox: district admins
        "worker.index": ("GET", "/portal/admin/worker/", {"district"}),
        "worker.retry": ("POST", "/portal/admin/worker/outbox/x/retry", {"district"}),
        # 社区专员: the street admin appoints them; they see their communities (read-only)
        # and decide those communities' requests to whistle as the street's liaison
        "liaison_admin.index": ("GET", "/portal/admin/community-liaisons/", {"street"}),
        "liaison_admin.change": (
            "POST",
            f"/portal/admin/community-liaisons/{o.liaison_appointment['id']}/change",
            {"street"},
        ),
        "liaison_admin.revoke": (
            "POST",
            f"/portal/admin/community-liaisons/{o.liaison_appointment['id']}/revoke",
            {"street"},
        ),
        "liaison.home": ("GET", "/portal/liaison/", {"liaison"}),
        "liaison.community": ("GET", "/portal/liaison/c/ca", {"liaison"}),
        "liaison.need": ("GET", f"/portal/liaison/c/ca/needs/{o.need['id']}", {"liaison"}),
        "liaison.whistle": ("GET", f"/portal/liaison/w/dongsi/{o.whistle['id']}", {"liaison"}),
        "liaison.whistle_photo": (
            "GET",
            f"/portal/liaison/w/dongsi/{o.whistle['id']}/photo/none.jpg",
            set(),
        ),  # no such photo: 404 for everyone
        "liaison.requests": ("GET", "/portal/liaison/requests", {"liaison"}),
        "liaison.raise_whistle": (
            "GET",
            f"/portal/liaison/requests/dongsi/{o.whistle_request['id']}/whistle",
            {"liaison"},
        ),
        "liaison.decline": (
            "POST",
            f"/portal/liaison/requests/dongsi/{o.whistle_request['id']}/decline",
            {"liaison"},
        ),
        # 网格 and 楼门院 of A: its admins; the grid worker's own page
        "grids_admin.index": ("GET", f"{c}/grids/", ADMINS_OF_A),
        "grids_admin.add_grid": ("POST", f"{c}/grids/new", ADMINS_OF_A),
        "grids_admin.edit_grid": ("GET", f"{c}/grids/{o.grid['id']}/edit", ADMINS_OF_A),
        "grids_admin.delete_grid": ("POST", f"{c}/grids/{o.grid['id']}/delete", ADMINS_OF_A),
        "grids_admin.add_building": (
            "POST",
            f"{c}/grids/{o.grid['id']}/buildings/new",
            ADMINS_OF_A,
        ),
        "grids_admin.edit_building": (
            "GET",
            f"{c}/grids/buildings/{o.building['id']}/edit",
            ADMINS_OF_A,
        ),
        "grids_admin.delete_building": (
            "POST",
            f"{c}/grids/buildings/{o.building['id']}/delete",
            ADMINS_OF_A,
        ),
        "grids_admin.place": ("POST", f"{c}/grids/place/{o.report['id']}", ADMINS_OF_A),
        "grids_admin.roles": ("GET", f"{c}/grids/roles", ADMINS_OF_A),
        "grids_admin.revoke": (
            "POST",
            f"{c}/grids/roles/{o.grid_appointment['id']}/revoke",
            ADMINS_OF_A,
        ),
        "grids_admin.template": ("GET", f"{c}/grids/template.xlsx", ADMINS_OF_A),
        "grids_admin.import_page": ("GET", f"{c}/grids/import", ADMINS_OF_A),
        "grids_admin.import_confirm": ("POST", f"{c}/grids/import/confirm", ADMINS_OF_A),
        "grid_work.index": ("GET", "/portal/grid/", {"grid_worker"}),
        # the grid worker is also 楼门院长 of the building
        "building_head.index": ("GET", "/portal/building/", {"grid_worker"}),
        "building_head.raise_need": (
            "POST",
            f"/portal/building/c/ca/{o.building['id']}/need",
            {"grid_worker"},
        ),
        "building_head.notice": (
            "POST",
            f"/portal/building/c/ca/{o.building['id']}/notice",
            {"grid_worker"},
        ),
        "grid_work.close": (
            "POST",
            f"/portal/grid/c/ca/needs/{o.grid_need['id']}/close",
            {"grid_worker"},
        ),
        "grid_work.pass_up": (
            "POST",
            f"/portal/grid/c/ca/needs/{o.grid_need['id']}/pass-up",
            {"grid_worker"},
        ),
        # 三级清单: a street's lists (its admin manages them; its communities' admins and the
        # district read them) and the district's (its admins manage them; street admins read)
        "area_lists.index": ("GET", "/portal/admin/area-lists/", ADMINS),
        "area_lists.needs": ("GET", f"{area}/needs", ADMINS),
        "area_lists.new_need": ("GET", f"{area}/needs/new", {"street"}),
        "area_lists.need": ("GET", f"{area}/needs/{o.area_need['id']}", ADMINS),
        "area_lists.edit_need": ("GET", f"{area}/needs/{o.area_need['id']}/edit", {"street"}),
        "area_lists.match": ("POST", f"{area}/needs/{o.area_need['id']}/match", {"street"}),
        "area_lists.unmatch": ("POST", f"{area}/needs/{o.area_need['id']}/unmatch", {"street"}),
        "area_lists.resources": ("GET", f"{area}/resources", ADMINS),
        "area_lists.new_resource": ("GET", f"{area}/resources/new", {"street"}),
        "area_lists.edit_resource": (
            "GET",
            f"{area}/resources/{o.area_resource['id']}/edit",
            {"street"},
        ),
        "area_lists.export": ("GET", f"{area}/export/needs.csv", ADMINS),
        "area_lists.projects": ("GET", f"{district}/projects", AREA),
        "area_lists.new_project": ("GET", f"{district}/projects/new", {"district"}),
        "area_lists.project": ("GET", f"{district}/projects/{o.area_project['id']}", AREA),
        "area_lists.link": (
            "POST",
            f"{district}/projects/{o.area_project['id']}/link/need",
            {"district"},
        ),
        "area_lists.unlink": (
            "POST",
            f"{district}/projects/{o.area_project['id']}/unlink/need",
            {"district"},
        ),
        "area_lists.project_status": (
            "POST",
            f"{district}/projects/{o.area_project['id']}/status/finished",
            {"district"},
        ),
        # 驻区单位: street and district admins register units and appoint their contact; the
        # contact (the steward here) opens the unit's page and acts for it
        "units_admin.index": ("GET", "/portal/admin/units/", AREA),
        "units_admin.new": ("GET", "/portal/admin/units/new", AREA),
        "units_admin.unit": ("GET", f"/portal/admin/units/{o.unit['id']}", AREA),
        "units_admin.appoint": ("POST", f"/portal/admin/units/{o.unit['id']}/contact", AREA),
        "units_admin.revoke": (
            "POST",
            f"/portal/admin/units/{o.unit['id']}/contact/revoke",
            AREA,
        ),
        "unit.index": ("GET", "/portal/unit/", {"steward"}),
        "unit.page": ("GET", f"/portal/unit/{o.unit['id']}/", {"steward"}),
        "unit.letter": ("GET", f"/portal/unit/{o.unit['id']}/letter", {"steward"}),
        "unit.pledge": ("POST", f"/portal/unit/{o.unit['id']}/pledge", {"steward"}),
        "unit.join": (
            "POST",
            f"/portal/unit/{o.unit['id']}/projects/ca/{o.project['id']}/join",
            {"steward"},
        ),
        "unit.take": (
            "POST",
            f"/portal/unit/{o.unit['id']}/needs/ca/{o.need['id']}/take",
            {"steward"},
        ),
    }


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory):
    """A store holding ``Objects``, seeded once per module (per xdist worker)."""
    folder = tmp_path_factory.mktemp("matrix-store")
    store.open_store(folder)
    return folder, Objects()


@pytest.fixture
def objects(seeded_store, data_dir) -> Objects:
    """A private copy of the seeded store in this test's data folder, opened.

    Every test still gets its own fresh store (logging in and POSTs write to it);
    copying the files replaces seeding a new world per test. The returned ``Objects``
    is shared and only read: the copies keep its ids.
    """
    folder, seeded = seeded_store
    shutil.copytree(folder, data_dir, dirs_exist_ok=True)
    store.open_store(data_dir)
    return seeded


@pytest.fixture
def app(data_dir, built_site):
    """The app with the real KB built, so that KB routes answer as in production."""
    from portal import create_app

    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SITE_DIR": str(built_site),
            "SECRET_KEY": "test-secret-" + "k" * 40,
        }
    )


def _login(client, who, objects):
    if who == "anonymous":
        return
    response = client.post(
        "/portal/login",
        data={
            "phone": getattr(objects, who)["phone"],
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, who


def _let_in(response) -> bool:
    """A role is let in unless sent to log in, forbidden or told the object does not exist."""
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code in (301, 302, 303):
        return "/portal/login" not in response.headers.get("Location", "")
    return response.status_code < 400


def _stub_objects() -> Objects:
    """Objects with placeholder ids: enough to list the routes without building a world."""
    o = Objects.__new__(Objects)
    for name in ("member", "admin_a", "grid_worker", "steward", "liaison"):
        setattr(o, name, {"uid": "u", "phone": "p"})
    for name in (
        "report",
        "pending",
        "post_a",
        "shift",
        "past",
        "signup",
        "certificate",
        "need",
        "resource",
        "project",
        "note",
        "whistle",
        "whistle_request",
        "gated",
        "skill_request",
        "grid",
        "building",
        "grid_need",
        "lane",
        "grid_appointment",
        "steward_appointment",
        "liaison_appointment",
        "patrol",
        "finding",
        "area_need",
        "area_resource",
        "area_project",
        "unit",
    ):
        setattr(o, name, {"id": "x", "serial": "s", "status_token": "t"})
    o.ical = "t"
    return o


def test_every_route_is_in_the_matrix(app, world):
    o = _stub_objects()
    known = set(_routes(o))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - known == set(), "routes missing from the access matrix"


@pytest.mark.parametrize("who", ROLES)
def test_get_routes_let_in_exactly_their_roles(app, objects, who):
    client = app.test_client()
    _login(client, who, objects)
    wrong = []
    for endpoint, (method, url, allowed) in _routes(objects).items():
        if method != "GET":
            continue
        response = client.get(url)
        if _let_in(response) != (who in allowed):
            wrong.append(f"{endpoint} {url}: {response.status_code}")
        if who == "admin_b" and allowed == ADMINS_OF_A and response.status_code != 404:
            wrong.append(
                f"{endpoint}: another community's admin must get 404, got {response.status_code}"
            )
        if who not in allowed and who != "anonymous":
            html = response.get_data(as_text=True)
            assert objects.member["phone"] not in html or endpoint.startswith("account."), endpoint
    assert not wrong, f"{who}: " + "; ".join(wrong)


def _post_routes():
    o = _stub_objects()
    return sorted(e for e, (m, _u, _a) in _routes(o).items() if m == "POST")


def _store_bytes(data_dir):
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*.json"))
        if p.relative_to(data_dir).parts[0] not in ("throttle", "notifications", "audit")
    }


@pytest.mark.parametrize("endpoint", _post_routes())
def test_post_routes_refuse_other_roles_and_change_nothing(app, data_dir, objects, endpoint):
    method, url, allowed = _routes(objects)[endpoint]
    for who in ROLES:
        if who in allowed:
            continue
        client = app.test_client()
        _login(client, who, objects)
        before = _store_bytes(data_dir)
        response = client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "reason": "x",
                "days": "7",
                "text": "x",
                "satisfaction": "5",
            },
        )
        assert not _let_in(response), f"{who} got into {endpoint}: {response.status_code}"
        assert _store_bytes(data_dir) == before, f"{who} changed data through {endpoint}"
    for who in sorted(allowed):
        client = app.test_client()
        _login(client, who, objects)
        response = client.post(url, data={"csrf_token": csrf_token(client)})
        # A form shown again with its errors (400, the error summary) let the role in too.
        shown_again = response.status_code == 400 and "error-summary" in response.get_data(
            as_text=True
        )
        assert _let_in(response) or shown_again, (
            f"{who} refused by {endpoint}: {response.status_code}"
        )
        break  # one allowed role suffices: the action may change what the next would see
