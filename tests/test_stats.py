"""Dashboard figures from a known data set, the SVG chart, and the dashboard and audit pages."""

from datetime import timedelta

from portal import store
from portal.svgchart import bar_chart
from tests.conftest import make_user


def _day_this_month() -> str:
    return store.now().strftime("%Y-%m-01")


def _signed(world, cid, uid, capacity, category="legal", start="09:00", end="11:00"):
    _post, shift = world.post(
        cid=cid, capacity=capacity, day=_day_this_month(), start=start, end=end, category=category
    )
    begin = store.shift_start(shift)
    row = store.sign_up(cid, shift["id"], uid, at=begin - timedelta(days=1))
    return shift, row, begin


def _known_data(world):
    """ca: 2 places, member 已到 2h confirmed, volunteer 缺席; cb: 4 places, one 已到 3h
    (adjusted) confirmed, plus one 已到 still pending; cc (景山): 已到 5h confirmed."""
    admin = world.admin_a["uid"]
    s1, r1, b1 = _signed(world, "ca", world.member["uid"], 2)
    r2 = store.sign_up("ca", s1["id"], world.volunteer["uid"], at=b1 - timedelta(days=1))
    store.mark_attendance("ca", s1["id"], r1["id"], "present", admin, at=b1 + timedelta(hours=2))
    store.mark_attendance("ca", s1["id"], r2["id"], "absent", admin, at=b1 + timedelta(hours=2))
    store.confirm_hours("ca", s1["id"], admin, at=b1 + timedelta(hours=3))

    helper, late = make_user("13700000011", "volunteer"), make_user("13700000012", "volunteer")
    s2, r3, b2 = _signed(
        world, "cb", helper["uid"], 4, category="elderly", start="14:00", end="16:00"
    )
    r4 = store.sign_up("cb", s2["id"], late["uid"], at=b2 - timedelta(days=1))
    store.mark_attendance("cb", s2["id"], r3["id"], "present", admin, at=b2 + timedelta(hours=2))
    store.adjust_hours(
        "cb", s2["id"], r3["id"], 3, "提前布置场地", admin, at=b2 + timedelta(hours=2)
    )
    store.confirm_hours("cb", s2["id"], admin, at=b2 + timedelta(hours=3))
    store.mark_attendance("cb", s2["id"], r4["id"], "present", admin, at=b2 + timedelta(hours=4))

    other = make_user("13700000013", "volunteer")
    s3, r5, b3 = _signed(world, "cc", other["uid"], 1, start="18:00", end="23:00")
    store.mark_attendance("cc", s3["id"], r5["id"], "present", admin, at=b3 + timedelta(hours=5))
    store.confirm_hours("cc", s3["id"], admin, at=b3 + timedelta(hours=6))

    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], admin)
    other_member = make_user("13700000014", "member")
    store.submit_report_in(other_member["uid"], "cb")  # pending


def test_figures_of_a_known_data_set(world):
    _known_data(world)
    months = store.stats.last_months(6)
    month = months[-1]
    dongsi = ["ca", "cb"]
    assert store.stats.reported_members_by_community(dongsi) == {"ca": 1, "cb": 0}
    assert store.stats.pending_report_ins_by_community(dongsi) == {"ca": 0, "cb": 1}
    assert store.stats.posts_fill_rate(dongsi, months) == {
        "capacity": 6,
        "confirmed": 4,
        "rate": 0.667,
    }
    table = store.stats.hours_by_category_and_month(dongsi, months)
    assert table[month] == {"legal": 2.0, "elderly": 3.0}
    assert all(table[m] == {} for m in months[:-1])
    assert store.stats.hours_by_category(table) == {"elderly": 3.0, "legal": 2.0}
    assert store.stats.hours_by_month(table)[-1] == (month, 5.0)
    assert store.stats.no_show_rate(dongsi, months) == {"marked": 4, "absent": 1, "rate": 0.25}
    # the whole district adds 景山's 5 hours
    everything = store.stats.hours_by_category_and_month(["ca", "cb", "cc"], months)
    assert everything[month] == {"legal": 7.0, "elderly": 3.0}
    # months outside the window are not counted
    assert store.stats.no_show_rate(dongsi, months[:-1]) == {"marked": 0, "absent": 0, "rate": None}


def test_figures_per_community_and_per_street(world):
    _known_data(world)
    months = store.last_months(6)
    rows = store.figures_by_community(["ca", "cb", "cc"], months)
    assert rows["ca"] == {
        "members": 1,
        "pending": 0,
        "capacity": 2,
        "confirmed": 2,
        "hours": 2.0,
        "marked": 2,
        "absent": 1,
        "fill": 1.0,
        "no_show": 0.5,
    }
    assert (rows["cb"]["pending"], rows["cb"]["hours"], rows["cb"]["fill"]) == (1, 3.0, 0.5)
    # a street's figures add up its communities' counts; the rates are worked out again
    streets = store.figures_by_street(store.list_communities(), rows)
    assert streets["dongsi"]["members"] == 1 and streets["dongsi"]["pending"] == 1
    assert (streets["dongsi"]["fill"], streets["dongsi"]["no_show"]) == (0.667, 0.25)
    assert streets["dongsi"]["hours"] == 5.0 and streets["jingshan"]["hours"] == 5.0
    empty = store.add_up_figures([])
    assert empty["members"] == 0 and empty["fill"] is None and empty["no_show"] is None


def test_last_months_wraps_the_year():
    from datetime import datetime

    assert store.stats.last_months(3, datetime(2026, 2, 5)) == ["2025-12", "2026-01", "2026-02"]


def test_bar_chart_is_plain_svg_with_escaped_labels():
    svg = str(bar_chart([("法律<咨询>", 2.0), ("为老服务", 4.5)], "工时", "小时"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "法律&lt;咨询&gt;" in svg and "4.5小时" in svg and "style=" not in svg
    assert svg.count('class="chart-bar"') == 2
    assert "暂无数据" in str(bar_chart([], "空"))


def test_street_dashboard_shows_its_street_only(world, client, auth):
    _known_data(world)
    store.create_need(
        "ca",
        category="environment",
        description="楼道堆物需要清理",
        raised_by="resident",
        by=world.admin_a["uid"],
    )
    store.create_need(
        "cc",
        category="legal",
        description="景山的需求",
        raised_by="resident",
        by=world.admin_a["uid"],
    )
    auth.login(world.street["phone"])
    html = client.get("/portal/admin/dashboard").get_data(as_text=True)
    assert "东四街道 · 数据看板" in html
    assert "测试甲社区" in html and "测试乙社区" in html and "测试丙社区" not in html
    assert "<svg" in html and "67%" in html and "25%" in html
    # 每月一题 is cross-channel: the 环境整治 need counts under the hotline category 环境卫生
    # (hotline.yml), 景山's need (法律 → 邻里纠纷) is outside the street
    assert "每月一题" in html and "<strong>环境卫生</strong>，共 1 件" in html
    assert "工单 0、需求 1、吹哨 0" in html and "邻里纠纷" not in html
    assert "景山的需求" not in html
    # a street admin cannot look at another street by URL
    assert client.get("/portal/admin/dashboard?street=jingshan").status_code == 404


def test_district_dashboard_and_filter(world, client, auth):
    _known_data(world)
    auth.login(world.district["phone"])
    html = client.get("/portal/admin/dashboard").get_data(as_text=True)
    assert "东城区 · 数据看板" in html and "景山街道" in html and "测试丙社区" not in html
    html = client.get("/portal/admin/dashboard?street=jingshan").get_data(as_text=True)
    assert "测试丙社区" in html and "测试甲社区" not in html
    assert client.get("/portal/admin/dashboard?street=nowhere").status_code == 404


def test_dashboard_and_audit_are_for_area_admins_only(world, client, auth):
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/admin/dashboard").status_code == 403
    assert client.get("/portal/admin/audit").status_code == 403


def test_audit_page_shows_a_street_admin_their_street_only(world, client, auth):
    store.record_audit(
        world.admin_a,
        "登记到岗",
        community_id="ca",
        street_id="dongsi",
        target="东四的记录",
        before=None,
        after={"到岗": "已到"},
    )
    store.record_audit(
        world.district, "新增社区", community_id="cc", street_id="jingshan", target="景山的记录"
    )
    month = store.now().strftime("%Y-%m")
    auth.login(world.street["phone"])
    html = client.get(f"/portal/admin/audit?month={month}").get_data(as_text=True)
    assert "东四的记录" in html and "到岗：已到" in html and "景山的记录" not in html
    assert client.get("/portal/admin/audit?month=../../x").status_code == 404
    auth.logout()
    auth.login(world.district["phone"])
    html = client.get("/portal/admin/audit").get_data(as_text=True)
    assert "东四的记录" in html and "景山的记录" in html
