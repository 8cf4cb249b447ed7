"""The street's whistle forms show their errors beside each field, with a summary on top
("有 N 处需要修改：" linking to the fields), and keep what was typed (status 400)."""

from datetime import timedelta

from portal import store
from tests.conftest import make_user


def _verifying(world):
    police = make_user("13900000501", "dept_liaison", scope="gongan")
    traffic = make_user("13900000502", "dept_liaison", scope="jiaotong")
    w = store.create_whistle(
        "dongsi", world.street, item_id="W05-1", description="胡同口堵车", place="东四三条"
    )
    for who, dept in ((police, "gongan"), (traffic, "jiaotong")):
        store.acknowledge("dongsi", w["id"], dept, who)
        store.arrive("dongsi", w["id"], dept, who, "已到场")
        store.finish("dongsi", w["id"], dept, who, "已疏导")
    store.start_verify("dongsi", w["id"], world.street)
    return w["id"]


def test_close_form_errors_sit_beside_each_field_with_a_summary(world, auth):
    wid = _verifying(world)
    auth.login(world.street["phone"])
    resp = auth.post(
        f"/portal/whistles/s/dongsi/{wid}/close",
        {"r_gongan_timeliness": "5", "comment": "效果良好，已回访"},
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    # Six ratings asked, one given: five messages, each beside its field and linked above.
    assert "有 5 处需要修改：" in html
    assert '<a href="#r_gongan_result">' in html and 'id="r_jiaotong_attitude-errors"' in html
    assert 'id="r_gongan_timeliness-errors"' not in html
    assert "；" not in html.split("有 5 处需要修改：")[1].split("</ul>")[0]
    # What was typed is still there.
    assert "效果良好，已回访" in html
    assert '<option selected value="5">' in html or 'value="5" selected' in html
    assert store.get_whistle("dongsi", wid)["status"] == "街道核验"


def test_return_form_errors_are_shown_again(world, auth):
    wid = _verifying(world)
    auth.login(world.street["phone"])
    resp = auth.post(f"/portal/whistles/s/dongsi/{wid}/return", {"reason": "仍有车辆"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "有 1 处需要修改：" in html and '<a href="#departments">请选择要退回的部门。</a>' in html
    assert "仍有车辆" in html
    assert store.get_whistle("dongsi", wid)["status"] == "街道核验"


def test_escalate_form_errors_link_to_its_own_field(world, auth):
    w = store.create_whistle(
        "dongsi",
        world.street,
        item_id="W05-1",
        description="胡同口堵车",
        place="东四三条",
        at=store.now() - timedelta(days=3),
    )
    auth.login(world.street["phone"])
    resp = auth.post(f"/portal/whistles/s/dongsi/{w['id']}/escalate", {"reason": ""})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "有 1 处需要修改：" in html and '<a href="#escalate-reason">' in html
    assert 'id="escalate-reason-errors"' in html
    assert store.get_whistle("dongsi", w["id"])["level"] == 1
