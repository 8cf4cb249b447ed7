"""Whistles to departments nobody can receive (issue 22): the whistle form marks every
department without an active liaison account, the flash after raising names them instead
of promising a notification, and the district admin's liaisons page lists them."""

from __future__ import annotations

import re

from portal import store
from tests.conftest import make_user

MARK = "（尚无联络人账号，无法在平台接收）"


def _labels(html: str) -> dict[str, str]:
    """department id -> the label text next to its checkbox on the whistle form."""
    return dict(
        re.findall(
            r'name="departments"[^>]*value="([^"]+)"[^>]*>\s*<label[^>]*>([^<]*)</label>', html
        )
    )


def test_the_form_marks_departments_without_an_active_liaison(client, auth, world):
    make_user("13900000301", "dept_liaison", scope="gongan")
    stopped = make_user("13900000302", "dept_liaison", scope="jiaotong")
    store.set_disabled(stopped["uid"], True)
    auth.login(world.street["phone"])
    labels = _labels(client.get("/portal/whistles/new").get_data(as_text=True))
    assert len(labels) == len(store.departments())
    assert labels["gongan"] == "公安"
    assert labels["jiaotong"] == "交通" + MARK  # only a disabled liaison
    assert labels["shichang"] == "市场监管（示例）" + MARK


def _raise(auth, departments):
    return auth.post(
        "/portal/whistles/new",
        {
            "item": "W05-1",
            "description": "胡同违停",
            "place": "东四三条",
            "departments": departments,
        },
        follow=True,
    ).get_data(as_text=True)


def test_the_flash_names_who_cannot_be_notified(client, auth, world):
    police = make_user("13900000301", "dept_liaison", scope="gongan")
    auth.login(world.street["phone"])
    html = _raise(auth, ["gongan", "jiaotong"])
    assert "已吹哨，公安会收到通知。交通尚无联络人账号，无法在平台收到通知" in html
    assert "被召集的部门会收到通知" not in html
    assert any(n["kind"] == "whistle" for n in store.inbox(police["uid"]))
    html = _raise(auth, ["jiaotong", "shichang"])
    assert "已吹哨。交通、市场监管尚无联络人账号" in html and "会收到通知" not in html


def test_the_flash_is_plain_when_everyone_can_receive_it(client, auth, world):
    make_user("13900000301", "dept_liaison", scope="gongan")
    make_user("13900000302", "dept_liaison", scope="jiaotong")
    auth.login(world.street["phone"])
    html = _raise(auth, ["gongan", "jiaotong"])
    assert "已吹哨，被召集的部门会收到通知。" in html and "尚无联络人" not in html


def _missing_section(html: str) -> str:
    return html.split('id="missing"')[1].split("</section>")[0]


def test_the_district_sees_departments_without_liaisons(client, auth, world):
    make_user("13900000301", "dept_liaison", scope="gongan")
    stopped = make_user("13900000302", "dept_liaison", scope="jiaotong")
    store.set_disabled(stopped["uid"], True)
    auth.login(world.district["phone"])
    section = _missing_section(client.get("/portal/whistles/liaisons").get_data(as_text=True))
    assert f"尚无联络人的部门（{len(store.departments()) - 1}）" in section
    assert "公安" not in section
    assert "交通" in section and "现有联络员已停用" in section
    assert "城管执法" in section and "市场监管（示例）" in section
    # creating a liaison takes the department off the list
    auth.post(
        "/portal/whistles/liaisons",
        {"scope": "jiaotong", "name": "李警官", "phone": "13900000399", "password": "abc12345xyz"},
    )
    section = _missing_section(client.get("/portal/whistles/liaisons").get_data(as_text=True))
    assert "交通" not in section
