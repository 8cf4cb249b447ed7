"""三个清单 at the street and district levels: needs, resources and projects posted by a
street or the district, matches with resources of the levels below, projects gathering
needs by reference; refusals in Chinese that change nothing. Runs on both backends."""

from __future__ import annotations

import pytest

from portal import store

S, D = ("street", "dongsi"), ("district", "district")


def _need(area=S, by="u1", **extra):
    fields = {"category": "elderly", "description": "独居老人助餐", "raised_by": "worker"}
    fields.update(extra)
    return store.create_area_need(*area, by, **fields)


def _resource(area=S, by="u1", **extra):
    fields = {
        "name": "党群服务中心活动室",
        "kind": "venue",
        "provider": "东四街道",
        "provider_type": "organisation",
        "contact": "010-64000000",
    }
    fields.update(extra)
    return store.create_area_resource(*area, by, **fields)


def _community_resource(cid="ca", name="社区活动室"):
    return store.create_resource(
        cid,
        "u1",
        name=name,
        kind="venue",
        provider="某单位",
        provider_type="unit",
        contact="13600000002",
    )


def _refused(call, words: str):
    with pytest.raises(store.StoreError) as info:
        call()
    assert words in str(info.value), str(info.value)


def test_needs_at_street_and_district_level(world):
    street = _need(place="东四六条", urgency="urgent", phone="13900000001", name="王主任")
    district = _need(D, description="全区适老化改造")
    assert (street["level"], street["scope"], street["street_id"]) == ("street", "dongsi", "dongsi")
    assert (district["level"], district["scope"], district["street_id"]) == (
        "district",
        "district",
        None,
    )
    assert street["status"] == "待处理" and street["matches"] == []
    assert store.get_area_need(*S, street["id"]) == street
    assert [n["id"] for n in store.list_area_needs(*S)] == [street["id"]]
    assert [n["id"] for n in store.list_area_needs(*D)] == [district["id"]]
    # Another street's list, or the district's, does not hold it.
    with pytest.raises(store.NotFound):
        store.get_area_need("street", "jingshan", street["id"])
    with pytest.raises(store.NotFound):
        store.get_area_need(*D, street["id"])
    # Both documents are keyed by level.
    backend = store.current_backend()
    assert backend.exists("streets/dongsi/lists") and backend.exists("district/lists")


def test_need_update_and_status(world):
    need = _need()
    done = store.update_area_need(
        *S,
        need["id"],
        "u2",
        status="已办结",
        category="legal",
        description="改为法律援助",
        raised_by="resident",
    )
    assert done["status"] == "已办结" and done["closed_at"] and done["category"] == "legal"
    assert store.get_area_need(*S, need["id"])["description"] == "改为法律援助"
    again = store.update_area_need(
        *S, need["id"], "u2", status="处理中", category="legal", description="x", raised_by="worker"
    )
    assert again["closed_at"] is None


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"category": "nope"}, "请选择有效的需求分类"),
        ({"description": "  "}, "请填写需求描述"),
        ({"description": "长" * 1001}, "不能超过 1000 个字"),
        ({"raised_by": "boss"}, "请选择提出人身份"),
        ({"urgency": "now"}, "请选择紧急程度"),
        ({"phone": "123"}, "11 位中国大陆手机号"),
        ({"place": "长" * 61}, "不能超过 60 个字"),
    ],
)
def test_need_refusals_change_nothing(world, extra, words):
    _refused(lambda: _need(**extra), words)
    assert store.list_area_needs(*S) == []


def test_unknown_areas_are_not_found(world):
    for level, scope in [
        ("street", "nowhere"),
        ("street", "../x"),
        ("district", "dongsi"),
        ("x", "y"),
    ]:
        with pytest.raises(store.NotFound):
            store.create_area_need(
                level, scope, "u1", category="elderly", description="x", raised_by="worker"
            )
    with pytest.raises(store.NotFound):
        store.update_area_need(
            *S,
            "missing",
            "u1",
            status="待处理",
            category="elderly",
            description="x",
            raised_by="worker",
        )


def test_resources_take_a_unit_pledge(world):
    pledge = _resource(
        D,
        name="法律服务",
        kind="expertise",
        provider="某律所",
        provider_type="unit",
        unit_id="u-17",
    )
    assert (pledge["level"], pledge["scope"], pledge["unit_id"], pledge["active"]) == (
        "district",
        "district",
        "u-17",
        True,
    )
    own = _resource()
    assert own["unit_id"] is None and own["level"] == "street"
    _refused(lambda: _resource(unit_id="u-1"), "只有共建单位")
    with pytest.raises(store.NotFound):
        _resource(provider_type="unit", unit_id="../x")
    _refused(lambda: _resource(kind="gold"), "请选择资源类型")
    _refused(lambda: _resource(provider_type="alien"), "请选择提供方类型")
    _refused(lambda: _resource(name=""), "请填写资源名称")
    assert len(store.list_area_resources(*S)) == 1
    fields = {
        "name": "法律服务（周六）",
        "kind": "expertise",
        "provider": "某律所",
        "contact": "13600000009",
    }
    changed = store.update_area_resource(
        *D, pledge["id"], provider_type="unit", active=False, **fields
    )
    assert changed["unit_id"] == "u-17" and changed["active"] is False
    assert store.list_area_resources(*D, active=True) == []
    _refused(
        lambda: store.update_area_resource(*D, pledge["id"], provider_type="member", **fields),
        "驻区单位认领",
    )
    assert store.get_area_resource(*D, pledge["id"])["name"] == "法律服务（周六）"


def test_street_need_matches_resources_of_its_street_only(world):
    need = _need()
    of_ca = _community_resource("ca")
    of_street = _resource()
    of_cc = _community_resource("cc", "景山社区活动室")
    of_other_street = _resource(("street", "jingshan"))
    of_district = _resource(D)
    store.match_area_need(*S, need["id"], ("community", "ca", of_ca["id"]), "u1")
    matched = store.match_area_need(*S, need["id"], ("street", "dongsi", of_street["id"]), "u1")
    assert [(m["level"], m["scope"], m["id"]) for m in matched["matches"]] == [
        ("community", "ca", of_ca["id"]),
        ("street", "dongsi", of_street["id"]),
    ]
    # Another street's row (its own list or one of its communities'): outside the scope.
    for ref in [
        ("community", "cc", of_cc["id"]),
        ("street", "jingshan", of_other_street["id"]),
    ]:
        with pytest.raises(store.NotFound):
            store.match_area_need(*S, need["id"], ref, "u1")
    _refused(
        lambda: store.match_area_need(
            *S, need["id"], ("district", "district", of_district["id"]), "u1"
        ),
        "本街道",
    )
    _refused(
        lambda: store.match_area_need(*S, need["id"], ("community", "ca", of_ca["id"]), "u1"),
        "已经匹配过",
    )
    with pytest.raises(store.NotFound):
        store.match_area_need(*S, need["id"], ("community", "ca", "nothere"), "u1")
    with pytest.raises(store.NotFound):
        store.match_area_need(*S, need["id"], ("community", "cb", of_ca["id"]), "u1")
    assert len(store.get_area_need(*S, need["id"])["matches"]) == 2
    # Resolved, a match names the resource and whose list it is on.
    entry = store.resolve_area_ref("resource", matched["matches"][0])
    assert (entry["level_name"], entry["scope_name"], entry["item"]["name"]) == (
        "社区级",
        "测试甲社区",
        "社区活动室",
    )
    left = store.unmatch_area_need(*S, need["id"], ("community", "ca", of_ca["id"]))
    assert [m["id"] for m in left["matches"]] == [of_street["id"]]
    _refused(
        lambda: store.unmatch_area_need(*S, need["id"], ("community", "ca", of_ca["id"])),
        "没有关联",
    )


def test_match_refuses_paused_resources_and_closed_needs(world):
    need = _need()
    paused = _resource()
    store.update_area_resource(
        *S,
        paused["id"],
        name="x",
        kind="venue",
        provider="p",
        provider_type="other",
        contact="c",
        active=False,
    )
    _refused(
        lambda: store.match_area_need(*S, need["id"], ("street", "dongsi", paused["id"]), "u1"),
        "已暂停",
    )
    usable = _resource()
    store.update_area_need(
        *S,
        need["id"],
        "u1",
        status="已办结",
        category="elderly",
        description="x",
        raised_by="worker",
    )
    _refused(
        lambda: store.match_area_need(*S, need["id"], ("street", "dongsi", usable["id"]), "u1"),
        "已办结",
    )
    assert store.get_area_need(*S, need["id"])["matches"] == []


def test_district_need_matches_any_resource(world):
    need = _need(D)
    of_cc = _community_resource("cc")
    of_street = _resource(("street", "jingshan"))
    store.match_area_need(*D, need["id"], ("community", "cc", of_cc["id"]), "u1")
    done = store.match_area_need(*D, need["id"], ("street", "jingshan", of_street["id"]), "u1")
    assert {m["scope"] for m in done["matches"]} == {"cc", "jingshan"}


def test_district_project_gathers_needs_of_several_streets(world):
    project = store.create_area_project(*D, "u9", name="背街小巷整治", description="全区")
    assert (project["level"], project["status"], project["need_refs"]) == ("district", "进行中", [])
    dongsi_need = _need()
    jingshan_need = _need(("street", "jingshan"), description="景山街道需求")
    community_need = store.create_need(
        "cc", category="legal", description="社区需求", raised_by="resident"
    )
    for ref in [
        ("street", "dongsi", dongsi_need["id"]),
        ("street", "jingshan", jingshan_need["id"]),
        ("community", "cc", community_need["id"]),
    ]:
        project = store.link_area_project(*D, project["id"], "need", ref, "u9")
    _refused(
        lambda: store.link_area_project(
            *D, project["id"], "need", ("street", "dongsi", dongsi_need["id"]), "u9"
        ),
        "已经汇集过",
    )
    with pytest.raises(store.NotFound):
        store.link_area_project(*D, project["id"], "need", ("street", "dongsi", "nothere"), "u9")
    stored = store.get_area_project(*D, project["id"])
    resolved = [store.resolve_area_ref("need", r) for r in stored["need_refs"]]
    assert [(e["level_name"], e["scope_name"], e["item"]["description"]) for e in resolved] == [
        ("街道级", "东四街道", "独居老人助餐"),
        ("街道级", "景山街道", "景山街道需求"),
        ("社区级", "测试丙社区", "社区需求"),
    ]
    # A resource by reference too; and out again.
    resource = _community_resource("ca")
    used = store.link_area_project(
        *D, project["id"], "resource", ("community", "ca", resource["id"]), "u9"
    )
    assert used["resource_refs"][0]["id"] == resource["id"]
    left = store.unlink_area_project(
        *D, project["id"], "need", ("street", "jingshan", jingshan_need["id"])
    )
    assert [r["scope"] for r in left["need_refs"]] == ["dongsi", "cc"]
    assert store.set_area_project_status(*D, project["id"], "已完成")["status"] == "已完成"
    _refused(lambda: store.set_area_project_status(*D, project["id"], "done"), "无效的项目状态")
    # A reference to a row that is gone resolves to nothing, never to another row.
    assert store.resolve_area_ref("need", ("street", "dongsi", "gone"))["item"] is None


def test_street_project_gathers_its_own_street_only(world):
    project = store.create_area_project(*S, "u1", name="加装扶手")
    of_ca = store.create_need("ca", category="legal", description="甲", raised_by="resident")
    of_cc = store.create_need("cc", category="legal", description="丙", raised_by="resident")
    store.link_area_project(*S, project["id"], "need", ("community", "ca", of_ca["id"]), "u1")
    with pytest.raises(store.NotFound):
        store.link_area_project(*S, project["id"], "need", ("community", "cc", of_cc["id"]), "u1")
    district_need = _need(D)
    _refused(
        lambda: store.link_area_project(
            *S, project["id"], "need", ("district", "district", district_need["id"]), "u1"
        ),
        "只能汇集本街道",
    )
    assert len(store.get_area_project(*S, project["id"])["need_refs"]) == 1
    _refused(lambda: store.create_area_project(*S, "u1", name=""), "请填写项目名称")
    assert len(store.list_area_projects(*S)) == 1


def test_area_entries_show_levels(world):
    street_need = _need()
    community_need = store.create_need(
        "ca", category="legal", description="甲", raised_by="resident"
    )
    store.create_need("cc", category="legal", description="丙", raised_by="resident")
    _need(("street", "jingshan"))
    district_need = _need(D)
    own = store.area_entries("need", *S)
    assert [(e["level"], e["item"]["id"]) for e in own] == [("street", street_need["id"])]
    below = store.area_entries("need", *S, below=True)
    assert {(e["level_name"], e["scope"]) for e in below} == {
        ("街道级", "dongsi"),
        ("社区级", "ca"),
    }
    assert community_need["id"] in {e["item"]["id"] for e in below}
    district = store.area_entries("need", *D, below=True)
    assert {(e["level"], e["scope"]) for e in district} == {
        ("district", "district"),
        ("street", "dongsi"),
        ("street", "jingshan"),
    }
    assert district[0]["item"]["id"] == district_need["id"]
    one_street = store.area_entries("need", *D, street="dongsi")
    assert {(e["level"], e["scope"]) for e in one_street} == {
        ("district", "district"),
        ("street", "dongsi"),
        ("community", "ca"),
    }


def _unit_pledge(level: str, scope: str, name: str = "法律服务"):
    unit = store.register_unit(
        name=f"单位{level}{scope}", level="district", street_id=None, phone="13600000009", by="u9"
    )
    return store.unit_pledge_resource(
        unit["id"], "u9", level=level, scope=scope, name=name, kind="expertise"
    )


def test_street_need_takes_a_district_units_pledge(world):
    need = _need()
    pledge = _unit_pledge("district", "district")
    matched = store.match_area_need(*S, need["id"], ("district", "district", pledge["id"]), "u1")
    assert [(m["level"], m["id"]) for m in matched["matches"]] == [("district", pledge["id"])]


def test_community_need_matches_its_street_and_district_resources(world):
    need = store.create_need("ca", category="legal", description="法律咨询", raised_by="resident")
    own = _community_resource("ca")
    street_pledge = _unit_pledge("street", "dongsi", "街道级认领")
    district = _resource(D, name="区级资源")
    of_cb = _community_resource("cb", "乙社区活动室")
    other_street = _resource(("street", "jingshan"), name="景山资源")
    of_cc = _community_resource("cc", "丙社区活动室")
    offered = store.need_match_candidates("ca", need["id"])
    assert [(e["level"], e["item"]["name"]) for e in offered] == [
        ("community", "社区活动室"),
        ("street", "街道级认领"),
        ("district", "区级资源"),
    ]
    for ref in [
        ("street", "dongsi", street_pledge["id"]),
        ("community", "ca", own["id"]),
        ("district", "district", district["id"]),
    ]:
        matched = store.match_community_need("ca", need["id"], ref, "u3")
    assert [m["level"] for m in matched["matches"]] == ["street", "community", "district"]
    assert store.need_match_candidates("ca", need["id"]) == []
    (first, *_rest) = store.need_matches("ca", need["id"])
    assert (first["level_name"], first["scope_name"], first["item"]["provider"]) == (
        "街道级",
        "东四街道",
        street_pledge["provider"],
    )
    _refused(
        lambda: store.match_community_need(
            "ca", need["id"], ("street", "dongsi", street_pledge["id"]), "u3"
        ),
        "已经匹配过",
    )
    # Outside the community's reach: another community, another street, a made-up row.
    before = store.get_need("ca", need["id"])
    for ref in [
        ("community", "cb", of_cb["id"]),
        ("street", "jingshan", other_street["id"]),
        ("community", "cc", of_cc["id"]),
        ("street", "dongsi", "nothere"),
        ("community", "ca", of_cb["id"]),
    ]:
        with pytest.raises(store.NotFound):
            store.match_community_need("ca", need["id"], ref, "u3")
    assert store.get_need("ca", need["id"]) == before
    left = store.unmatch_community_need("ca", need["id"], ("community", "ca", own["id"]))
    assert [m["level"] for m in left["matches"]] == ["street", "district"]
    _refused(
        lambda: store.unmatch_community_need("ca", need["id"], ("community", "ca", own["id"])),
        "没有关联",
    )


def test_community_need_match_refuses_paused_resources_and_closed_needs(world):
    need = store.create_need("ca", category="legal", description="法律咨询", raised_by="resident")
    paused = _resource(name="暂停的资源")
    store.update_area_resource(
        *S,
        paused["id"],
        name="暂停的资源",
        kind="venue",
        provider="p",
        provider_type="other",
        contact="c",
        active=False,
    )
    _refused(
        lambda: store.match_community_need(
            "ca", need["id"], ("street", "dongsi", paused["id"]), "u3"
        ),
        "已暂停",
    )
    usable = _resource()
    store.start_need("ca", need["id"], "u3")
    store.close_need("ca", need["id"], "u3", "已处理")
    _refused(
        lambda: store.match_community_need(
            "ca", need["id"], ("street", "dongsi", usable["id"]), "u3"
        ),
        "已办结",
    )
    assert store.get_need("ca", need["id"]).get("matches") in (None, [])
