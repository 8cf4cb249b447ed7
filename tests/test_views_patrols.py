"""The 小巷管家 pages: the street admin's lanes, stewards and figures; the steward's patrol
log on the phone (start, findings with a photo, end, a finding turned into a need); refusals
in Chinese that change nothing; and 404s outside the steward's own patrols and lanes."""

from __future__ import annotations

import io

from PIL import Image

from portal import store
from tests.conftest import make_user, stored_photos

ADMIN = "/portal/admin/lanes"
LOG = "/portal/patrols"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 120, 30)).save(buf, "JPEG")
    return buf.getvalue()


def _audit(action: str) -> list[dict]:
    month = store.now().strftime("%Y-%m")
    return [e for e in store.list_audit(month, "dongsi") if e["action"] == action]


def _steward(world, phone="13800000031", lanes=None):
    """A volunteer appointed 小巷管家 of 东四北大街 (made if needed); returns (user, lane)."""
    lane = next((x for x in store.list_lanes("dongsi") if x["name"] == "东四北大街"), None)
    lane = lane or store.add_lane("dongsi", "东四北大街")
    user = make_user(phone, "volunteer", home_cid="ca")
    store.appoint(
        "street", "dongsi", user["uid"], "lane_steward", lanes or [lane["id"]], world.street["uid"]
    )
    return user, lane


# ---------------------------------------------------------------- the street admin


def test_street_admin_adds_and_renames_lanes(world, client, auth):
    auth.login(world.street["phone"])
    page = auth.post(f"{ADMIN}/add", {"name": "东四北大街"}, follow=True).get_data(as_text=True)
    assert "已新增街巷“东四北大街”" in page
    (lane,) = store.list_lanes("dongsi")
    assert _audit("新增街巷")[0]["after"] == "东四北大街"
    # Refusals: flashed in Chinese, nothing added.
    for name, words in [
        ("", "请填写街巷名称"),
        ("长" * 31, "不能超过 30 个字"),
        ("东四北大街", "已有名为"),
    ]:
        page = auth.post(f"{ADMIN}/add", {"name": name}, follow=True).get_data(as_text=True)
        assert words in page
    assert len(store.list_lanes("dongsi")) == 1
    page = auth.post(f"{ADMIN}/{lane['id']}/rename", {"name": "东四南大街"}, follow=True)
    assert "已将“东四北大街”改名为“东四南大街”" in page.get_data(as_text=True)
    assert store.get_lane("dongsi", lane["id"])["name"] == "东四南大街"
    entry = _audit("街巷改名")[0]
    assert (entry["before"], entry["after"], entry["street_id"]) == (
        "东四北大街",
        "东四南大街",
        "dongsi",
    )
    assert auth.post(f"{ADMIN}/nolane/rename", {"name": "x"}).status_code == 404
    # Another street's admin sees only their own street and cannot rename this lane.
    other = make_user("13800000041", "street_admin", scope="jingshan")
    auth.logout()
    auth.login(other["phone"])
    assert "东四南大街" not in client.get(f"{ADMIN}/").get_data(as_text=True)
    assert auth.post(f"{ADMIN}/{lane['id']}/rename", {"name": "景山"}).status_code == 404
    assert store.get_lane("dongsi", lane["id"])["name"] == "东四南大街"


def test_street_admin_appoints_changes_and_revokes_a_steward(world, client, auth):
    north = store.add_lane("dongsi", "东四北大街")
    alley = store.add_lane("dongsi", "史家胡同")
    auth.login(world.street["phone"])
    data = {"phone": world.volunteer["phone"], "lanes": [north["id"]]}
    # Refusals first: nothing is appointed.
    for extra, words in [
        ({"phone": "13900009999"}, "没有找到使用这个手机号注册的账号"),
        ({"phone": "123"}, "请输入 11 位中国大陆手机号"),
        ({"phone": world.admin_a["phone"]}, "只能任命已注册的在职党员或志愿者"),
        ({"lanes": []}, "请至少选择一条街巷"),
        ({"lanes": ["nolane"]}, "所选街巷无效"),
    ]:
        page = auth.post(f"{ADMIN}/stewards", data | extra, follow=True).get_data(as_text=True)
        assert words in page, words
    assert store.list_appointments("street", "dongsi") == []
    page = auth.post(f"{ADMIN}/stewards", data, follow=True).get_data(as_text=True)
    assert f"已任命{world.volunteer['name']}为小巷管家，负责：东四北大街" in page
    (row,) = store.list_appointments("street", "dongsi")
    assert (row["role"], row["targets"]) == ("lane_steward", [north["id"]])
    assert _audit("任命小巷管家")[0]["after"] == "东四北大街"
    page = client.get(f"{ADMIN}/").get_data(as_text=True)
    assert world.volunteer["name"] in page and world.volunteer["phone"] not in page  # masked
    # Twice: refused by the store.
    page = auth.post(f"{ADMIN}/stewards", data, follow=True).get_data(as_text=True)
    assert "已经是小巷管家" in page
    # Change the lanes, then revoke.
    lanes = sorted([north["id"], alley["id"]])
    page = auth.post(f"{ADMIN}/stewards/{row['id']}/lanes", {"lanes": lanes}, follow=True)
    assert "已调整" in page.get_data(as_text=True)
    assert store.list_appointments("street", "dongsi")[0]["targets"] == lanes
    assert _audit("调整小巷管家负责街巷")[0]["before"] == "东四北大街"
    page = auth.post(f"{ADMIN}/stewards/{row['id']}/revoke", follow=True).get_data(as_text=True)
    assert "已撤销" in page and store.list_appointments("street", "dongsi") == []
    assert _audit("撤销小巷管家")
    # A revoked one, another role's appointment, a made-up id: 404, nothing changes.
    liaison = store.appoint(
        "street", "dongsi", world.member["uid"], "community_liaison", ["ca"], world.street["uid"]
    )
    for aid in (row["id"], liaison["id"], "noone"):
        assert auth.post(f"{ADMIN}/stewards/{aid}/revoke").status_code == 404
        assert auth.post(f"{ADMIN}/stewards/{aid}/lanes", {"lanes": lanes}).status_code == 404
    assert store.list_appointments("street", "dongsi") == [liaison]


def test_only_street_admins_manage_lanes(world, client, auth):
    for who in (world.admin_a, world.district, world.volunteer):
        auth.login(who["phone"])
        assert client.get(f"{ADMIN}/").status_code == 403
        assert auth.post(f"{ADMIN}/add", {"name": "东四北大街"}).status_code == 403
        auth.logout()
    assert store.list_lanes("dongsi") == []


# ---------------------------------------------------------------- the steward's log


def test_a_patrol_on_the_phone(world, client, auth):
    steward, lane = _steward(world)
    auth.login(steward["phone"])
    home = client.get("/portal/me").get_data(as_text=True)
    assert "小巷巡查" in home and f'href="{LOG}/"' in home
    page = client.get(f"{LOG}/").get_data(as_text=True)
    assert "东四北大街" in page and "开始巡查" in page
    # Start: without a lane refused in Chinese; then started.
    page = auth.post(f"{LOG}/s/dongsi/start", {"lane": ""}, follow=True).get_data(as_text=True)
    assert "请选择要巡查的街巷" in page and store.list_patrols("dongsi", _month()) == []
    resp = auth.post(f"{LOG}/s/dongsi/start", {"lane": lane["id"]})
    (patrol,) = store.list_patrols("dongsi", _month())
    assert resp.headers["Location"].endswith(f"{LOG}/s/dongsi/{patrol['id']}")
    url = f"{LOG}/s/dongsi/{patrol['id']}"
    page = client.get(url).get_data(as_text=True)
    assert "记录一条发现" in page and "（示例）" in page and "结束巡查" in page
    # A second start while this one is open: refused.
    page = auth.post(f"{LOG}/s/dongsi/start", {"lane": lane["id"]}, follow=True)
    assert "还有一次巡查没有结束" in page.get_data(as_text=True)
    # A finding with its photo.
    resp = auth.post(
        f"{url}/findings",
        {
            "category": "facilities",
            "note": "井盖松动",
            "place": "12号院门口",
            "photos": (io.BytesIO(_jpeg()), "jinggai.jpg"),
        },
    )
    assert resp.status_code == 302
    (finding,) = store.get_patrol("dongsi", patrol["id"])["findings"]
    assert finding["photo"] and [p.name for p in stored_photos("p-dongsi")] == [finding["photo"]]
    photo = client.get(f"{url}/findings/{finding['id']}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    page = client.get(url).get_data(as_text=True)
    assert "井盖松动" in page and "转为社区需求" in page
    # End it.
    page = auth.post(f"{url}/end", follow=True).get_data(as_text=True)
    assert "巡查已结束，共记录 1 条发现" in page
    assert store.get_patrol("dongsi", patrol["id"])["ended_at"]
    assert "记录一条发现" not in client.get(url).get_data(as_text=True)
    page = auth.post(f"{url}/findings", {"category": "parking", "note": "晚了"}, follow=True)
    assert "这次巡查已经结束，不能再记录发现" in page.get_data(as_text=True)
    assert len(store.get_patrol("dongsi", patrol["id"])["findings"]) == 1


def _month() -> str:
    return store.now().strftime("%Y-%m")


def test_finding_refusals_keep_the_form_and_store_nothing(world, client, auth):
    steward, lane = _steward(world)
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    url = f"{LOG}/s/dongsi/{patrol['id']}/findings"
    auth.login(steward["phone"])
    cases = [
        ({"category": "", "note": "x"}, "请选择问题类别"),
        ({"category": "facilities", "note": ""}, "请填写发现了什么问题"),
        ({"category": "facilities", "note": "长" * 301}, "问题说明不能超过 300 个字"),
        ({"category": "facilities", "note": "x", "place": "长" * 61}, "具体位置不能超过 60 个字"),
        (
            {
                "category": "facilities",
                "note": "两张照片",
                "photos": [(io.BytesIO(_jpeg()), "a.jpg"), (io.BytesIO(_jpeg()), "b.jpg")],
            },
            "每条发现只能附 1 张照片",
        ),
        (
            {"category": "facilities", "note": "坏照片", "photos": (io.BytesIO(b"x"), "a.jpg")},
            "无法识别这张照片",
        ),
    ]
    for data, words in cases:
        resp = auth.post(url, data)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and words in page, words
        assert "error-summary" in page
    assert store.get_patrol("dongsi", patrol["id"])["findings"] == []
    assert stored_photos("p-dongsi") == []
    # An expired page: said so, what was typed kept.
    resp = client.post(url, data={"category": "parking", "note": "车堵胡同", "csrf_token": "x"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "页面已过期" in page and "车堵胡同" in page
    assert store.get_patrol("dongsi", patrol["id"])["findings"] == []


def test_a_finding_becomes_a_need_in_one_step(world, client, auth):
    steward, lane = _steward(world)
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    name = store.save_patrol_photo("dongsi", _jpeg())
    finding = store.add_patrol_finding(
        "dongsi",
        patrol["id"],
        steward["uid"],
        category="parking",
        note="车堵住胡同",
        place="3号院",
        photo=name,
    )
    url = f"{LOG}/s/dongsi/{patrol['id']}/findings/{finding['id']}/need"
    auth.login(steward["phone"])
    page = client.get(url).get_data(as_text=True)
    assert "车堵住胡同（3号院）" in page  # the description starts from the note
    assert "测试甲社区" in page and "测试乙社区" in page and "测试丙社区" not in page
    # Another street's community, or none: refused, no need.
    for cid in ("cc", ""):
        data = {"community": cid, "urgency": "normal", "description": "x"}
        page = auth.post(url, data).get_data(as_text=True)
        assert "请选择交给哪个社区" in page
    page = auth.post(url, {"community": "ca", "urgency": "normal", "description": ""})
    assert "请填写需求描述" in page.get_data(as_text=True)
    assert store.list_needs("ca") == [] and store.list_needs("cc") == []
    data = {"community": "ca", "urgency": "urgent", "description": "胡同被堵，消防车进不来"}
    page = auth.post(url, data, follow=True).get_data(as_text=True)
    assert "已转为测试甲社区的需求" in page and "待处理" in page
    (need,) = store.list_needs("ca")
    assert need["raised_by"] == "alley_steward" and need["address"] == "东四北大街 3号院"
    assert need["description"] == "胡同被堵，消防车进不来" and len(need["photos"]) == 1
    link = store.get_patrol("dongsi", patrol["id"])["findings"][0]["need"]
    assert (link["community_id"], link["need_id"]) == ("ca", need["id"])
    # Once only: the page sends back, a second POST makes nothing.
    resp = client.get(url)
    assert resp.status_code == 302
    auth.post(url, data)
    assert len(store.list_needs("ca")) == 1
    # The community's admin sees the need raised by 小巷管家.
    auth.logout()
    auth.login(world.admin_a["phone"])
    page = client.get(f"/portal/admin/c/ca/lists/needs/{need['id']}").get_data(as_text=True)
    assert "胡同被堵" in page


def test_a_steward_sees_only_own_patrols_of_own_lanes(world, client, auth):
    steward, lane = _steward(world)
    alley = store.add_lane("dongsi", "史家胡同")
    other, _lane = _steward(world, "13800000032", lanes=[alley["id"]])
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    finding = store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="facilities", note="井盖松动"
    )
    base = f"{LOG}/s/dongsi/{patrol['id']}"
    urls = [base, f"{base}/findings/{finding['id']}/need", f"{base}/findings/{finding['id']}/photo"]
    before = store.get_patrol("dongsi", patrol["id"])
    # Another steward of the street: 404 on every page and action of this patrol.
    auth.login(other["phone"])
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert auth.post(f"{base}/end").status_code == 404
    assert auth.post(f"{base}/findings", {"category": "facilities", "note": "x"}).status_code == 404
    assert auth.post(f"{LOG}/s/dongsi/start", {"lane": lane["id"]}).status_code == 302
    assert store.open_patrol("dongsi", steward["uid"])["id"] == patrol["id"]
    assert store.open_patrol("dongsi", other["uid"]) is None  # not their lane: refused
    page = client.get(f"{LOG}/").get_data(as_text=True)
    assert "史家胡同" in page and "东四北大街" not in page
    auth.logout()
    # The steward: another street, a wrong street in the address, a made-up patrol.
    auth.login(steward["phone"])
    assert auth.post(f"{LOG}/s/jingshan/start", {"lane": lane["id"]}).status_code == 404
    assert client.get(f"{LOG}/s/jingshan/{patrol['id']}").status_code == 404
    assert client.get(f"{LOG}/s/dongsi/202601-0000000000").status_code == 404
    assert client.get(f"{base}/findings/nofinding/need").status_code == 404
    # The lane taken away: the patrol goes with it.
    (row,) = [a for a in store.list_appointments("street", "dongsi") if a["uid"] == steward["uid"]]
    store.revoke_appointment("street", "dongsi", row["id"], world.street["uid"])
    assert client.get(base).status_code == 404
    assert client.get(f"{LOG}/").status_code == 403
    assert "小巷巡查" not in client.get("/portal/me").get_data(as_text=True)
    auth.logout()
    # Not a steward at all, or an admin.
    for who in (world.volunteer, world.street):
        auth.login(who["phone"])
        assert client.get(f"{LOG}/").status_code == 403
        assert client.get(base).status_code in (403, 404)
        auth.logout()
    assert store.get_patrol("dongsi", patrol["id"]) == before


def test_month_figures_for_the_street_admin(world, client, auth):
    steward, lane = _steward(world)
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    finding = store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="facilities", note="井盖松动"
    )
    store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="parking", note="车堵胡同"
    )
    store.patrol_finding_to_need(
        "dongsi", patrol["id"], finding["id"], steward["uid"], community_id="ca"
    )
    auth.login(world.street["phone"])
    page = client.get(f"{ADMIN}/figures?month={_month()}").get_data(as_text=True)
    assert steward["name"] in page and "东四北大街" in page
    assert '<td class="num" data-label="巡查"><span class="cell">1</span></td>' in page
    assert '<td class="num" data-label="发现"><span class="cell">2</span></td>' in page
    assert '<td class="num" data-label="转为需求"><span class="cell">1</span></td>' in page
    page = client.get(f"{ADMIN}/figures?month=2020-01").get_data(as_text=True)
    assert '<span class="cell">1</span>' not in page and "2020-01" in page
    page = client.get(f"{ADMIN}/figures?month=bad").get_data(as_text=True)
    assert "月份格式不对" in page
