"""The resources and projects lists at the store level: fields, scope and links."""

from datetime import datetime

import pytest

from portal import store


def _resource(cid="ca", **extra):
    fields = {
        "name": "多功能活动室",
        "kind": "venue",
        "provider": "东四共建单位",
        "provider_type": "unit",
        "contact": "李老师 13900000002",
        "availability": "工作日白天",
        "description": "可容纳 40 人",
    }
    fields.update(extra)
    return store.create_resource(cid, "admin", **fields)


def _need(cid="ca", **extra):
    return store.create_need(
        cid, category="elderly", description="需要助餐", raised_by="worker", **extra
    )


def test_create_and_update_resource(world):
    resource = _resource(at=datetime(2026, 3, 1))
    assert resource["active"] is True and resource["created_at"] == "2026-03-01 00:00:00"
    assert store.list_resources("ca") == [store.get_resource("ca", resource["id"])]
    fields = {
        k: resource[k]
        for k in (
            "name",
            "kind",
            "provider",
            "provider_type",
            "contact",
            "description",
            "availability",
        )
    }
    updated = store.update_resource(
        "ca", resource["id"], **dict(fields, kind="equipment", active=False)
    )
    assert updated["kind"] == "equipment" and updated["active"] is False
    assert store.list_resources("ca", active=True) == []
    assert store.list_resources("ca", kind="equipment")[0]["id"] == resource["id"]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", " ", "资源名称"),
        ("kind", "money", "资源类型"),
        ("provider", "", "提供方"),
        ("provider_type", "alien", "提供方类型"),
        ("contact", "", "联系方式"),
        ("availability", "天" * 61, "可用时间"),
    ],
)
def test_resource_refusals_store_nothing(world, field, value, message):
    with pytest.raises(store.StoreError, match=message):
        _resource(**{field: value})
    assert store.list_resources("ca") == []


def test_update_refusal_changes_nothing(world):
    resource = _resource()
    with pytest.raises(store.StoreError, match="资源类型"):
        store.update_resource(
            "ca",
            resource["id"],
            name="x",
            kind="bad",
            provider="p",
            provider_type="unit",
            contact="c",
        )
    assert store.get_resource("ca", resource["id"]) == resource


def test_resource_of_other_community_not_found(world):
    resource = _resource(cid="cb")
    with pytest.raises(store.NotFound):
        store.get_resource("ca", resource["id"])
    with pytest.raises(store.NotFound):
        store.update_resource(
            "ca",
            resource["id"],
            name="x",
            kind="venue",
            provider="p",
            provider_type="unit",
            contact="c",
        )
    assert store.get_resource("cb", resource["id"])["name"] == "多功能活动室"


def test_project_links_needs_resources_posts(world):
    project = store.create_project("ca", "admin", name="老楼助餐", description="助老")
    assert project["status"] == "进行中"
    need = _need()
    resource = _resource()
    post, _shift = world.post()
    store.link_need("ca", project["id"], need["id"])
    store.link_resource("ca", project["id"], resource["id"])
    linked = store.link_post("ca", project["id"], post["id"])
    assert linked["need_ids"] == [need["id"]]
    assert linked["resource_ids"] == [resource["id"]]
    assert linked["post_ids"] == [post["id"]]
    assert store.get_need("ca", need["id"])["project_id"] == project["id"]
    assert store.get_project("ca", project["id"]) == linked
    with pytest.raises(store.StoreError, match="已经关联"):
        store.link_resource("ca", project["id"], resource["id"])
    store.unlink_need("ca", project["id"], need["id"])
    store.unlink_resource("ca", project["id"], resource["id"])
    store.unlink_post("ca", project["id"], post["id"])
    after = store.get_project("ca", project["id"])
    assert after["need_ids"] == after["resource_ids"] == after["post_ids"] == []
    assert store.get_need("ca", need["id"])["project_id"] is None
    with pytest.raises(store.StoreError, match="没有关联"):
        store.unlink_need("ca", project["id"], need["id"])


def test_need_moves_between_projects_with_its_posts(world):
    first = store.create_project("ca", "admin", name="一")
    second = store.create_project("ca", "admin", name="二")
    need = _need()
    post = store.create_post_for_need(
        "ca",
        need["id"],
        "admin",
        title="t",
        category="elderly",
        description="d",
        place="p",
        kind="standing",
        shifts=[{"capacity": 1}],
    )
    store.link_need("ca", first["id"], need["id"])
    assert store.get_project("ca", first["id"])["post_ids"] == [post["id"]]
    store.link_need("ca", second["id"], need["id"])
    assert store.get_project("ca", first["id"])["need_ids"] == []
    assert store.get_project("ca", second["id"])["need_ids"] == [need["id"]]
    assert store.get_need("ca", need["id"])["project_id"] == second["id"]


def test_links_across_communities_refused(world):
    project = store.create_project("ca", "admin", name="甲项目")
    need_b = _need(cid="cb")
    resource_b = _resource(cid="cb")
    post_b, _shift = world.post(cid="cb")
    for call, oid in (
        (store.link_need, need_b["id"]),
        (store.link_resource, resource_b["id"]),
        (store.link_post, post_b["id"]),
    ):
        with pytest.raises(store.NotFound):
            call("ca", project["id"], oid)
    project_b = store.create_project("cb", "admin", name="乙项目")
    with pytest.raises(store.NotFound):
        store.get_project("ca", project_b["id"])
    with pytest.raises(store.NotFound):
        store.link_need("ca", project_b["id"], _need()["id"])
    assert store.get_project("ca", project["id"])["need_ids"] == []
    assert store.get_need("cb", need_b["id"])["project_id"] is None


def test_project_status_and_refusals(world):
    with pytest.raises(store.StoreError, match="项目名称"):
        store.create_project("ca", "admin", name=" ")
    assert store.list_projects("ca") == []
    project = store.create_project("ca", "admin", name="p")
    assert store.set_project_status("ca", project["id"], "已完成")["status"] == "已完成"
    with pytest.raises(store.StoreError):
        store.set_project_status("ca", project["id"], "done")
    assert store.list_projects("ca", "已完成")[0]["id"] == project["id"]
