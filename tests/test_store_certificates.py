"""Service record certificates and quarterly summaries at the store level."""

from datetime import date, timedelta

import pytest

from portal import store


def _served(
    world, day, hours_start="09:00", end="11:00", category="legal", confirm=True, uid=None, cid="ca"
):
    _post, shift = world.post(cid=cid, day=day, start=hours_start, end=end, category=category)
    start = store.shift_start(shift)
    row = store.sign_up(cid, shift["id"], uid or world.member["uid"], at=start - timedelta(days=1))
    store.mark_attendance(
        cid, shift["id"], row["id"], "present", world.admin_a["uid"], at=start + timedelta(hours=3)
    )
    if confirm:
        store.confirm_hours(cid, shift["id"], world.admin_a["uid"], at=start + timedelta(hours=4))
    return shift


def test_mask_name():
    assert store.mask_name("王建国") == "王*国"
    assert store.mask_name("李明") == "李*"
    assert store.mask_name("欧阳小明") == "欧**明"
    assert store.mask_name("") == "*"


def test_certificate_holds_confirmed_hours_of_the_period_only(world):
    _served(world, "2026-02-10")
    _served(world, "2026-03-05", end="12:00", category="elderly")
    _served(world, "2026-03-20", confirm=False)  # pending: not certified
    _served(world, "2026-05-01")  # outside the period
    cert = store.issue_certificate(world.member["uid"], date(2026, 2, 1), date(2026, 3, 31))
    assert cert["total_hours"] == 5.0
    assert cert["by_category"] == {"legal": 2.0, "elderly": 3.0}
    assert [i["date"] for i in cert["items"]] == ["2026-02-10", "2026-03-05"]
    assert cert["community"] == "测试甲社区"  # home community of the member
    assert cert["masked_name"] == store.mask_name(world.member["name"])
    assert store.get_certificate(cert["serial"])["total_hours"] == 5.0
    # asking again for the same content gives the same serial
    again = store.issue_certificate(world.member["uid"], date(2026, 2, 1), date(2026, 3, 31))
    assert again["serial"] == cert["serial"]
    assert [c["serial"] for c in store.user_certificates(world.member["uid"])] == [cert["serial"]]


def test_forged_and_malformed_serials_find_nothing(world):
    _served(world, "2026-02-10")
    cert = store.issue_certificate(world.member["uid"], date(2026, 1, 1), date(2026, 12, 31))
    serial = cert["serial"]
    last = "0" if serial[-1] != "0" else "1"
    assert store.get_certificate(serial[:-1] + last) is None
    assert store.get_certificate("DC2026-0000-0000-0000-0000") is None
    assert store.get_certificate("../../secret_key") is None
    assert store.get_certificate(serial.lower())["serial"] == serial


def test_no_certificate_without_confirmed_hours(world):
    _served(world, "2026-02-10", confirm=False)
    with pytest.raises(store.StoreError, match="没有已确认的服务工时"):
        store.issue_certificate(world.member["uid"], date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(store.StoreError, match="不能晚于"):
        store.issue_certificate(world.member["uid"], date(2026, 5, 1), date(2026, 1, 1))


def test_quarterly_summary_of_reported_members(world):
    report = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    _served(world, "2026-01-15")
    _served(world, "2026-04-02")
    assert store.quarter_range("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert store.quarter_range("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(store.NotFound):
        store.quarter_range("2026-Q5")
    rows = store.community_quarter_summaries("ca", "2026-Q1")
    assert [(r["name"], r["total_hours"], r["work_unit"], r["party_org"]) for r in rows] == [
        (world.member["name"], 2.0, "测试单位", "测试党支部")
    ]
    assert store.community_quarter_summaries("cb", "2026-Q1") == []
