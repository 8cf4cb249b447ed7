"""去报到 starts from the member's own street: the communities list opens on the street of
the community they reported to (or of their home community), theirs first, with a clear
way to see every street."""

from __future__ import annotations

import re

from portal import store
from tests.conftest import make_user


def _names(html: str) -> list[str]:
    return re.findall(r'<td class="stack-title"><a href="/portal/c/[^"]+">([^<]+)</a>', html)


def test_member_starts_on_the_home_street(client, auth, world):
    store.add_community("dongsi", "测试丁社区", cid="cd")
    auth.login(world.member["phone"])  # home community: 测试甲社区 (东四)
    html = client.get("/portal/communities").get_data(as_text=True)
    assert _names(html) == ["测试甲社区", "测试乙社区", "测试丁社区"]
    assert "测试丙社区" not in html  # 景山
    assert "已为您显示" in html and "东四街道" in html and "您的社区" in html
    assert 'href="/portal/communities?street="' in html
    everyone = client.get("/portal/communities?street=").get_data(as_text=True)
    assert "测试丙社区" in everyone and "已为您显示" not in everyone
    assert "只看东四街道" in everyone
    other = client.get("/portal/communities?street=jingshan").get_data(as_text=True)
    assert _names(other) == ["测试丙社区"]
    # the 去报到 link of the member home leads here
    assert 'href="/portal/communities">去报到</a>' in client.get("/portal/me").get_data(
        as_text=True
    )


def test_the_reported_community_wins_over_the_profile(client, auth, world):
    report = store.submit_report_in(world.member["uid"], "cc")  # 景山, pending
    auth.login(world.member["phone"])
    html = client.get("/portal/communities").get_data(as_text=True)
    assert _names(html) == ["测试丙社区"]
    store.withdraw_report_in(world.member["uid"], "cc", report["id"])
    store.confirm_report_in(
        "cb", store.submit_report_in(world.member["uid"], "cb")["id"], world.admin_b["uid"]
    )
    html = client.get("/portal/communities").get_data(as_text=True)
    assert _names(html)[0] == "测试乙社区" and "测试丙社区" not in html


def test_everyone_else_sees_every_street(client, auth, world):
    assert "测试丙社区" in client.get("/portal/communities").get_data(as_text=True)
    auth.login(world.admin_a["phone"])
    html = client.get("/portal/communities").get_data(as_text=True)
    assert "测试丙社区" in html and "已为您显示" not in html
    auth.logout()
    volunteer = make_user("13800000077", "volunteer")  # no home community
    auth.login(volunteer["phone"])
    html = client.get("/portal/communities").get_data(as_text=True)
    assert "测试丙社区" in html and "已为您显示" not in html
