"""接诉即办 figures through HTTP (files and PostgreSQL): who sees which unit's 三率 (another
street's or community's → 404), the definitions beside the figures, the xlsx export with
the right numbers, the printable report, the public page without personal data,
未诉先办 tasks and 每月一题 through their forms with Chinese errors."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from portal import store
from tests.conftest import make_user

BASE = "/portal/hotline-figures"


def actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


@pytest.fixture
def figures(world):
    """Two orders of this month handled by 东四 / 测试甲社区 (one satisfied, one basic and
    unresolved), a third at the same address: a hot spot."""
    at = store.now() - timedelta(hours=6)
    month = at.strftime("%Y-%m")
    rows = [
        {
            "工单编号": f"V{i}",
            "受理时间": (at - timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M"),
            "诉求人": "赵女士",
            "联系电话": "13812349876",
            "诉求内容": "胡同里路灯坏了",
            "诉求类别": "路灯照明",
            "地址": "东四三条 5 号",
            "所属街道": "东四街道",
            "所属社区": "测试甲社区",
            "办理时限": "",
        }
        for i in range(3)
    ]
    district, street, ca = actor(world.district), actor(world.street), actor(world.admin_a)
    store.apply_hotline_import(rows, "district", district, at=at)
    oids = [store.hotline_order_id_by_number(f"V{i}") for i in range(3)]
    for n, oid in enumerate(oids[:2]):
        store.dispatch_hotline_order(oid, "district", district, "street:dongsi", at=at)
        store.sign_hotline_order(oid, "street:dongsi", street, at=at + timedelta(minutes=5))
        store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca", at=at)
        store.sign_hotline_order(oid, "community:ca", ca, at=at + timedelta(minutes=10))
        store.contact_hotline_caller(oid, "community:ca", ca, "联系", at=at + timedelta(hours=1))
        store.answer_hotline_order(oid, "community:ca", ca, "修好", n == 0, at=at)
        value = "satisfied" if n == 0 else "basic"
        store.record_hotline_followup(oid, "district", district, value, at=at)
        store.close_hotline_order(oid, "district", district, at=at)
    return {"month": month, "oids": oids}


def test_street_admin_sees_its_street_and_communities_only(world, figures, client, auth):
    month = figures["month"]
    auth.login(world.street["phone"])
    html = client.get(f"{BASE}/?month={month}").get_data(as_text=True)
    assert "东四街道" in html and "时限内签收的件数 ÷ 派单件数" in html
    assert 'data-rate="response">100.0%' in html
    assert 'data-rate="resolution">50.0%' in html and 'data-rate="satisfaction">100.0%' in html
    assert "社区排名" in html and "测试甲社区" in html and "测试丙社区" not in html
    assert "街道排名" not in html  # the district's ranking is the district's page
    assert client.get(f"{BASE}/?unit=community:ca&month={month}").status_code == 200
    for unit in ("street:jingshan", "community:cc", "district", "dept:yuanlin", "street:nope"):
        assert client.get(f"{BASE}/?unit={unit}&month={month}").status_code == 404, unit
    assert client.get(f"{BASE}/?month=2026-13").status_code == 404
    assert client.get(f"{BASE}/report?unit=street:jingshan&month={month}").status_code == 404


def test_community_admin_and_department_liaison_see_their_own(world, figures, client, auth):
    month = figures["month"]
    auth.login(world.admin_b["phone"])
    assert client.get(f"{BASE}/?unit=community:ca&month={month}").status_code == 404
    assert "测试乙社区" in client.get(f"{BASE}/?month={month}").get_data(as_text=True)
    auth.logout()
    liaison = make_user("13900000311", "dept_liaison", scope="yuanlin")
    auth.login(liaison["phone"])
    html = client.get(f"{BASE}/?month={month}").get_data(as_text=True)
    assert "园林" in html and "满意率" in html
    assert client.get(f"{BASE}/?unit=street:dongsi&month={month}").status_code == 404
    assert client.get(f"{BASE}/proactive/").status_code == 403
    auth.logout()
    auth.login(world.member["phone"])
    assert client.get(f"{BASE}/?month={month}").status_code == 403


def test_district_sees_rankings_and_the_xlsx_holds_the_figures(world, figures, client, auth):
    month = figures["month"]
    auth.login(world.district["phone"])
    html = client.get(f"{BASE}/?month={month}").get_data(as_text=True)
    assert "街道排名" in html and "社区排名" in html and "区级部门" in html
    resp = client.get(f"{BASE}/export/streets.xlsx?month={month}")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert sheet.title == f"三率-街道-{month}"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "街道", "派单", "时限内签收", "响应率")
    dongsi = next(r for r in rows if r[1] == "东四街道")
    assert dongsi[0] == 1 and dongsi[2] == 2 and dongsi[3] == 2 and dongsi[4] == "100.0%"
    assert dongsi[7] == "50.0%" and dongsi[11] == "100.0%"
    assert any(r[0] and str(r[0]).startswith("响应率：") for r in rows)
    csv = client.get(f"{BASE}/export/communities.csv?month={month}").get_data(as_text=True)
    assert "测试甲社区" in csv and "测试丙社区" in csv
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get(f"{BASE}/export/streets.xlsx?month={month}").status_code == 404
    csv = client.get(f"{BASE}/export/communities.csv?month={month}").get_data(as_text=True)
    assert "测试甲社区" in csv and "测试丙社区" not in csv
    assert client.get(f"{BASE}/export/people.xlsx").status_code == 404


def test_printable_report_and_public_page(world, figures, client, auth):
    month = figures["month"]
    auth.login(world.street["phone"])
    html = client.get(f"{BASE}/report?month={month}").get_data(as_text=True)
    assert "接诉即办月报" in html and "已解决的件数 ÷ 已结案件数" in html
    assert "派单 2 件" in html and "no-print" in html
    auth.logout()
    public = client.get(f"{BASE}/public/?month={month}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "东四街道" in text and "（满意 + 基本满意）÷ 已评价件数" in text
    for private in ("13812349876", "赵女士", "东四三条", "胡同里路灯坏了", *figures["oids"]):
        assert private not in text
    assert client.get(f"{BASE}/public/?month=bad").status_code == 404


def test_proactive_task_through_the_forms(world, figures, client, auth):
    auth.login(world.admin_a["phone"])
    html = client.get(f"{BASE}/proactive/").get_data(as_text=True)
    assert "路灯照明" in html and "3</strong> 件" in html and "开启主动治理任务" in html
    spot = store.hotline_hotspots("dongsi", "ca")[0]
    data = {"category": spot["category"], "kind": "address", "place": spot["place"]}
    resp = auth.post(f"{BASE}/proactive/open", dict(data, action=""), follow=True)
    assert "请填写采取的措施。" in resp.get_data(as_text=True)
    assert store.list_proactive_tasks("dongsi") == []
    resp = auth.post(f"{BASE}/proactive/open", dict(data, kind="zone", action="x"), follow=True)
    assert "热点的类型只能是网格或地址。" in resp.get_data(as_text=True)
    resp = auth.post(f"{BASE}/proactive/open", dict(data, action="更换整条胡同的路灯"), follow=True)
    assert "已开启主动治理任务" in resp.get_data(as_text=True)
    (task,) = store.list_proactive_tasks("dongsi")
    assert task["order_ids"] == spot["order_ids"] and task["community_id"] == "ca"
    url = f"{BASE}/proactive/t/dongsi/{task['id']}/result"
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert auth.post(f"{url}?unit=community:ca", {"result": "x"}).status_code == 404
    assert auth.post(f"{url}?unit=community:cb", {"result": "x"}).status_code == 404
    assert store.get_proactive_task("dongsi", task["id"])["result"] is None
    auth.logout()
    auth.login(world.admin_a["phone"])
    html = auth.post(url, {"result": "已全部更换"}, follow=True).get_data(as_text=True)
    assert "已记录治理结果" in html and "开启前 30 天同类工单 <strong>3</strong> 件" in html
    assert store.get_proactive_task("dongsi", task["id"])["status"] == "已完成"


def test_monthly_topic_through_the_forms(world, figures, client, auth):
    month = figures["month"]
    auth.login(world.street["phone"])
    url = f"{BASE}/topics/?month={month}"
    html = client.get(url).get_data(as_text=True)
    assert 'class="topic-top">路灯照明' in html and "工单 3、需求 0、吹哨 0" in html
    # the whistles' figures show the cross-channel topic beside their own top item
    whistles = client.get("/portal/whistles/figures").get_data(as_text=True)
    assert "工单、需求、吹哨合计" in whistles and "<strong>路灯照明</strong>" in whistles
    assert client.get(f"{BASE}/topics/?scope=jingshan&month={month}").status_code == 404
    save = f"{BASE}/topics/save?month={month}"
    bad = auth.post(save, {"category": "streetlight", "plan": "", "owner": ""}, follow=True)
    text = bad.get_data(as_text=True)
    assert "请填写治理方案。" in text and "请填写责任人。" in text
    wrong = auth.post(save, {"category": "ufo", "plan": "p", "owner": "o"}, follow=True)
    assert "请选择题目的诉求类别。" in wrong.get_data(as_text=True)
    missing = auth.post(
        save, {"category": "streetlight", "plan": "p", "owner": "o", "orders": "202612-ffff"}
    )
    assert missing.status_code == 302 and store.get_monthly_topic("dongsi", month) is None
    oids = figures["oids"]
    resp = auth.post(
        save,
        {
            "category": "streetlight",
            "plan": "路灯普查",
            "owner": "王主任",
            "orders": f"{oids[0]}，{oids[1]}",
        },
        follow=True,
    )
    html = resp.get_data(as_text=True)
    assert "已记录本月的“每月一题”" in html and 'class="topic-recorded">路灯照明' in html
    assert store.get_monthly_topic("dongsi", month)["order_ids"] == oids[:2]
    html = auth.post(
        f"{BASE}/topics/result?month={month}", {"result": "更换 20 盏"}, follow=True
    ).get_data(as_text=True)
    assert "更换 20 盏" in html and "题目前 3 个月平均每月" in html
    auth.logout()
    auth.login(world.district["phone"])
    assert client.get(f"{BASE}/topics/?scope=jingshan&month={month}").status_code == 200
    assert client.get(f"{BASE}/topics/?scope=nowhere").status_code == 404
    assert store.get_monthly_topic("district", month) is None
