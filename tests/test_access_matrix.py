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
        # 接诉即办: an order entered by the district, routed down to A's first grid
        self.hotline_order, self.hotline_token = _hotline_order(self)
        # 未诉先办: three orders of one class at one address today, and a task on them
        self.proactive_task = _proactive_task(self)
        # 议事厅: the volunteer lives in 5号楼 (confirmed), the member's home waits for the
        # 楼门院长 (the grid worker); a proposal collecting support, one whose vote is open
        # (three more neighbours put it on the agenda), a comment and a meeting.
        bid, admin = self.building["id"], self.admin_a["uid"]
        self.council_hall = f"b-{bid}"
        store.register_home("ca", self.volunteer["uid"], bid, "101")
        store.confirm_resident("ca", self.volunteer["uid"], admin)
        store.register_home("ca", self.member["uid"], bid, "102")
        self.proposal = store.propose(
            "ca", self.council_hall, self.volunteer["uid"], title="加装扶手", description="d"
        )
        self.council_comment = store.comment_proposal(
            "ca", self.proposal["id"], self.volunteer["uid"], "同意"
        )
        self.voting = store.propose(
            "ca", self.council_hall, self.volunteer["uid"], title="修车棚", description="d"
        )
        for n in range(3):
            neighbour = make_user(f"1380000004{n}", "volunteer", home_cid="ca")
            store.register_home("ca", neighbour["uid"], bid, f"20{n}")
            store.confirm_resident("ca", neighbour["uid"], admin)
            store.support_proposal("ca", self.voting["id"], neighbour["uid"])
        store.open_vote("ca", self.voting["id"], admin, 7)
        self.meeting = store.schedule_meeting(
            "ca",
            self.council_hall,
            starts_at=datetime.now() + timedelta(hours=1),
            place="小院",
            proposal_ids=[self.voting["id"]],
            roles=["building_head"],
            by=admin,
        )


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
        "community_lists.match_need": (
            "POST",
            f"{lists}/needs/{o.need['id']}/match",
            ADMINS_OF_A,
        ),
        "community_lists.unmatch_need": (
            "POST",
            f"{lists}/needs/{o.need['id']}/unmatch",
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
        # 议事厅: public pages for everyone; residents in scope (the volunteer) act on the
        # building's matters, anyone else gets 404; the 楼门院长 (the grid worker) proposes
        # and confirms homes; A's admins do the staff work
        **_council_routes(o),
        **_hotline_routes(o),
        # 接诉即办 figures: 三率 of a unit in scope (A's admins; B → 404), area admins'
        # exports and 每月一题, staff's 未诉先办, and the public page
        **_hotline_figures_routes(o),
    }


def _proactive_task(o: Objects) -> dict:
    at = datetime.now() - timedelta(hours=1)
    district = {"uid": o.district["uid"], "name": "区", "role": "district_admin"}
    street = {"uid": o.street["uid"], "name": "街道", "role": "street_admin"}
    rows = [
        {
            "工单编号": f"PT-{n}",
            "受理时间": at.strftime("%Y-%m-%d %H:%M"),
            "诉求人": "",
            "联系电话": "",
            "诉求内容": "路灯不亮",
            "诉求类别": "路灯照明",
            "地址": "东四三条 1 号",
            "所属街道": "东四街道",
            "所属社区": "测试甲社区",
            "办理时限": "",
        }
        for n in range(3)
    ]
    store.apply_hotline_import(rows, "district", district, at=at)
    spot = store.hotline_hotspots("dongsi", "ca")[0]
    return store.open_proactive_task(
        "dongsi", None, spot["category"], spot["kind"], spot["place"], "检修", street
    )


def _hotline_figures_routes(o: Objects) -> dict:
    f, task = "/portal/hotline-figures", o.proactive_task["id"]
    a = "unit=community:ca"
    return {
        "hotline_figures.index": ("GET", f"{f}/?{a}", ADMINS_OF_A),
        "hotline_figures.report": ("GET", f"{f}/report?{a}", ADMINS_OF_A),
        "hotline_figures.export": ("GET", f"{f}/export/communities.xlsx", AREA),
        "hotline_proactive.index": ("GET", f"{f}/proactive/?{a}", ADMINS_OF_A),
        "hotline_proactive.open_task": ("POST", f"{f}/proactive/open?{a}", {"admin_a", "street"}),
        "hotline_proactive.result": (
            "POST",
            f"{f}/proactive/t/dongsi/{task}/result?{a}",
            {"admin_a", "street"},
        ),
        "hotline_topics.index": ("GET", f"{f}/topics/?scope=dongsi", AREA),
        "hotline_topics.save": ("POST", f"{f}/topics/save?scope=dongsi", AREA),
        "hotline_topics.result": ("POST", f"{f}/topics/result?scope=dongsi", AREA),
        "hotline_figures_public.index": ("GET", f"{f}/public/", EVERYONE),
    }


def _hotline_order(o: Objects) -> tuple[dict, str]:
    """An order of A (its caller's number the member's) at A's first grid, signed there."""
    people = [
        {"uid": u["uid"], "name": u["name"], "role": u["role"]}
        for u in (o.district, o.street, o.admin_a)
    ]
    order, token = store.create_hotline_order(
        "district",
        people[0],
        channel="reception",
        category="streetlight",
        caller="张",
        phone=o.member["phone"],
        content="路灯不亮",
    )
    oid = order["id"]
    store.dispatch_hotline_order(oid, "district", people[0], "street:dongsi")
    store.sign_hotline_order(oid, "street:dongsi", people[1])
    store.dispatch_hotline_order(oid, "street:dongsi", people[1], "community:ca")
    store.sign_hotline_order(oid, "community:ca", people[2])
    store.dispatch_hotline_order(oid, "community:ca", people[2], f"grid:ca:{o.grid['id']}")
    return order, token


def _hotline_routes(o: Objects) -> dict:
    """接诉即办: handlers of a unit get the lists; the order's page and steps are for the
    units it is routed to (A, its street, the district, the grid worker of its grid), a
    404 for A's neighbour; import for the district; the resident's link for whoever holds
    it; a steward turns their own finding into an order."""
    h, oid = "/portal/hotline", o.hotline_order["id"]
    seen_by = {"admin_a", "street", "district", "grid_worker"}
    steps = ("dispatch", "sign", "contact", "answer", "return", "extension", "whistle")
    routes = {
        f"hotline.{'return_order' if s == 'return' else s}": ("POST", f"{h}/o/{oid}/{s}", seen_by)
        for s in steps
    }
    return routes | {
        "hotline.index": (
            "GET",
            f"{h}/",
            {"admin_a", "admin_b", "street", "district", "grid_worker"},
        ),
        "hotline.order": ("GET", f"{h}/o/{oid}", seen_by),
        "hotline.decide": ("POST", f"{h}/o/{oid}/extension/decide", seen_by),
        "hotline.followup": ("POST", f"{h}/o/{oid}/followup", seen_by),
        "hotline.close": ("POST", f"{h}/o/{oid}/close", seen_by),
        "hotline.link": ("POST", f"{h}/o/{oid}/link", seen_by),
        "hotline.phone": ("POST", f"{h}/o/{oid}/phone", seen_by),
        "hotline.template": ("GET", f"{h}/template.xlsx", {"district"}),
        "hotline.dispatch_suggested": ("POST", f"{h}/dispatch-suggested", AREA),
        "hotline.import_page": ("GET", f"{h}/import", {"district"}),
        "hotline.import_confirm": ("POST", f"{h}/import/confirm", {"district"}),
        "hotline.new": ("GET", f"{h}/new", {"street", "district"}),
        "hotline.from_need": ("POST", f"{h}/from-need/ca/{o.need['id']}", ADMINS_OF_A),
        "hotline.from_finding": (
            "POST",
            f"{h}/from-finding/dongsi/{o.patrol['id']}/{o.finding['id']}",
            {"steward"},
        ),
        "hotline_public.status": ("GET", f"{h}/s/{o.hotline_token}", EVERYONE),
        "hotline_public.rate": ("POST", f"{h}/s/{o.hotline_token}/rate", EVERYONE),
    }


def _council_routes(o: Objects) -> dict:
    pub, adm = "/portal/council/c/ca", "/portal/admin/c/ca/council"
    p, v, mt, hall = o.proposal["id"], o.voting["id"], o.meeting["id"], o.council_hall
    resident = {"volunteer"}
    return {
        "council.halls": ("GET", f"{pub}/", EVERYONE),
        "council.hall": ("GET", f"{pub}/h/{hall}/", EVERYONE),
        "council.proposal": ("GET", f"{pub}/p/{p}", EVERYONE),
        "council.photo": ("GET", f"{pub}/p/{p}/photo", set()),  # no photo: 404 for all
        "council.recount": ("GET", f"{pub}/p/{v}/recount", EVERYONE),
        "council.meeting": ("GET", f"{pub}/m/{mt}", EVERYONE),
        "council_me.home": ("GET", "/portal/council/", PARTICIPANTS),
        "council_me.register_home": ("GET", f"{pub}/home", PARTICIPANTS),
        "council_me.confirm": (
            "POST",
            f"{pub}/residents/{o.member['uid']}/confirm",
            {"grid_worker"},
        ),
        "council_me.propose": ("GET", f"{pub}/h/{hall}/propose", resident | {"grid_worker"}),
        "council_me.support": ("POST", f"{pub}/p/{v}/support", resident),
        "council_me.comment": ("POST", f"{pub}/p/{p}/comment", resident),
        "council_me.vote": ("POST", f"{pub}/p/{v}/vote", resident),
        "council_me.rate": ("POST", f"{pub}/p/{p}/rate", resident),
        "council_me.sign_in": ("GET", f"{pub}/m/{mt}/sign-in", PARTICIPANTS),
        # the grid worker holds the meetings of the grid's halls
        "council_grid.index": ("GET", "/portal/council/grid/c/ca/", {"grid_worker"}),
        "council_grid.new_meeting": (
            "GET",
            "/portal/council/grid/c/ca/meetings/new",
            {"grid_worker"},
        ),
        "council_grid.meeting": ("GET", f"/portal/council/grid/c/ca/m/{mt}", {"grid_worker"}),
        "council_grid.meeting_qr": (
            "GET",
            f"/portal/council/grid/c/ca/m/{mt}/qr.svg",
            {"grid_worker"},
        ),
        "council_grid.minutes": (
            "POST",
            f"/portal/council/grid/c/ca/m/{mt}/minutes",
            {"grid_worker"},
        ),
        "council_admin.index": ("GET", f"{adm}/", ADMINS_OF_A),
        "council_admin.confirm_resident": (
            "POST",
            f"{adm}/residents/{o.member['uid']}/confirm",
            ADMINS_OF_A,
        ),
        "council_admin.remove_resident": (
            "POST",
            f"{adm}/residents/{o.member['uid']}/remove",
            ADMINS_OF_A,
        ),
        "council_admin.set_mode": ("POST", f"{adm}/h/{hall}/mode", ADMINS_OF_A),
        "council_admin.merge": ("POST", f"{adm}/p/{p}/merge", ADMINS_OF_A),
        "council_admin.decline": ("POST", f"{adm}/p/{p}/decline", ADMINS_OF_A),
        "council_admin.hide_comment": (
            "POST",
            f"{adm}/comments/{o.council_comment['id']}/hide",
            ADMINS_OF_A,
        ),
        "council_admin.new_meeting": ("GET", f"{adm}/meetings/new", ADMINS_OF_A),
        "council_admin.meeting": ("GET", f"{adm}/m/{mt}", ADMINS_OF_A),
        "council_admin.meeting_qr": ("GET", f"{adm}/m/{mt}/qr.svg", ADMINS_OF_A),
        "council_admin.minutes": ("POST", f"{adm}/m/{mt}/minutes", ADMINS_OF_A),
        "council_admin.open_vote": ("POST", f"{adm}/p/{p}/vote/open", ADMINS_OF_A),
        "council_admin.close_vote": ("POST", f"{adm}/p/{v}/vote/close", ADMINS_OF_A),
        "council_admin.start_project": ("POST", f"{adm}/p/{v}/project", ADMINS_OF_A),
        "council_admin.progress": ("POST", f"{adm}/p/{v}/progress", ADMINS_OF_A),
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
    for name in ("proposal", "voting", "meeting", "council_comment"):
        setattr(o, name, {"id": "x"})
    o.council_hall = "community"
    o.ical = "t"
    o.hotline_order, o.hotline_token = {"id": "x"}, "t"
    o.proactive_task = {"id": "x"}
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
