"""The three lists through the client: the public need form, the status page, admin flows."""

import io
import re

import pytest
from PIL import Image

from portal import store
from tests.conftest import csrf_token, stored_photos

FORM = "/portal/needs/new/ca"
LISTS = "/portal/admin/c/ca/lists"
XSS = "<script>alert('x')</script>"


def _fields(**extra):
    data = {
        "category": "elderly",
        "description": "楼道灯坏了，晚上看不见",
        "building": "3号楼",
        "urgency": "urgent",
        "raised_by": "resident",
        "name": "王阿姨",
        "phone": "13900000001",
        "website": "",
    }
    data.update(extra)
    return data


def _submit(client, url=FORM, **extra):
    data = _fields(**extra)
    data.setdefault("csrf_token", csrf_token(client, url))
    return client.post(url, data=data, content_type="multipart/form-data")


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 55.0, 12.0)
    gps[3], gps[4] = "E", (116.0, 25.0, 1.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input really has GPS
    return data


def _uploads(data_dir):
    return stored_photos("ca")


# ---------------------------------------------------------------- public form


def test_public_form_and_status_link(client, world):
    page = client.get(FORM).get_data(as_text=True)
    assert "我要提需求" in page and 'class="hp-field"' in page and "lists.css" in page
    assert 'style="' not in page and "<script>" not in page.split("</head>")[1]
    resp = _submit(client)
    assert resp.status_code == 302
    status_url = resp.headers["Location"]
    assert status_url.startswith("/portal/needs/status/ca.")
    [need] = store.list_needs("ca")
    assert need["phone"] == "13900000001" and need["source"] == "public"
    assert need["urgency"] == "urgent" and need["status"] == "待处理"
    html = client.get(status_url).get_data(as_text=True)
    assert "楼道灯坏了" in html and "待处理" in html and "请勿转发" in html
    assert "13900000001" not in html
    # the admin's notes show up, dated, on the status page
    store.start_need("ca", need["id"], world.admin_a["uid"], "物业已派人")
    store.close_need("ca", need["id"], world.admin_a["uid"])
    store.rate_need_by_resident(status_url.rsplit("/", 1)[1], 4, "很及时")
    html = client.get(status_url).get_data(as_text=True)
    assert "物业已派人" in html and "满意度 4 / 5" in html and "很及时" in html
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    # a guessed token shows nothing
    assert client.get(status_url[:-3] + "abc").status_code == 404
    assert client.get("/portal/needs/status/ca.x").status_code == 404


def test_public_form_shows_no_other_needs(client, world):
    _submit(client)
    other = store.create_need(
        "ca",
        category="legal",
        description="别人的需求，不要显示",
        raised_by="resident",
        phone="13900000009",
    )
    mine = _submit(client, description="我的需求").headers["Location"]
    html = client.get(mine).get_data(as_text=True)
    assert "我的需求" in html and "别人的需求" not in html and "楼道灯" not in html
    assert other["status_token"] not in html


def test_unknown_community_form_is_404(client, world):
    assert client.get("/portal/needs/new/nowhere").status_code == 404
    assert client.get("/portal/needs/new/..%2F..").status_code == 404


@pytest.mark.parametrize("phone", ["12345", "2390000000a", ""])
def test_bad_phone_is_refused_in_chinese(client, world, phone):
    resp = _submit(client, phone=phone)
    assert resp.status_code == 200
    assert "请输入 11 位中国大陆手机号" in resp.get_data(as_text=True)
    assert store.list_needs("ca") == []


def test_other_field_errors_in_chinese(client, world):
    html = _submit(client, category="nope", description="", urgency="x").get_data(as_text=True)
    assert "请选择需求分类" in html and "请填写需求描述" in html and "请选择紧急程度" in html
    assert store.list_needs("ca") == []


def test_missing_csrf_stores_nothing_and_keeps_the_fields(client, world):
    resp = client.post(FORM, data=_fields(), content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "页面已过期，请重新提交" in html
    assert "楼道灯坏了，晚上看不见" in html and 'value="3号楼"' in html  # as typed
    assert store.list_needs("ca") == []


def test_honeypot_pretends_success_and_stores_nothing(client, world, data_dir):
    resp = _submit(
        client,
        website="http://spam.example",
        photos=(io.BytesIO(_jpeg_with_gps()), "a.jpg", "image/jpeg"),
    )
    assert resp.status_code == 200 and "需求已提交" in resp.get_data(as_text=True)
    assert store.list_needs("ca") == []
    assert _uploads(data_dir) == []


def test_rate_limit_per_address(app, client, world):
    app.config["NEED_RATE_PER_ADDRESS"] = 2
    for n in range(2):
        assert _submit(client, phone=f"1390000000{n}").status_code == 302
    resp = _submit(client, phone="13900000005")
    assert resp.status_code == 429
    assert "提交过于频繁" in resp.get_data(as_text=True)
    assert len(store.list_needs("ca")) == 2


def test_rate_limit_per_phone(app, client, world):
    app.config["NEED_RATE_PER_PHONE"] = 1
    assert _submit(client).status_code == 302
    other_client = app.test_client()
    resp = _submit(other_client)  # another client, same phone
    assert resp.status_code == 429 and "提交过于频繁" in resp.get_data(as_text=True)
    assert len(store.list_needs("ca")) == 1


def test_photo_is_reencoded_without_exif(client, world, data_dir, auth):
    original = _jpeg_with_gps()
    resp = _submit(client, photos=(io.BytesIO(original), "IMG_0001.jpg", "image/jpeg"))
    assert resp.status_code == 302
    status_url = resp.headers["Location"]
    [need] = store.list_needs("ca")
    [stored] = _uploads(data_dir)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", stored.name) and stored.name == need["photo"]
    raw = stored.read_bytes()
    assert b"SecretCam" not in raw and b"Exif" not in raw and raw != original
    with Image.open(stored) as img:
        assert img.format == "JPEG" and img.size == (64, 48)
        assert not img.getexif() and "exif" not in img.info
    # the person who raised it sees it through the status link
    photo = client.get(status_url + "/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data == raw
    assert "/photo" in client.get(status_url).get_data(as_text=True)
    # admins in scope see it; others do not
    url = f"{LISTS}/needs/{need['id']}/photo"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    auth.login(world.admin_b["phone"])
    assert client.get(url).status_code == 404
    assert client.get(f"/portal/admin/c/cb/lists/needs/{need['id']}/photo").status_code == 404
    auth.logout()
    auth.login(world.admin_a["phone"])
    assert client.get(url).data == raw


def test_png_with_alpha_is_accepted(client, world, data_dir):
    buf = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(buf, "PNG")
    assert (
        _submit(client, photos=(io.BytesIO(buf.getvalue()), "a.png", "image/png")).status_code
        == 302
    )
    [stored] = _uploads(data_dir)
    with Image.open(stored) as img:
        assert img.format == "JPEG" and img.mode == "RGB"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("notes.txt", b"hello", "不是可以接收的照片"),
        ("fake.jpg", b"this is not a picture", "无法识别这张照片"),
        ("anim.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "无法识别这张照片"),
    ],
)
def test_non_image_refused(client, world, data_dir, name, content, message):
    resp = _submit(client, photos=(io.BytesIO(content), name, "application/octet-stream"))
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert store.list_needs("ca") == []
    assert _uploads(data_dir) == []


def test_gif_refused(client, world, data_dir):
    buf = io.BytesIO()
    Image.new("RGB", (5, 5)).save(buf, "GIF")
    resp = _submit(client, photos=(io.BytesIO(buf.getvalue()), "x.jpg", "image/jpeg"))
    assert "照片只能是 JPG、PNG、WebP 或 HEIC 格式" in resp.get_data(as_text=True)
    assert store.list_needs("ca") == [] and _uploads(data_dir) == []


def test_oversize_photo_refused(app, client, world, data_dir):
    app.config["NEED_PHOTO_MAX_BYTES"] = 1024 * 1024
    big = _jpeg_with_gps() + b"\0" * (1024 * 1024)
    resp = _submit(client, photos=(io.BytesIO(big), "big.jpg", "image/jpeg"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "照片不能超过 1 MB，这张有 1.0 MB" in html
    assert "楼道灯坏了，晚上看不见" in html
    assert store.list_needs("ca") == [] and _uploads(data_dir) == []


def test_request_over_the_app_limit_is_413_with_the_form(app, client, world, data_dir):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    huge = b"\xff\xd8" + b"\0" * (3 * 1024 * 1024)
    resp = _submit(client, photos=(io.BytesIO(huge), "huge.jpg", "image/jpeg"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413 and "照片太大，没有收到" in html
    assert "楼道灯坏了，晚上看不见" in html  # the fields before the photos were read
    assert store.list_needs("ca") == [] and _uploads(data_dir) == []


def test_community_page_links_to_form(client, world):
    html = client.get("/portal/c/ca").get_data(as_text=True)
    assert 'href="/portal/needs/new/ca"' in html


# ---------------------------------------------------------------- admin


def _audit_actions():
    return [e["action"] for month in store.audit_months() for e in store.list_audit(month)]


def test_admin_need_life_cycle(client, auth, world):
    auth.login(world.admin_a["phone"])
    assert client.get(f"{LISTS}/needs/new").status_code == 200
    resp = auth.post(
        f"{LISTS}/needs/new",
        {
            "category": "legal",
            "description": "代王大爷提：遗产咨询",
            "building": "",
            "urgency": "normal",
            "raised_by": "alley_steward",
            "name": "",
            "phone": "",
        },
    )
    assert resp.status_code == 302
    [need] = store.list_needs("ca")
    assert need["raised_by"] == "alley_steward" and need["created_by"] == world.admin_a["uid"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "/portal/needs/status/ca." in page  # the status link, shown once
    url = f"{LISTS}/needs/{need['id']}"
    auth.post(f"{url}/start", {"note": "已联系律师"})
    auth.post(f"{url}/note", {"text": "周六面谈"})
    # a phone follow-up before closing is refused in Chinese and changes nothing
    html = auth.post(
        f"{url}/followup", {"satisfaction": "5", "comment": "好"}, follow=True
    ).get_data(as_text=True)
    assert "需求办结后才能评价" in html
    assert store.get_need("ca", need["id"])["status"] == "处理中"
    auth.post(f"{url}/close", {"note": ""})
    assert store.get_need("ca", need["id"])["evaluation"] is None
    auth.post(f"{url}/followup", {"satisfaction": "5", "comment": "非常满意"})
    assert store.get_need("ca", need["id"])["evaluation"]["satisfaction"] == 5
    html = auth.post(f"{url}/reopen", {"note": ""}, follow=True).get_data(as_text=True)
    assert "请填写重新打开的原因" in html
    auth.post(f"{url}/reopen", {"note": "还有后续问题"})
    need = store.get_need("ca", need["id"])
    assert need["status"] == "处理中" and need["evaluation_history"][0]["comment"] == "非常满意"
    html = client.get(url).get_data(as_text=True)
    for text in ("已联系律师", "周六面谈", "还有后续问题", "历次评价", "满意度 5 / 5"):
        assert text in html
    actions = _audit_actions()
    for action in ("登记需求", "受理需求", "记录需求进展", "办结需求", "重新打开需求"):
        assert action in actions
    assert actions.count("电话回访") == 1  # the refused attempt left no entry
    listing = client.get(f"{LISTS}/needs?status=处理中").get_data(as_text=True)
    assert "遗产咨询" in listing


def test_admin_bad_phone_refused(client, auth, world):
    auth.login(world.admin_a["phone"])
    html = auth.post(
        f"{LISTS}/needs/new",
        {
            "category": "legal",
            "description": "d",
            "urgency": "normal",
            "raised_by": "worker",
            "phone": "123",
        },
    ).get_data(as_text=True)
    assert "请输入 11 位中国大陆手机号" in html and store.list_needs("ca") == []


def test_scope_other_community_is_404(client, auth, world):
    need_b = store.create_need(
        "cb", category="legal", description="乙社区的需求", raised_by="resident"
    )
    auth.login(world.admin_a["phone"])
    assert client.get("/portal/admin/c/cb/lists/needs").status_code == 404
    assert client.get(f"/portal/admin/c/cb/lists/needs/{need_b['id']}").status_code == 404
    resp = client.get(f"{LISTS}/needs/{need_b['id']}")
    assert resp.status_code == 404 and "乙社区的需求" not in resp.get_data(as_text=True)
    assert auth.post(f"{LISTS}/needs/{need_b['id']}/start", {"note": ""}).status_code == 404
    assert (
        auth.post(f"/portal/admin/c/cb/lists/needs/{need_b['id']}/start", {"note": ""}).status_code
        == 404
    )
    assert store.get_need("cb", need_b["id"])["status"] == "待处理"
    resource_b = store.create_resource(
        "cb", "x", name="乙资源", kind="venue", provider="p", provider_type="unit", contact="c"
    )
    assert client.get(f"{LISTS}/resources/{resource_b['id']}/edit").status_code == 404
    project = store.create_project("ca", "x", name="甲项目")
    resp = auth.post(f"{LISTS}/projects/{project['id']}/link/need", {"need-item": need_b["id"]})
    assert resp.status_code == 302
    assert store.get_project("ca", project["id"])["need_ids"] == []
    assert "项目关联需求" not in _audit_actions()
    # the street admin of 东四 may manage cb; 景山's community is outside
    auth.logout()
    auth.login(world.street["phone"])
    assert client.get(f"/portal/admin/c/cb/lists/needs/{need_b['id']}").status_code == 200
    assert client.get("/portal/admin/c/cc/lists/needs").status_code == 404


def test_non_admins_kept_out(client, auth, world):
    assert client.get(f"{LISTS}/needs").status_code == 302
    auth.login(world.volunteer["phone"])
    assert client.get(f"{LISTS}/needs").status_code == 403
    assert client.get(f"{LISTS}/").status_code == 403


def test_post_from_need(client, auth, world):
    need = store.create_need(
        "ca",
        category="elderly",
        description="独居老人需要助餐",
        raised_by="resident",
        building="5号院",
    )
    project = store.create_project("ca", "x", name="助餐")
    store.link_need("ca", project["id"], need["id"])
    auth.login(world.admin_a["phone"])
    url = f"{LISTS}/needs/{need['id']}/post"
    html = client.get(url).get_data(as_text=True)
    assert "独居老人需要助餐" in html and 'value="5号院"' in html
    assert re.search(r'<option selected value="elderly">|<option value="elderly" selected', html)
    resp = auth.post(
        url,
        {
            "title": "助餐送餐",
            "category": "elderly",
            "description": "送餐上门",
            "place": "5号院",
            "kind": "standing",
            "standing_capacity": "3",
        },
    )
    assert resp.status_code == 302
    [post] = store.list_posts("ca")
    assert post["need_id"] == need["id"]
    assert store.get_need("ca", need["id"])["post_ids"] == [post["id"]]
    assert store.get_project("ca", project["id"])["post_ids"] == [post["id"]]
    assert "由需求发布岗位" in _audit_actions()
    assert "助餐送餐" in client.get(f"{LISTS}/needs/{need['id']}").get_data(as_text=True)


def test_resources_and_projects_through_the_client(client, auth, world):
    auth.login(world.admin_a["phone"])
    bad = auth.post(
        f"{LISTS}/resources/new",
        {"name": "", "kind": "x", "provider": "", "provider_type": "unit", "contact": ""},
    )
    html = bad.get_data(as_text=True)
    assert "请填写资源名称" in html and "请选择资源类型" in html and "请填写联系方式" in html
    assert store.list_resources("ca") == []
    auth.post(
        f"{LISTS}/resources/new",
        {
            "name": "会议室",
            "kind": "venue",
            "provider": "某共建单位",
            "provider_type": "unit",
            "contact": "张 13900000003",
            "availability": "周末",
            "description": "",
        },
    )
    [resource] = store.list_resources("ca")
    auth.post(
        f"{LISTS}/resources/{resource['id']}/edit",
        {
            "name": "大会议室",
            "kind": "venue",
            "provider": "某共建单位",
            "provider_type": "unit",
            "contact": "张 13900000003",
            "availability": "周末",
            "description": "",
            "active": "0",
        },
    )
    resource = store.get_resource("ca", resource["id"])
    assert resource["name"] == "大会议室" and resource["active"] is False
    assert "大会议室" in client.get(f"{LISTS}/resources").get_data(as_text=True)

    auth.post(f"{LISTS}/projects/new", {"name": "楼道改造", "description": "加装扶手"})
    [project] = store.list_projects("ca")
    need = store.create_need(
        "ca", category="property", description="楼道缺扶手", raised_by="building_head"
    )
    purl = f"{LISTS}/projects/{project['id']}"
    auth.post(f"{purl}/link/need", {"need-item": need["id"]})
    auth.post(f"{purl}/link/resource", {"resource-item": resource["id"]})
    project = store.get_project("ca", project["id"])
    assert project["need_ids"] == [need["id"]] and project["resource_ids"] == [resource["id"]]
    html = client.get(purl).get_data(as_text=True)
    assert "楼道缺扶手" in html and "大会议室" in html
    auth.post(f"{purl}/unlink/resource/{resource['id']}")
    assert store.get_project("ca", project["id"])["resource_ids"] == []
    auth.post(f"{purl}/status/finished")
    assert store.get_project("ca", project["id"])["status"] == "已完成"
    actions = _audit_actions()
    for action in (
        "登记资源",
        "修改资源",
        "创建项目",
        "项目关联需求",
        "项目关联资源",
        "项目移除资源",
        "项目状态",
    ):
        assert action in actions


def test_need_joins_project_from_its_page(client, auth, world):
    need = store.create_need("ca", category="legal", description="d", raised_by="resident")
    project = store.create_project("ca", "x", name="普法")
    auth.login(world.admin_a["phone"])
    assert "普法" in client.get(f"{LISTS}/needs/{need['id']}").get_data(as_text=True)
    auth.post(f"{LISTS}/needs/{need['id']}/project", {"item": project["id"]})
    assert store.get_need("ca", need["id"])["project_id"] == project["id"]
    assert "需求加入项目" in _audit_actions()


def test_dashboard_links_to_lists(client, auth, world):
    auth.login(world.admin_a["phone"])
    html = client.get("/portal/admin/c/ca/").get_data(as_text=True)
    assert f'href="{LISTS}/needs"' in html


def test_script_in_description_is_escaped_everywhere(client, auth, world):
    resp = _submit(client, description=XSS, name="<script>x</script>", building=XSS)
    status_url = resp.headers["Location"]
    [need] = store.list_needs("ca")
    assert need["description"] == XSS  # stored as typed, escaped on output
    store.start_need("ca", need["id"], "x", XSS)
    project = store.create_project("ca", "x", name=XSS, description=XSS)
    store.link_need("ca", project["id"], need["id"])
    store.create_resource(
        "ca",
        "x",
        name="r",
        kind="venue",
        provider=XSS,
        provider_type="unit",
        contact=XSS,
        description=XSS,
    )
    pages = [status_url]
    auth.login(world.admin_a["phone"])
    pages += [
        f"{LISTS}/",
        f"{LISTS}/needs",
        f"{LISTS}/needs/{need['id']}",
        f"{LISTS}/needs/{need['id']}/post",
        f"{LISTS}/projects",
        f"{LISTS}/projects/{project['id']}",
        f"{LISTS}/resources",
    ]
    for url in pages:
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;" in html, url
