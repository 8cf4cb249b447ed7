"""The 驻区单位 pages: the street and district admins register units and appoint (and
revoke) their contact; the contact's unit page pledges a resource, joins a project, takes
on a need and shows the hours of the members who chose the unit on their profile, with a
quarterly letter. Refusals are in Chinese and change nothing; anything outside the admin's
street or the contact's unit is a 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal import store
from tests.conftest import make_user

ADMIN = "/portal/admin/units"
UNIT = "/portal/unit"


def _audit(action: str, street: str | None = "dongsi") -> list[dict]:
    month = store.now().strftime("%Y-%m")
    return [e for e in store.list_audit(month, street) if e["action"] == action]


def _unit(world, name="东四测试单位", contact=None) -> dict:
    """A street-level unit of 东四, with ``contact`` (a user) appointed if given."""
    unit = store.register_unit(
        name=name, level="street", street_id="dongsi", phone="13600000009", by=world.street["uid"]
    )
    if contact is not None:
        store.appoint_unit_contact(unit["id"], contact["uid"], world.street["uid"])
    return unit


# ---------------------------------------------------------------- the admins


def test_street_admin_registers_a_unit(world, client, auth):
    auth.login(world.street["phone"])
    page = client.get(f"{ADMIN}/new").get_data(as_text=True)
    assert "登记驻区单位" in page and 'value="district"' not in page  # street level only
    data = {
        "name": "东四测试单位",
        "level": "street",
        "street_id": "dongsi",
        "phone": "010-64001234",
        "description": "机关单位",
    }
    # Refusals: the form again with Chinese messages, nothing registered.
    for change, words in [
        ({"name": ""}, "请填写单位名称"),
        ({"name": "长" * 41}, "单位名称不能超过 40 个字"),
        ({"phone": "123"}, "请输入有效的联系电话"),
        ({"level": "district"}, "请选择单位级别"),
        ({"street_id": "jingshan"}, "请选择单位所在的街道"),
        ({"description": "长" * 201}, "单位简介不能超过 200 个字"),
    ]:
        page = auth.post(f"{ADMIN}/new", data | change).get_data(as_text=True)
        assert words in page, words
    assert store.list_units() == []
    response = auth.post(f"{ADMIN}/new", data)
    (unit,) = store.list_units()
    assert response.headers["Location"].endswith(f"{ADMIN}/{unit['id']}")
    assert (unit["level"], unit["street_id"], unit["phone"]) == ("street", "dongsi", "010-64001234")
    entry = _audit("登记驻区单位")[0]
    assert (entry["target"], entry["street_id"]) == ("驻区单位 东四测试单位", "dongsi")
    page = auth.post(f"{ADMIN}/new", data).get_data(as_text=True)
    assert "已登记过名为“东四测试单位”的单位" in page and len(store.list_units()) == 1
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert "东四测试单位" in page and "未任命" in page


def test_district_admin_registers_a_district_unit(world, client, auth):
    auth.login(world.district["phone"])
    data = {"name": "区级测试单位", "level": "district", "street_id": "", "phone": "13600000001"}
    assert auth.post(f"{ADMIN}/new", data).status_code == 302
    (unit,) = store.list_units()
    assert (unit["level"], unit["street_id"]) == ("district", None)
    assert _audit("登记驻区单位", None)
    page = auth.post(f"{ADMIN}/new", data | {"level": "street"}).get_data(as_text=True)
    assert "请选择单位所在的街道" in page and len(store.list_units()) == 1
    # The district admin narrows the list by street or level.
    _unit(world)
    assert "东四测试单位" not in client.get(f"{ADMIN}/?scope=district").get_data(as_text=True)
    page = client.get(f"{ADMIN}/?scope=dongsi").get_data(as_text=True)
    assert "东四测试单位" in page and "区级测试单位" not in page


def test_admin_appoints_and_revokes_the_contact(world, client, auth):
    unit = _unit(world)
    url = f"{ADMIN}/{unit['id']}"
    auth.login(world.street["phone"])
    for phone, words in [
        ("13900009999", "没有找到使用这个手机号注册的账号"),
        ("123", "请输入 11 位中国大陆手机号"),
        (world.admin_a["phone"], "只能任命已注册的在职党员或志愿者"),
    ]:
        page = auth.post(f"{url}/contact", {"phone": phone}, follow=True).get_data(as_text=True)
        assert words in page, words
    assert store.unit_contact(unit["id"]) is None
    page = auth.post(f"{url}/contact", {"phone": world.volunteer["phone"]}, follow=True)
    assert f"已任命{world.volunteer['name']}为“东四测试单位”的联系人" in page.get_data(as_text=True)
    assert store.unit_contact(unit["id"])["uid"] == world.volunteer["uid"]
    assert _audit("任命驻区单位联系人")[0]["after"] == world.volunteer["name"]
    page = client.get(url).get_data(as_text=True)
    assert world.volunteer["name"] in page and world.volunteer["phone"] not in page  # masked
    page = auth.post(f"{url}/contact", {"phone": world.member["phone"]}, follow=True)
    assert "请先撤销原联系人" in page.get_data(as_text=True)
    # The contact opens the unit's page; revoked, they cannot any more.
    auth.logout()
    auth.login(world.volunteer["phone"])
    response = client.get(f"{UNIT}/")
    assert response.headers["Location"].endswith(f"{UNIT}/{unit['id']}/")
    assert "东四测试单位" in client.get(f"{UNIT}/{unit['id']}/").get_data(as_text=True)
    auth.logout()
    auth.login(world.street["phone"])
    page = auth.post(f"{url}/contact/revoke", follow=True).get_data(as_text=True)
    assert "已撤销" in page and store.unit_contact(unit["id"]) is None
    assert _audit("撤销驻区单位联系人")[0]["before"] == world.volunteer["name"]
    page = auth.post(f"{url}/contact/revoke", follow=True).get_data(as_text=True)
    assert "这个单位目前没有联系人" in page
    auth.logout()
    auth.login(world.volunteer["phone"])
    assert client.get(f"{UNIT}/").status_code == 403
    assert client.get(f"{UNIT}/{unit['id']}/").status_code == 403


def test_another_streets_admin_gets_404(world, client, auth):
    unit = _unit(world)
    other = make_user("13800000041", "street_admin", scope="jingshan")
    auth.login(other["phone"])
    assert "东四测试单位" not in client.get(f"{ADMIN}/").get_data(as_text=True)
    assert client.get(f"{ADMIN}/{unit['id']}").status_code == 404
    assert client.get(f"{ADMIN}/nounit").status_code == 404
    phone = {"phone": world.volunteer["phone"]}
    assert auth.post(f"{ADMIN}/{unit['id']}/contact", phone).status_code == 404
    assert store.unit_contact(unit["id"]) is None
    # A district-level unit is the district admin's alone.
    district = store.register_unit(
        name="区级单位", level="district", street_id=None, phone="13600000001", by="x"
    )
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get(f"{ADMIN}/{district['id']}").status_code == 404
    for who in (world.admin_a, world.member):
        auth.logout()
        auth.login(who["phone"])
        assert client.get(f"{ADMIN}/").status_code == 403


# ---------------------------------------------------------------- the unit's page


def test_pledge_join_and_take(world, client, auth):
    contact = world.volunteer
    unit = _unit(world, contact=contact)
    project = store.create_project("ca", world.admin_a["uid"], name="助老项目")
    need = store.create_need(
        "ca",
        category="legal",
        description="需要法律咨询",
        raised_by="resident",
        name="张阿姨",
        phone="13600000077",
    )
    url = f"{UNIT}/{unit['id']}"
    auth.login(contact["phone"])
    page = client.get(f"{url}/").get_data(as_text=True)
    assert "助老项目" in page and "需要法律咨询" in page
    assert "张阿姨" not in page and "13600000077" not in page  # the resident's name and phone
    assert "测试丙社区" not in page  # another street's community is not offered
    # Pledge: refusals first, nothing added.
    data = {"target": "community:ca", "name": "会议室", "kind": "venue", "availability": "周末"}
    for change, words in [
        ({"name": ""}, "请填写资源名称"),
        ({"kind": ""}, "请选择资源类型"),
        ({"target": "community:cc"}, "请选择把资源提供给哪个清单"),
        ({"target": "district:district"}, "请选择把资源提供给哪个清单"),
    ]:
        page = auth.post(f"{url}/pledge", data | change, follow=True).get_data(as_text=True)
        assert words in page, words
    assert store.list_resources("ca") == [] and store.list_resources("cc") == []
    page = auth.post(f"{url}/pledge", data, follow=True).get_data(as_text=True)
    assert "已把“会议室”提供给测试甲社区的资源清单" in page
    (resource,) = store.list_resources("ca")
    assert (resource["provider"], resource["provider_type"]) == ("东四测试单位", "unit")
    assert _audit("驻区单位提供资源")[0]["community_id"] == "ca"
    page = auth.post(f"{url}/pledge", data | {"target": "street:dongsi"}, follow=True)
    assert "已把“会议室”提供给东四街道的资源清单" in page.get_data(as_text=True)
    assert store.list_area_resources("street", "dongsi")[0]["unit_id"] == unit["id"]
    # Join the project, twice.
    join = f"{url}/projects/ca/{project['id']}/join"
    page = auth.post(join, follow=True).get_data(as_text=True)
    assert "已加入测试甲社区的项目“助老项目”" in page and "本单位已加入" in page
    assert store.get_project("ca", project["id"])["unit_ids"] == [unit["id"]]
    page = auth.post(join, follow=True).get_data(as_text=True)
    assert "本单位已经加入了这个项目" in page
    assert store.get_project("ca", project["id"])["unit_ids"] == [unit["id"]]
    # Take the need, twice; a need that is done is refused.
    take = f"{url}/needs/ca/{need['id']}/take"
    page = auth.post(take, follow=True).get_data(as_text=True)
    assert "已认领测试甲社区的这条需求" in page and "本单位已认领" in page
    taken = store.get_need("ca", need["id"])["taken_by_unit"]
    assert (taken["unit_id"], taken["by"]) == (unit["id"], contact["uid"])
    assert "本单位已经认领了这条需求" in auth.post(take, follow=True).get_data(as_text=True)
    done = store.create_need("ca", category="legal", description="已办结", raised_by="resident")
    store.start_need("ca", done["id"], world.admin_a["uid"])
    store.close_need("ca", done["id"], world.admin_a["uid"])
    page = auth.post(f"{url}/needs/ca/{done['id']}/take", follow=True).get_data(as_text=True)
    assert "这条需求已经办结，不能再认领" in page
    assert "taken_by_unit" not in store.get_need("ca", done["id"])
    activity = store.unit_activity(unit["id"])
    assert [len(activity[k]) for k in ("pledges", "projects", "needs")] == [2, 1, 1]
    page = client.get(f"{url}/").get_data(as_text=True)
    assert "提供的资源（2）" in page and "加入的项目（1）" in page and "认领的需求（1）" in page
    # The contact of two units chooses one on /portal/unit/.
    second = _unit(world, name="第二个单位", contact=contact)
    page = client.get(f"{UNIT}/").get_data(as_text=True)
    assert "东四测试单位" in page and "第二个单位" in page
    assert client.get(f"{UNIT}/{second['id']}/").status_code == 200
    # The street admin sees what the unit did.
    auth.logout()
    auth.login(world.street["phone"])
    page = client.get(f"{ADMIN}/{unit['id']}").get_data(as_text=True)
    assert "会议室" in page and "东四街道" in page and "助老项目" in page
    assert "提供的资源（2）" in page and "认领的需求（1）" in page


def test_outside_the_unit_is_404(world, client, auth):
    contact = world.volunteer
    unit = _unit(world, contact=contact)
    other = _unit(world, name="另一个单位", contact=world.member)
    far_project = store.create_project("cc", world.admin_a["uid"], name="景山项目")
    far_need = store.create_need("cc", category="legal", description="景山", raised_by="resident")
    project = store.create_project("ca", world.admin_a["uid"], name="助老项目")
    auth.login(contact["phone"])
    url = f"{UNIT}/{unit['id']}"
    assert client.get(f"{UNIT}/{other['id']}/").status_code == 404
    assert client.get(f"{UNIT}/{other['id']}/letter").status_code == 404
    assert client.get(f"{UNIT}/nounit/").status_code == 404
    assert client.get(f"{url}/?c=cc").status_code == 404
    assert client.get(f"{url}/letter?q=2026-Q9").status_code == 404
    assert auth.post(f"{UNIT}/{other['id']}/projects/ca/{project['id']}/join").status_code == 404
    assert auth.post(f"{url}/projects/cc/{far_project['id']}/join").status_code == 404
    assert auth.post(f"{url}/projects/ca/noproject/join").status_code == 404
    assert auth.post(f"{url}/needs/cc/{far_need['id']}/take").status_code == 404
    assert auth.post(f"{url}/needs/ca/noneed/take").status_code == 404
    assert "unit_ids" not in store.get_project("ca", project["id"])
    assert "unit_ids" not in store.get_project("cc", far_project["id"])
    assert "taken_by_unit" not in store.get_need("cc", far_need["id"])
    # Anybody who is no unit's contact: 403.
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get(f"{UNIT}/").status_code == 403
    auth.logout()
    auth.login(make_user("13800000081", "volunteer", home_cid="ca")["phone"])
    assert client.get(f"{url}/").status_code == 403


# ---------------------------------------------------------------- members and hours


def _profile(member: dict, **extra) -> dict:
    return {
        "name": member["name"],
        "work_unit": "测试单位",
        "party_org": "测试党支部",
        "home_cid": "ca",
        "availability": ["weekend"],
    } | extra


def test_member_chooses_the_unit_on_the_profile(world, client, auth):
    unit = _unit(world)
    auth.login(world.volunteer["phone"])
    assert "所在驻区单位" not in client.get("/portal/profile").get_data(as_text=True)
    auth.logout()
    auth.login(world.member["phone"])
    page = client.get("/portal/profile").get_data(as_text=True)
    assert "所在驻区单位（选填）" in page and "东四测试单位" in page
    assert "选择即表示您同意" in page  # the consent, beside the field
    page = auth.post("/portal/profile", _profile(world.member, unit_id="nounit"))
    assert "请从列表中选择驻区单位" in page.get_data(as_text=True)
    assert store.chosen_unit(world.member["uid"]) is None
    response = auth.post("/portal/profile", _profile(world.member, unit_id=unit["id"]))
    assert response.status_code == 302
    assert store.chosen_unit(world.member["uid"]) == unit["id"]
    page = client.get("/portal/profile").get_data(as_text=True)
    assert f'value="{unit["id"]}" selected' in page
    assert auth.post("/portal/profile", _profile(world.member, unit_id="")).status_code == 302
    assert store.chosen_unit(world.member["uid"]) is None


def _report_in(world, uid: str) -> None:
    report = store.submit_report_in(uid, "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])


def _serve(world, uid: str, day: date) -> None:
    _post, shift = world.post(day=day.isoformat(), title=f"服务{day}")
    moment = datetime.combine(day, datetime.min.time())
    row = store.sign_up("ca", shift["id"], uid, at=moment - timedelta(days=3))
    after = moment + timedelta(hours=23)
    store.mark_attendance(
        "ca", shift["id"], row["id"], store.PRESENT, world.admin_a["uid"], at=after
    )
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"], at=after)


def test_hours_shown_only_for_members_who_chose_the_unit(world, client, auth):
    unit = _unit(world, contact=world.volunteer)
    chose = world.member
    other = make_user("13800000072", "member", home_cid="ca", name="没选单位的党员")
    for uid in (chose["uid"], other["uid"]):
        _report_in(world, uid)
    quarter = store.quarter_of(store.now().date())
    first, _last = store.quarter_range(quarter)
    for uid in (chose["uid"], other["uid"]):
        _serve(world, uid, first)
    url = f"{UNIT}/{unit['id']}"
    auth.login(world.volunteer["phone"])
    page = client.get(f"{url}/").get_data(as_text=True)
    assert chose["name"] not in page and "没选单位的党员" not in page
    assert "还没有选择本单位并已报到的在职党员" in page
    store.choose_unit(chose["uid"], unit["id"])
    page = client.get(f"{url}/").get_data(as_text=True)
    assert chose["name"] in page and "没选单位的党员" not in page
    assert "2 小时（1 次）" in page and chose["phone"] not in page
    letter = client.get(f"{url}/letter?q={quarter}").get_data(as_text=True)
    assert "在职党员回社区报到服务情况" in letter and chose["name"] in letter
    assert "经社区确认的服务工时共 <strong>2</strong> 小时" in letter
    assert "没选单位的党员" not in letter and chose["phone"] not in letter
    # The member changes their mind: gone from the page and the letter.
    store.choose_unit(chose["uid"], None)
    assert chose["name"] not in client.get(f"{url}/").get_data(as_text=True)
    assert chose["name"] not in client.get(f"{url}/letter?q={quarter}").get_data(as_text=True)
