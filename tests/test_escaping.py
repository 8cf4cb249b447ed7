"""Every user-entered text is escaped wherever it is shown: a stored <script> never runs."""

from portal import store
from tests.conftest import make_user

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _assert_escaped(html: str):
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_user_text_is_escaped_on_every_page_that_shows_it(client, auth, world):
    community = store.add_community("dongsi", "社区" + EVIL, cid="cx")
    evil = make_user(
        "13700000077",
        "member",
        name="成员" + EVIL,
        home_cid="cx",
        work_unit="单位" + EVIL,
        party_org="支部" + EVIL,
    )
    admin = make_user("13700000078", "community_admin", scope="cx")
    post = store.create_post(
        "cx",
        admin["uid"],
        title="岗位" + EVIL,
        category="legal",
        description="说明" + EVIL,
        place="地点" + EVIL,
        kind="shifts",
        shifts=[{"date": "2099-02-02", "start": "09:00", "end": "10:00", "capacity": 2}],
    )
    shift = store.post_shifts("cx", post["id"])[0]
    report = store.submit_report_in(evil["uid"], "cx")
    store.return_report_in("cx", report["id"], admin["uid"], "原因" + EVIL)
    store.submit_report_in(evil["uid"], "cx")
    store.sign_up("cx", shift["id"], evil["uid"])

    public_pages = [
        "/portal/posts",
        f"/portal/c/cx/posts/{post['id']}",
        "/portal/communities",
        "/portal/c/cx",
        "/portal/join/cx",
    ]
    for url in public_pages:
        _assert_escaped(client.get(url).get_data(as_text=True))
    auth.login(evil["phone"])
    for url in ("/portal/me", "/portal/recommend", "/portal/profile"):
        _assert_escaped(client.get(url).get_data(as_text=True))
    auth.logout()
    auth.login(admin["phone"])
    for url in (
        "/portal/admin/c/cx/",
        "/portal/admin/c/cx/report-ins",
        "/portal/admin/c/cx/posts",
        f"/portal/admin/c/cx/posts/{post['id']}",
        f"/portal/admin/c/cx/shifts/{shift['id']}/roster",
    ):
        _assert_escaped(client.get(url).get_data(as_text=True))
    assert community["name"].startswith("社区<script>")  # stored as typed, only escaped on output
