"""The 接诉即办 pages: the district imports a batch (template, preview, bad rows by number in
Chinese, all or nothing, a second import adds nothing), dispatches to a street, the street
to a community, the community signs, contacts and answers, the resident rates through the
private link (不满意 → 重办), lists by urgency; scope (another street's or community's
order is a 404), the caller's number masked and its reveal audited, refusals in Chinese."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from openpyxl import Workbook, load_workbook

from portal import store
from tests.conftest import csrf_token, make_user

BASE = "/portal/hotline"
COLUMNS = [
    "工单编号",
    "受理时间",
    "诉求人",
    "联系电话",
    "诉求内容",
    "诉求类别",
    "地址",
    "所属街道",
    "所属社区",
    "办理时限",
]


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _row(number: str, **extra) -> list[str]:
    today = store.now().strftime("%Y-%m-%d %H:%M")
    fields = {
        "工单编号": number,
        "受理时间": today,
        "诉求人": "张先生",
        "联系电话": "13812345678",
        "诉求内容": "楼下路灯不亮",
        "诉求类别": "路灯照明",
        "地址": "东四北大街 1 号",
        "所属街道": "东四街道",
        "所属社区": "测试甲社区",
        "办理时限": "",
    } | extra
    return [fields[c] for c in COLUMNS]


def _upload(client, data: bytes, name: str = "orders.csv"):
    return client.post(
        f"{BASE}/import",
        data={"csrf_token": csrf_token(client, f"{BASE}/import"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _batch(page: str) -> str:
    marker = 'name="batch" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _import(client, auth, data: bytes, name: str = "orders.csv"):
    page = _upload(client, data, name).get_data(as_text=True)
    return auth.post(f"{BASE}/import/confirm", {"batch": _batch(page)}, follow=True)


def _order(number: str) -> dict:
    oid = store.hotline_order_id_by_number(number)
    assert oid
    return store.get_hotline_order(oid)


def _actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def _seed(world, number: str = "V1") -> dict:
    store.apply_hotline_import(
        [dict(zip(COLUMNS, _row(number), strict=True))], "district", _actor(world.district)
    )
    return _order(number)


def test_import_with_preview_all_or_nothing_and_idempotent(world, client, auth):
    auth.login(world.district["phone"])
    page = client.get(f"{BASE}/import").get_data(as_text=True)
    assert "template.xlsx" in page and "工单编号" in page
    template = client.get(f"{BASE}/template.xlsx")
    assert template.status_code == 200
    header = next(
        load_workbook(io.BytesIO(template.data)).worksheets[0].iter_rows(values_only=True)
    )
    assert list(header) == COLUMNS
    bad = _upload(client, _csv([_row("X1"), _row("X2", 诉求类别="外星人"), _row("X1")]))
    text = bad.get_data(as_text=True)
    assert "第 3 行" in text and "外星人" in text and "第 4 行" in text and "未导入任何工单" in text
    assert 'name="batch"' not in text
    assert store.hotline_order_id_by_number("X1") is None
    rows = [_row("X1"), _row("X2", 所属社区="", 办理时限=3)]
    done = _import(client, auth, _xlsx(rows), "orders.xlsx").get_data(as_text=True)
    assert "新增工单 2 件" in done
    assert _order("X2")["close_given"]
    again = _import(client, auth, _csv([_row("X1"), _row("X2")])).get_data(as_text=True)
    assert "新增工单 0 件" in again and "2 件未重复导入" in again
    assert [e["action"] for e in store.list_audit(store.now().strftime("%Y-%m"))].count(
        "导入热线工单"
    ) == 2
    # The same preview confirmed twice (a double press): the second finds nothing to import.
    batch = _batch(_upload(client, _csv([_row("X3")])).get_data(as_text=True))
    auth.post(f"{BASE}/import/confirm", {"batch": batch})
    twice = auth.post(f"{BASE}/import/confirm", {"batch": batch}, follow=True)
    assert "已过期或已经导入" in twice.get_data(as_text=True)
    assert len([r for r in store.list_hotline_open("district") if r["number"] == "X3"]) == 1


def test_unreadable_file_and_wrong_columns_are_refused_in_chinese(world, client, auth):
    auth.login(world.district["phone"])
    page = _upload(client, b"not,the,template\n1,2,3\n").get_data(as_text=True)
    assert "表头缺少这些列" in page
    page = _upload(client, b"PK\x03\x04junk", "x.xlsx").get_data(as_text=True)
    assert "无法打开这个 .xlsx 文件" in page
    page = _upload(client, b"x", "x.txt").get_data(as_text=True)
    assert "只能导入 .xlsx 或 .csv 文件" in page
    auth.login(world.street["phone"])
    assert client.get(f"{BASE}/import").status_code == 403


def test_the_loop_through_district_street_community_and_the_resident(world, client, auth):
    order = _seed(world)
    oid = order["id"]
    url = f"{BASE}/o/{oid}"
    auth.login(world.district["phone"])
    listed = client.get(f"{BASE}/").get_data(as_text=True)
    assert "路灯照明" in listed and "首次联系" in listed and "剩 " in listed
    page = client.get(url).get_data(as_text=True)
    assert "138****5678" in page and "13812345678" not in page
    assert '<option selected value="street:dongsi">' in page  # 所属街道 suggested
    page = auth.post(f"{url}/dispatch", {"d-target": "street:dongsi"}, follow=True)
    assert "已派单" in page.get_data(as_text=True)
    auth.login(world.street["phone"])
    assert auth.post(f"{url}/sign", follow=True).status_code == 200
    auth.post(f"{url}/dispatch", {"d-target": "community:ca"})
    auth.login(world.admin_b["phone"])
    assert client.get(url).status_code == 404  # another community
    auth.login(world.admin_a["phone"])
    listed = client.get(f"{BASE}/").get_data(as_text=True)
    assert "签收：剩 " in listed
    auth.post(f"{url}/sign")
    page = auth.post(f"{url}/answer", {"a-text": "修好了", "a-resolved": "yes"}, follow=True)
    assert "工单已签收，不能答复" in page.get_data(as_text=True)  # contact first
    auth.post(f"{url}/contact", {"c-note": "已电话联系"})
    page = auth.post(f"{url}/answer", {"a-text": "", "a-resolved": "yes"}, follow=True)
    assert "请填写答复内容" in page.get_data(as_text=True)
    auth.post(f"{url}/answer", {"a-text": "已更换灯泡", "a-resolved": "yes"})
    assert store.get_hotline_order(oid)["state"] == "已答复"
    # The district makes the resident's link; the resident rates 不满意 → 重办.
    auth.login(world.district["phone"])
    page = auth.post(f"{url}/link").get_data(as_text=True)
    link = page.split('<code class="link-box">')[1].split("</code>")[0]
    path = link[link.index("/portal/hotline/s/") :]
    client.post("/portal/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    status = client.get(path).get_data(as_text=True)
    assert "已更换灯泡" in status and "13812345678" not in status and "请评价" in status
    token = csrf_token(client, path)
    bad = client.post(path + "/rate", data={"csrf_token": token, "rating": "meh"})
    assert bad.status_code == 400 and "请选择评价" in bad.get_data(as_text=True)
    done = client.post(
        path + "/rate",
        data={"csrf_token": token, "rating": "unsatisfied", "comment": "还是暗"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "重新办理" in done
    assert store.get_hotline_order(oid)["state"] == "办理中"
    assert client.get(path[:-3] + "abc").status_code == 404


def test_scope_masking_and_audited_reveal(world, client, auth):
    order = _seed(world)
    oid, url = order["id"], f"{BASE}/o/{order['id']}"
    district = _actor(world.district)
    store.dispatch_hotline_order(oid, "district", district, "street:dongsi")
    jingshan = make_user("13800000051", "street_admin", scope="jingshan")
    auth.login(jingshan["phone"])
    assert client.get(url).status_code == 404
    assert auth.post(f"{url}/sign").status_code == 404
    assert store.get_hotline_order(oid)["state"] == "已派单"
    auth.login(world.member["phone"])
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(url).status_code == 403
    auth.login(world.street["phone"])
    page = auth.post(f"{url}/phone").get_data(as_text=True)
    assert "13812345678" in page and "已记入操作日志" in page
    month = store.now().strftime("%Y-%m")
    entries = [e for e in store.list_audit(month, "dongsi") if e["action"] == "查看诉求人完整电话"]
    assert entries and entries[0]["actor_uid"] == world.street["uid"]
    # The community sees it once dispatched there, but may not open the full number yet.
    store.sign_hotline_order(oid, "street:dongsi", _actor(world.street))
    store.dispatch_hotline_order(oid, "street:dongsi", _actor(world.street), "community:ca")
    store.sign_hotline_order(oid, "community:ca", _actor(world.admin_a))
    store.dispatch_hotline_order(
        oid, "community:ca", _actor(world.admin_a), f"grid:ca:{store.add_grid('ca', 1)['id']}"
    )
    auth.login(world.admin_a["phone"])
    page = client.get(url).get_data(as_text=True)
    assert "138****5678" in page and "查看完整号码" not in page
    refused = auth.post(f"{url}/phone", follow=True).get_data(as_text=True)
    assert "不能查看完整号码" in refused and "13812345678" not in refused


def test_department_liaison_and_grid_worker_lists(world, client, auth):
    one, two = _seed(world, "D1"), _seed(world, "D2")
    district = _actor(world.district)
    store.dispatch_hotline_order(one["id"], "district", district, "dept:yuanlin")
    liaison = make_user("13800000061", "dept_liaison", scope="yuanlin")
    auth.login(liaison["phone"])
    listed = client.get(f"{BASE}/").get_data(as_text=True)
    assert one["number"] in listed and two["number"] not in listed
    assert auth.post(f"/portal/hotline/o/{one['id']}/sign").status_code == 302
    assert store.get_hotline_order(one["id"])["state"] == "已签收"
    assert client.get(f"/portal/hotline/o/{two['id']}").status_code == 404
    grid = store.add_grid("ca", 1, "北片网格")
    worker = make_user("13800000062", "volunteer", home_cid="ca")
    store.appoint(
        "community", "ca", worker["uid"], "grid_worker", [grid["id"]], world.admin_a["uid"]
    )
    store.dispatch_hotline_order(two["id"], "district", district, "street:dongsi")
    street, community = _actor(world.street), _actor(world.admin_a)
    store.sign_hotline_order(two["id"], "street:dongsi", street)
    store.dispatch_hotline_order(two["id"], "street:dongsi", street, "community:ca")
    store.sign_hotline_order(two["id"], "community:ca", community)
    store.dispatch_hotline_order(two["id"], "community:ca", community, f"grid:ca:{grid['id']}")
    auth.login(worker["phone"])
    listed = client.get(f"{BASE}/").get_data(as_text=True)
    assert two["number"] in listed and "北片网格" in listed
    page = auth.post(f"/portal/hotline/o/{two['id']}/sign", follow=True).get_data(as_text=True)
    assert "已签收。" in page


def test_manual_entry_and_refusals_in_chinese(world, client, auth):
    auth.login(world.street["phone"])
    page = client.get(f"{BASE}/new").get_data(as_text=True)
    assert "民情日记" in page and "热线" not in page.split("来源渠道")[1].split("</select>")[0]
    bad = auth.post(f"{BASE}/new", {"channel": "diary", "category": "parking", "content": ""})
    assert bad.status_code == 400 and "请填写诉求内容" in bad.get_data(as_text=True)
    bad = auth.post(f"{BASE}/new", {"channel": "hotline", "category": "parking", "content": "x"})
    assert "请选择来源渠道" in bad.get_data(as_text=True)
    made = auth.post(
        f"{BASE}/new",
        {
            "channel": "diary",
            "category": "parking",
            "content": "胡同停车难",
            "community": "ca",
            "phone": "13900000000",
        },
    ).get_data(as_text=True)
    assert "已录入" in made and "/portal/hotline/s/" in made
    (row,) = store.list_hotline_open("street:dongsi")
    assert row["channel"] == "diary"
    auth.login(world.admin_a["phone"])
    assert client.get(f"{BASE}/new").status_code == 403


def test_need_becomes_an_order_from_the_community(world, client, auth):
    need = store.create_need(
        "ca", category="streetlight", description="路灯坏了", raised_by="resident"
    )
    auth.login(world.admin_b["phone"])
    assert auth.post(f"{BASE}/from-need/ca/{need['id']}").status_code == 404
    auth.login(world.admin_a["phone"])
    response = auth.post(f"{BASE}/from-need/ca/{need['id']}", follow=True)
    assert response.status_code == 200  # A follows the order made from its need
    assert "已转为接诉即办工单" in response.get_data(as_text=True)
    assert "路灯坏了" in response.get_data(as_text=True)
    assert store.get_need("ca", need["id"])["hotline_order"]
    again = auth.post(f"{BASE}/from-need/ca/{need['id']}", follow=True).get_data(as_text=True)
    assert "已经转为工单" in again


def test_need_page_and_patrol_log_offer_the_order_and_show_the_link(world, client, auth):
    need = store.create_need("ca", category="parking", description="堵门", raised_by="resident")
    auth.login(world.admin_a["phone"])
    page = client.get(f"/portal/admin/c/ca/lists/needs/{need['id']}").get_data(as_text=True)
    assert f"{BASE}/from-need/ca/{need['id']}" in page
    auth.post(f"{BASE}/from-need/ca/{need['id']}")
    page = client.get(f"/portal/admin/c/ca/lists/needs/{need['id']}").get_data(as_text=True)
    assert "已于" in page and "转为接诉即办工单 XQ-ca-" in page
    lane = store.add_lane("dongsi", "东四北大街")
    steward = make_user("13800000071", "volunteer", home_cid="ca")
    store.appoint(
        "street", "dongsi", steward["uid"], "lane_steward", [lane["id"]], world.street["uid"]
    )
    patrol = store.start_patrol("dongsi", lane["id"], steward["uid"])
    finding = store.add_patrol_finding(
        "dongsi", patrol["id"], steward["uid"], category="trees", note="枯枝要掉"
    )
    auth.login(steward["phone"])
    log = f"/portal/patrols/s/dongsi/{patrol['id']}"
    url = f"{BASE}/from-finding/dongsi/{patrol['id']}/{finding['id']}"
    assert url in client.get(log).get_data(as_text=True)
    page = auth.post(url, follow=True).get_data(as_text=True)
    assert "已转为接诉即办工单 XC-" in page
    (order,) = [
        r for r in store.list_hotline_open("street:dongsi") if r["number"].startswith("XC-")
    ]
    assert order["category"] == "trees" and order["channel"] == "grid"
    other = make_user("13800000072", "volunteer", home_cid="ca")
    auth.login(other["phone"])
    assert auth.post(url).status_code == 404


def test_one_click_dispatch_of_the_suggested_orders(world, client, auth):
    _seed(world, "K1")
    store.apply_hotline_import(
        [dict(zip(COLUMNS, _row("K2", 所属街道="", 所属社区=""), strict=True))],
        "district",
        _actor(world.district),
    )
    auth.login(world.district["phone"])
    listed = client.get(f"{BASE}/").get_data(as_text=True)
    assert "一键派单" in listed
    page = auth.post(f"{BASE}/dispatch-suggested", {"unit": "district"}, follow=True)
    assert "已按建议派单 1 件" in page.get_data(as_text=True)
    assert _order("K1")["holder"] == "street:dongsi" and _order("K2")["holder"] == "district"
    auth.login(world.admin_a["phone"])
    assert auth.post(f"{BASE}/dispatch-suggested").status_code == 403


def _at_community(world) -> tuple[str, str]:
    order = _seed(world, "Y1")
    oid = order["id"]
    district, street = _actor(world.district), _actor(world.street)
    store.dispatch_hotline_order(oid, "district", district, "street:dongsi")
    store.sign_hotline_order(oid, "street:dongsi", street)
    store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca")
    return oid, f"{BASE}/o/{oid}"


def test_side_paths_through_the_pages_with_chinese_errors(world, client, auth):
    oid, url = _at_community(world)
    auth.login(world.admin_a["phone"])
    page = auth.post(f"{url}/return", {"r-duty": "", "r-reason": "不归我们"}, follow=True)
    assert "请选择职责清单事项" in page.get_data(as_text=True)
    auth.post(f"{url}/sign")
    page = auth.post(f"{url}/extension", {"e-until": "2026-02-30", "e-reason": "等"}, follow=True)
    text = page.get_data(as_text=True)
    assert "请填写新的办结日期" in text and "Not a valid" not in text
    later = (store.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    auth.post(f"{url}/extension", {"e-until": later, "e-reason": "等配件"})
    assert store.get_hotline_order(oid)["extension"]["decider"] == "street:dongsi"
    auth.login(world.street["phone"])
    page = client.get(url).get_data(as_text=True)
    assert "答复延期申请" in page and "升级吹哨" in page
    auth.post(f"{url}/extension/decide", {"x-decision": "approve"})
    assert store.get_hotline_order(oid)["due"]["close"].startswith(later)
    page = auth.post(f"{url}/whistle", {"w-item": "W11-3", "w-description": ""}, follow=True)
    assert "请填写问题描述" in page.get_data(as_text=True)
    auth.post(f"{url}/whistle", {"w-item": "W11-3", "w-description": "整条胡同路灯不亮"})
    linked = store.get_hotline_order(oid)["whistle"]
    assert linked and store.get_whistle("dongsi", linked["whistle_id"])
    assert "吹哨 " in client.get(url).get_data(as_text=True)
    auth.login(world.admin_a["phone"])
    auth.post(f"{url}/return", {"r-duty": "CG-01", "r-reason": "应由市政部门处理"})
    order = store.get_hotline_order(oid)
    assert order["holder"] == "street:dongsi" and order["state"] == "已签收"
    assert client.get(url).status_code == 404  # no longer routed to A


def test_phone_followup_and_close_by_the_district(world, client, auth):
    oid, url = _at_community(world)
    community = _actor(world.admin_a)
    store.sign_hotline_order(oid, "community:ca", community)
    store.contact_hotline_caller(oid, "community:ca", community, "联系了")
    store.answer_hotline_order(oid, "community:ca", community, "修好了", True)
    auth.login(world.district["phone"])
    page = auth.post(f"{url}/followup", {"f-rating": ""}, follow=True)
    assert "请选择评价" in page.get_data(as_text=True)
    auth.post(f"{url}/followup", {"f-rating": "basic", "f-comment": "还行"})
    order = store.get_hotline_order(oid)
    assert order["rating"]["source"] == "phone" and order["state"] == "已回访"
    page = auth.post(f"{url}/close", {"z-note": "办结"}, follow=True).get_data(as_text=True)
    assert "已结案" in page and "电话回访" in page
    assert store.list_hotline_open("community:ca") == []
    month = store.now().strftime("%Y-%m")
    assert "记录电话回访" in [e["action"] for e in store.list_audit(month, "dongsi")]


def test_answered_imported_order_asks_staff_to_give_the_caller_a_link(world, client, auth):
    # An imported order's caller has no account and the portal sends no SMS: at 已答复
    # the receiving unit is shown the step that reaches them, and the step is recorded.
    oid, url = _at_community(world)
    community = _actor(world.admin_a)
    store.sign_hotline_order(oid, "community:ca", community)
    store.contact_hotline_caller(oid, "community:ca", community, "联系了")
    auth.login(world.district["phone"])
    before = client.get(url).get_data(as_text=True)
    assert "请诉求人评价" not in before and before.count("生成诉求人查询链接") == 1
    store.answer_hotline_order(oid, "community:ca", community, "修好了", True)
    page = client.get(url).get_data(as_text=True)
    assert "请诉求人评价" in page and "还没有生成过查询链接" in page
    assert page.count("生成诉求人查询链接") == 2  # the step's text and its one button
    shown = auth.post(f"{url}/link", follow=True).get_data(as_text=True)
    link = re.search(r'<code class="link-box">([^<]+)</code>', shown).group(1)
    assert "/portal/hotline/s/" in link
    step = store.get_hotline_order(oid)["timeline"][-1]
    assert step["action"] == "生成居民查询链接" and step["state"] == "已答复"
    assert "转告诉求人" in step["note"] and step["uid"] == world.district["uid"]
    page = client.get(url).get_data(as_text=True)
    assert "已于" in page and "生成查询链接（记在办理过程中）" in page
    month = store.now().strftime("%Y-%m")
    assert "生成工单查询链接" in [e["action"] for e in store.list_audit(month)]
    # The community that answered is not the receiver: no link step for it.
    auth.login(world.admin_a["phone"])
    assert "请诉求人评价" not in client.get(url).get_data(as_text=True)
    # The resident rates through the link: the step is gone.
    token = link.rsplit("/", 1)[1]
    store.rate_hotline_order(token, "satisfied")
    auth.login(world.district["phone"])
    assert "请诉求人评价" not in client.get(url).get_data(as_text=True)


def test_the_list_pages_by_twenty_with_filters(world, client, auth):
    cats = store.hotline_config()["categories"]
    rows = [
        dict(zip(COLUMNS, _row(f"P{n:03d}", 诉求类别=cats[n % 2]["name"]), strict=True))
        for n in range(61)
    ]
    store.apply_hotline_import(rows, "district", _actor(world.district))
    auth.login(world.district["phone"])
    first = client.get(f"{BASE}/").get_data(as_text=True)
    assert "共 61 件" in first and first.count('href="/portal/hotline/o/') == 20
    assert "待派单（61）" in first and f"{cats[1]['name']}（30）" in first
    last = client.get(f"{BASE}/?page=4").get_data(as_text=True)
    assert last.count('href="/portal/hotline/o/') == 1
    only = client.get(f"{BASE}/?category={cats[1]['id']}&page=2").get_data(as_text=True)
    assert "共 30 件" in only and only.count('href="/portal/hotline/o/') == 10
    none = client.get(f"{BASE}/?overdue=1").get_data(as_text=True)
    assert "共 0 件" in none and "没有未结案的工单" in none
    odd = client.get(f"{BASE}/?category=no-such&state=x&page=abc").get_data(as_text=True)
    assert "共 61 件" in odd
