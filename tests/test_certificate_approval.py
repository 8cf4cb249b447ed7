"""A 志愿服务记录证明 is issued by the member's community: the request waits for an admin
of that community (or is issued at once with 自动批准); only an approved certificate can be
printed and verified. The public page where a verifier types a certificate number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import store
from tests.conftest import make_user


def _served(world, uid=None):
    day = (store.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    _post, shift = world.post(day=day)
    start = store.shift_start(shift)
    row = store.sign_up("ca", shift["id"], uid or world.member["uid"], at=start - timedelta(days=1))
    store.mark_attendance("ca", shift["id"], row["id"], store.PRESENT, world.admin_a["uid"])
    store.confirm_hours("ca", shift["id"], world.admin_a["uid"])
    return shift


def _period():
    return date(2000, 1, 1), store.now().date()


def test_request_waits_for_the_community_and_verifies_only_once_approved(world):
    _served(world)
    cert = store.issue_certificate(world.member["uid"], *_period())
    assert cert["status"] == "pending" and cert["issued_at"] is None
    assert cert["community_id"] == "ca"
    assert store.get_certificate(cert["serial"])["status"] == "pending"
    assert store.verified_certificate(cert["serial"]) is None
    # asking again while it waits gives the same request
    assert store.issue_certificate(world.member["uid"], *_period())["serial"] == cert["serial"]
    assert [c["serial"] for c in store.community_certificates("ca", "pending")] == [cert["serial"]]
    assert store.community_certificates("cb") == []
    # only the issuing community decides
    with pytest.raises(store.NotFound):
        store.approve_certificate("cb", cert["serial"], world.admin_b["uid"])
    done = store.approve_certificate("ca", cert["serial"], world.admin_a["uid"])
    assert done["status"] == "approved" and done["issued_at"] and done["decided_by"]
    assert store.verified_certificate(cert["serial"])["serial"] == cert["serial"]
    with pytest.raises(store.StoreError, match="已经处理过"):
        store.decline_certificate("ca", cert["serial"], world.admin_a["uid"], "不对")


def test_declined_with_a_reason_then_asked_again(world):
    _served(world)
    cert = store.issue_certificate(world.member["uid"], *_period())
    with pytest.raises(store.StoreError, match="请填写原因"):
        store.decline_certificate("ca", cert["serial"], world.admin_a["uid"], "  ")
    done = store.decline_certificate("ca", cert["serial"], world.admin_a["uid"], "期间有误")
    assert done["status"] == "declined" and done["decline_reason"] == "期间有误"
    assert store.verified_certificate(cert["serial"]) is None
    again = store.issue_certificate(world.member["uid"], *_period())
    assert again["serial"] != cert["serial"] and again["status"] == "pending"
    statuses = [c["status"] for c in store.user_certificates(world.member["uid"])]
    assert sorted(statuses) == ["declined", "pending"]


def test_auto_approval_issues_at_once(world):
    _served(world)
    assert store.certificate_auto_approves("ca") is False
    store.set_certificate_auto_approve("ca", True, by=world.admin_a["uid"])
    assert store.certificate_auto_approves("ca") and not store.certificate_auto_approves("cb")
    cert = store.issue_certificate(world.member["uid"], *_period())
    assert cert["status"] == "approved" and cert["auto_approved"] and cert["issued_at"]
    assert store.verified_certificate(cert["serial"]) is not None
    store.set_certificate_auto_approve("ca", False)
    assert store.certificate_auto_approves("ca") is False


def test_a_certificate_from_before_approvals_counts_as_issued(world):
    _served(world)
    cert = store.issue_certificate(world.member["uid"], *_period())
    with store.current_backend().transaction(f"certificates/{cert['serial'][2:6]}") as (db,):
        data = db.storage.read()
        for row in data["certificates"].values():
            for key in ("status", "requested_at", "decided_at", "decided_by", "auto_approved"):
                row.pop(key)
            row["issued_at"] = "2026-01-05 10:00:00"
        db.storage.write(data)
    old = store.verified_certificate(cert["serial"])
    assert old is not None and old["status"] == "approved"
    assert store.user_certificates(world.member["uid"])[0]["requested_at"] == old["issued_at"]


def test_normalize_serial():
    serial = "DC2026-1A2B-3C4D-5E6F-7A8B"
    assert store.normalize_serial(" dc2026-1a2b-3c4d-5e6f-7a8b ") == serial
    assert store.normalize_serial("DC2026 - 1A2B-3C4D-5E6F-7A8B") == serial
    assert store.normalize_serial(f"http://x.cn/portal/verify/{serial}") == serial
    assert store.normalize_serial(f"http://x.cn/portal/verify/{serial}/qr.svg") == serial
    for bad in ("", "DC2026", "../../secret_key", "DC2026-1A2B-3C4D-5E6F-7A8G"):
        assert store.normalize_serial(bad) is None


# --- through HTTP --------------------------------------------------------------------------


def test_member_asks_admin_approves_then_it_prints_and_verifies(world, client, auth):
    _served(world)
    auth.login(world.member["phone"])
    resp = auth.post(
        "/portal/me/certificates",
        {"date_from": "2000-01-01", "date_to": store.now().strftime("%Y-%m-%d")},
    )
    serial = resp.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/portal/me/certificates/{serial}").get_data(as_text=True)
    assert "待社区审核" in page and "测试甲社区" in page
    assert f"/portal/verify/{serial}/qr.svg" not in page and "打印证明" not in page
    assert "待社区审核" in client.get("/portal/me/certificates").get_data(as_text=True)
    auth.logout()
    # not yet issued: the public check finds nothing, and there is no QR code
    assert client.get(f"/portal/verify/{serial}").status_code == 404
    assert client.get(f"/portal/verify/{serial}/qr.svg").status_code == 404
    # the community's admins were told
    note = store.inbox(world.admin_a["uid"])[0]
    assert note["kind"] == "certificate" and note["link"] == "/portal/admin/c/ca/certificates/"
    assert store.inbox(world.admin_b["uid"]) == []

    # another community's admin sees nothing and cannot approve
    auth.login(world.admin_b["phone"])
    assert client.get("/portal/admin/c/ca/certificates/").status_code == 404
    assert auth.post(f"/portal/admin/c/ca/certificates/{serial}/approve").status_code == 404
    assert auth.post(f"/portal/admin/c/cb/certificates/{serial}/approve").status_code == 404
    auth.logout()
    assert store.get_certificate(serial)["status"] == "pending"

    auth.login(world.admin_a["phone"])
    html = client.get("/portal/admin/c/ca/certificates/").get_data(as_text=True)
    assert "待审核（1）" in html and world.member["name"] in html and serial in html
    assert "证明审核" in html  # in the community's admin menu
    html = auth.post(f"/portal/admin/c/ca/certificates/{serial}/approve", follow=True).get_data(
        as_text=True
    )
    assert f"已出具{world.member['name']}的证明" in html and "待审核（0）" in html
    assert "出具证明" in [e["action"] for m in store.audit_months() for e in store.list_audit(m)]
    auth.logout()

    note = store.inbox(world.member["uid"])[0]
    assert note["kind"] == "certificate" and "已出具" in note["text"]
    auth.login(world.member["phone"])
    page = client.get(f"/portal/me/certificates/{serial}").get_data(as_text=True)
    today = store.now().date()
    assert f"/portal/verify/{serial}/qr.svg" in page and "出具单位：测试甲社区" in page
    assert f"批准日期：{today.year} 年 {today.month} 月 {today.day} 日" in page
    auth.logout()
    verify = client.get(f"/portal/verify/{serial}")
    assert verify.status_code == 200 and "证明有效" in verify.get_data(as_text=True)


def test_admin_declines_with_a_reason_and_sets_auto_approval(world, client, auth):
    _served(world)
    cert = store.issue_certificate(world.member["uid"], *_period())
    serial = cert["serial"]
    auth.login(world.admin_a["phone"])
    url = f"/portal/admin/c/ca/certificates/{serial}/decline"
    html = auth.post(url, {"reason": ""}, follow=True).get_data(as_text=True)
    assert "不予出具时请填写原因" in html
    assert store.get_certificate(serial)["status"] == "pending"
    auth.post(url, {"reason": "服务期间填写有误"})
    assert store.get_certificate(serial)["decline_reason"] == "服务期间填写有误"
    assert "服务期间填写有误" in store.inbox(world.member["uid"])[0]["text"]

    html = auth.post(
        "/portal/admin/c/ca/certificates/settings", {"auto_approve": "y"}, follow=True
    ).get_data(as_text=True)
    assert "已开启自动批准" in html and store.certificate_auto_approves("ca")
    auth.logout()

    auth.login(world.member["phone"])
    page = client.get(f"/portal/me/certificates/{serial}").get_data(as_text=True)
    assert "未通过" in page and "服务期间填写有误" in page
    resp = auth.post(
        "/portal/me/certificates",
        {"date_from": "2000-01-01", "date_to": store.now().strftime("%Y-%m-%d")},
    )
    again = resp.headers["Location"].rsplit("/", 1)[1]
    assert again != serial and store.get_certificate(again)["status"] == "approved"
    auth.logout()

    auth.login(world.admin_a["phone"])
    auth.post("/portal/admin/c/ca/certificates/settings", {})
    assert not store.certificate_auto_approves("ca")


def test_street_admin_of_the_community_may_decide(world, client, auth):
    _served(world)
    cert = store.issue_certificate(world.member["uid"], *_period())
    auth.login(world.street["phone"])
    auth.post(f"/portal/admin/c/ca/certificates/{cert['serial']}/approve")
    assert store.get_certificate(cert["serial"])["status"] == "approved"
    other = make_user("13800000099", "street_admin", scope="jingshan")
    auth.logout()
    auth.login(other["phone"])
    assert client.get("/portal/admin/c/ca/certificates/").status_code == 404


def test_verify_page_takes_a_typed_number(world, client):
    page = client.get("/portal/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "证明编号" in html and 'name="serial"' in html
    html = client.get("/portal/verify?serial=").get_data(as_text=True)
    assert "请输入证明编号" in html
    html = client.get("/portal/verify?serial=abc").get_data(as_text=True)
    assert "证明编号的格式不对" in html and 'value="abc"' in html
    resp = client.get("/portal/verify?serial=dc2026-1a2b-3c4d-5e6f-7a8b")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/portal/verify/DC2026-1A2B-3C4D-5E6F-7A8B")
    # an unknown number: the result page says so, with a way back to the form
    page = client.get("/portal/verify/DC2026-1A2B-3C4D-5E6F-7A8B")
    assert page.status_code == 404 and '/portal/verify"' in page.get_data(as_text=True)


def test_verify_form_also_takes_a_post(world, client, auth):
    resp = auth.post("/portal/verify", {"serial": "DC2026-1A2B-3C4D-5E6F-7A8B"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        "/portal/verify/DC2026-1A2B-3C4D-5E6F-7A8B"
    )
    assert "格式不对" in auth.post("/portal/verify", {"serial": "x"}).get_data(as_text=True)
