"""Roster, member and quarterly exports: xlsx read back with openpyxl, CSV with BOM, scopes."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from portal import store
from tests.conftest import make_user


def _report(uid, cid, admin):
    report = store.submit_report_in(uid, cid)
    store.confirm_report_in(cid, report["id"], admin["uid"])


def _rows(resp):
    book = load_workbook(io.BytesIO(resp.data), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_roster_xlsx_holds_the_shift_rows(world, client, auth):
    day = (store.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    _post, shift = world.post(day=day, capacity=1)
    before = store.shift_start(shift) - timedelta(days=1)
    first = store.sign_up("ca", shift["id"], world.member["uid"], at=before)
    store.sign_up("ca", shift["id"], world.volunteer["uid"], at=before)  # waiting
    store.mark_attendance("ca", shift["id"], first["id"], "present", world.admin_a["uid"])
    _other_post, other = world.post(cid="ca", title="另一个岗位")
    store.sign_up("ca", other["id"], make_user("13700000021", "volunteer", name="别的班次")["uid"])

    auth.login(world.admin_a["phone"])
    resp = client.get(f"/portal/admin/c/ca/export/shifts/{shift['id']}.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = _rows(resp)
    assert rows[0][:5] == ["序号", "姓名", "身份", "手机号", "状态"]
    assert [(r[1], r[3], r[4], r[6], r[7], r[8]) for r in rows[1:]] == [
        (world.member["name"], world.member["phone"], "已报名", "已到", 2, "待确认"),
        (world.volunteer["name"], world.volunteer["phone"], "候补中", None, None, None),
    ]
    entry = store.list_audit(store.now().strftime("%Y-%m"))[0]
    assert entry["action"] == "导出名单" and entry["street_id"] == "dongsi"


def test_csv_starts_with_bom_and_neutralises_formulas(world, client, auth):
    sly = make_user("13700000022", "member", name='=HYPERLINK("x")', home_cid="ca")
    _report(sly["uid"], "ca", world.admin_a)
    _report(world.member["uid"], "ca", world.admin_a)
    auth.login(world.admin_a["phone"])
    resp = client.get("/portal/admin/c/ca/export/members.csv")
    assert resp.status_code == 200 and resp.data.startswith(b"\xef\xbb\xbf")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert resp.headers["Cache-Control"] == "no-store"  # personal data: kept in no cache
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "身份", "手机号", "工作单位", "所在党组织", "专长", "报到确认时间"]
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted([world.member["name"], '\'=HYPERLINK("x")'])
    xlsx = _rows(client.get("/portal/admin/c/ca/export/members.xlsx"))
    assert sorted(r[0] for r in xlsx[1:]) == names  # no formula in the workbook either


def test_exports_hold_only_the_admins_scope(world, client, auth):
    _report(world.member["uid"], "ca", world.admin_a)
    b_member = make_user("13700000023", "member", name="乙社区党员")
    _report(b_member["uid"], "cb", world.admin_b)
    _post, shift = world.post(cid="ca")
    store.sign_up("ca", shift["id"], world.member["uid"])

    auth.login(world.admin_b["phone"])
    rows = _rows(client.get("/portal/admin/c/cb/export/members.xlsx"))
    assert [r[0] for r in rows[1:]] == ["乙社区党员"]
    assert client.get("/portal/admin/c/ca/export/members.xlsx").status_code == 404
    assert client.get(f"/portal/admin/c/ca/export/shifts/{shift['id']}.xlsx").status_code == 404
    assert client.get(f"/portal/admin/c/cb/export/shifts/{shift['id']}.csv").status_code == 404
    assert client.get("/portal/admin/c/cb/export/members.pdf").status_code == 404
    auth.logout()

    # a street admin may export the street's communities, not another street's
    auth.login(world.street["phone"])
    assert client.get(f"/portal/admin/c/ca/export/shifts/{shift['id']}.csv").status_code == 200
    assert client.get("/portal/admin/c/cc/export/members.csv").status_code == 404
    auth.logout()
    auth.login(world.member["phone"])
    assert client.get("/portal/admin/c/ca/export/members.csv").status_code == 403


def test_quarterly_export_for_the_work_unit(world, client, auth):
    _report(world.member["uid"], "ca", world.admin_a)
    day = (store.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    _post, shift = world.post(day=day)
    row = store.sign_up(
        "ca", shift["id"], world.member["uid"], at=store.shift_start(shift) - timedelta(days=1)
    )
    store.mark_attendance("ca", shift["id"], row["id"], "present", world.admin_a["uid"])
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"])
    quarter = store.quarter_of(store.shift_start(shift).date())
    auth.login(world.admin_a["phone"])
    rows = _rows(client.get(f"/portal/admin/c/ca/export/quarterly-{quarter}.xlsx"))
    assert rows[0][:6] == ["姓名", "工作单位", "所在党组织", "季度", "服务次数", "确认工时（小时）"]
    assert rows[1][:6] == [world.member["name"], "测试单位", "测试党支部", quarter, 1, 2]
    assert "法律咨询 2 小时" in rows[1][6]
    resp = client.get(f"/portal/admin/c/ca/export/quarterly-{quarter}.csv")
    assert resp.data.startswith(b"\xef\xbb\xbf")
    auth.logout()
    auth.login(world.admin_b["phone"])
    assert client.get(f"/portal/admin/c/ca/export/quarterly-{quarter}.csv").status_code == 404
