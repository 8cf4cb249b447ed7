"""随手拍 with the photos phones take (issue 21) and the need form's limits and location
(issue 22): several photos of 25 MB in JPEG, PNG, WebP or HEIC; every refusal of every form
with photos brings the form back as typed, the message beside the field at fault; limits per
address, phone and account; a location with an optional map point in Beijing."""

from __future__ import annotations

import io
import re
import tempfile
import threading
import time

import pytest
from PIL import Image

from portal import store
from portal.store import photos as photo_store
from tests.conftest import csrf_token, stored_photo, stored_photos

PUBLIC = "/portal/needs/new/ca"
ADMIN = "/portal/admin/c/ca/lists/needs/new"
WHISTLE = "/portal/whistles/new"
TEXT = "楼道里堆满杂物，老人出入不便"


# ---------------------------------------------------------------- photos made here


def _jpeg(size=(64, 48), colour=(200, 30, 30), gps=True) -> bytes:
    img = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2] = "N", (39.0, 55.0, 12.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def _png_alpha(size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(buf, "PNG")
    return buf.getvalue()


def _webp(size=(300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (10, 160, 60, 255)).save(buf, "WEBP", quality=80)
    return buf.getvalue()


def _heic(size=(640, 480), orientation: int | None = None) -> bytes:
    """A HEIC written by pillow-heif (the phones' format), with EXIF carrying GPS."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    gradient = Image.linear_gradient("L").resize(size)
    img = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)
    )
    img.paste((220, 20, 20), (0, 0, size[0] // 4, size[1] // 4))  # a red top-left corner
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif.get_ifd(0x8825)[1] = "N"
    if orientation:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, format="HEIF", quality=70, exif=exif)
    return buf.getvalue()


def _stored(data_dir, name, folder="ca") -> Image.Image:
    data = stored_photo(folder, name)
    assert data is not None
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _uploads(data_dir, folder="ca"):
    return [p.name for p in stored_photos(folder)]


# ---------------------------------------------------------------- the store


def test_heic_is_decoded_and_stored_as_clean_jpeg(world, data_dir):
    data = _heic((640, 480))
    with Image.open(io.BytesIO(data)) as original:
        assert original.format == "HEIF" and original.getexif().get(0x010F) == "SecretCam"
    name = store.save_need_photo("ca", data)
    img = _stored(data_dir, name)
    raw = stored_photo("ca", name)
    assert raw is not None
    assert img.format == "JPEG" and img.size == (640, 480)
    assert not img.getexif() and b"SecretCam" not in raw and b"Exif" not in raw
    assert img.getpixel((5, 5)) == pytest.approx((220, 20, 20), abs=30)  # upright


def test_heic_rotation_is_applied_once(world, data_dir):
    """pillow-heif stores EXIF orientation 6 as the HEIF's own rotation; libheif applies it
    and sets EXIF orientation to 1, so the store must not turn the picture again."""
    data = _heic((320, 200), orientation=6)
    with Image.open(io.BytesIO(data)) as shown:
        shown_size = shown.size
        corner = shown.convert("RGB").getpixel((shown.width - 5, 5))
    name = store.save_need_photo("ca", data)
    img = _stored(data_dir, name)
    assert img.size == shown_size
    assert img.getpixel((img.width - 5, 5)) == pytest.approx(corner, abs=30)


def test_large_heic_is_decoded_in_a_child_process(world, data_dir, monkeypatch):
    """Above PHOTO_MAX_DECODED pixels a HEIF is decoded apart (libheif needs ~7 bytes a
    pixel at full size; a 48-megapixel one would not fit in a worker)."""
    monkeypatch.setattr(photo_store, "PHOTO_MAX_DECODED", 100_000)
    calls = []
    real = photo_store._decode_apart
    monkeypatch.setattr(photo_store, "_decode_apart", lambda s: calls.append(1) or real(s))
    name = store.save_need_photo("ca", _heic((640, 480)))
    img = _stored(data_dir, name)
    assert calls == [1] and img.size == (640, 480) and not img.getexif()
    assert img.getpixel((5, 5)) == pytest.approx((220, 20, 20), abs=30)
    with pytest.raises(store.StoreError, match="无法识别这张照片"):
        photo_store._decode_apart(io.BytesIO(b"not a heif at all"))


def test_webp_with_alpha_is_flattened_and_stored(world, data_dir):
    name = store.save_need_photo("ca", _webp())
    img = _stored(data_dir, name)
    assert img.format == "JPEG" and img.mode == "RGB" and img.size == (300, 200)


def test_big_webp_is_refused_from_its_header(world, monkeypatch):
    monkeypatch.setattr(photo_store, "PHOTO_MAX_DECODED", 10_000)
    with pytest.raises(store.StoreError, match="WebP 照片最多"):
        store.save_need_photo("ca", _webp())


def test_gif_and_text_are_refused(world):
    buf = io.BytesIO()
    Image.new("RGB", (5, 5)).save(buf, "GIF")
    with pytest.raises(store.StoreError, match="照片只能是 JPG、PNG、WebP 或 HEIC 格式"):
        store.save_need_photo("ca", buf.getvalue())
    with pytest.raises(store.StoreError, match="无法识别这张照片"):
        store.save_need_photo("ca", b"just some text, renamed .jpg")


def test_photo_from_a_file_and_its_size(world, data_dir):
    with tempfile.TemporaryFile() as fh:
        fh.write(_jpeg())
        name = store.save_need_photo("ca", fh)  # read from where it is, not from bytes
    assert _stored(data_dir, name).size == (64, 48)
    with pytest.raises(store.StoreError, match="照片不能超过 1 MB，这张有 2.0 MB"):
        store.save_need_photo("ca", b"\xff" * (2 * 1024 * 1024), max_bytes=1024 * 1024)
    with pytest.raises(store.StoreError, match="^第 2 张：照片文件是空的"):
        store.save_need_photo("ca", b"", label="第 2 张")


def test_need_with_several_photos_and_a_location(world, data_dir):
    names = [store.save_need_photo("ca", d) for d in (_jpeg(), _png_alpha(), _heic())]
    need = store.create_need(
        "ca",
        category="elderly",
        description=TEXT,
        raised_by="resident",
        photos=names,
        address="东四北大街107号院",
        lat=39.9301234567,
        lng=116.4170000001,
    )
    assert need["photos"] == names and need["photo"] == names[0]
    assert (need["address"], need["lat"], need["lng"]) == ("东四北大街107号院", 39.930123, 116.417)
    for n, name in enumerate(names):
        assert store.need_photo(need, n) == stored_photo("ca", name)
    with pytest.raises(store.NotFound):
        store.need_photo(need, 3)
    # an older need with one photo
    assert store.need_photos({"photo": names[0]}) == [names[0]]
    with pytest.raises(store.StoreError, match="最多 3 张"):
        store.create_need(
            "ca", category="elderly", description="x", raised_by="resident", photos=names * 2
        )


@pytest.mark.parametrize(
    "lat,lng,message",
    [
        (31.23, 121.47, "不在北京市范围内"),  # 上海
        (39.9, None, "位置无效"),
        ("x", "y", "位置无效"),
        (float("nan"), 116.4, "不在北京市范围内"),
    ],
)
def test_location_outside_beijing_is_refused(world, lat, lng, message):
    with pytest.raises(store.StoreError, match=message):
        store.create_need(
            "ca", category="elderly", description="x", raised_by="resident", lat=lat, lng=lng
        )
    assert store.list_needs("ca") == []


def test_decode_budget_runs_what_fits_side_by_side(monkeypatch):
    budget = photo_store._Budget(100)
    order = []

    def decode(name, cost, hold):
        with budget.reserve(cost):
            order.append(("start", name))
            time.sleep(hold)
            order.append(("end", name))

    threads = [
        threading.Thread(target=decode, args=("a", 60, 0.2)),
        threading.Thread(target=decode, args=("b", 30, 0.05)),
    ]
    for t in threads:
        t.start()
        time.sleep(0.02)
    big = threading.Thread(target=decode, args=("c", 500, 0))  # over the budget: alone
    big.start()
    for t in threads + [big]:
        t.join()
    assert order.index(("start", "b")) < order.index(("end", "a"))  # a and b fit together
    assert order.index(("start", "c")) > order.index(("end", "a"))  # c waited for both
    assert budget.used == 0 and budget.peak <= 100
    waiting = photo_store._Budget(10)
    with waiting.reserve(10), pytest.raises(store.StoreError, match="服务器正忙"):
        with waiting.reserve(5, wait=0.05):
            pass


# ---------------------------------------------------------------- the three forms


FORMS = {
    "public": (PUBLIC, None),
    "admin": (ADMIN, "admin_a"),
    "whistle": (WHISTLE, "street"),
}


def _fields(kind: str, **extra) -> dict:
    if kind == "whistle":
        data = {
            "item": "W05-1",
            "description": TEXT,
            "place": "东四六条12号院门口",
            "departments": ["gongan", "jiaotong"],
        }
    else:
        data = {
            "category": "elderly",
            "description": TEXT,
            "building": "3号楼2单元",
            "address": "东四北大街107号院",
            "urgency": "urgent",
            "raised_by": "resident" if kind == "public" else "worker",
            "name": "王阿姨",
            "phone": "13900000001",
        }
    data.update(extra)
    return data


def _open(client, auth, world, kind):
    url, who = FORMS[kind]
    if who:
        auth.login(getattr(world, who)["phone"])
    return url


def _post(client, url, data, token=True, headers=None):
    data = dict(data)
    if token:
        data.setdefault("csrf_token", csrf_token(client, url))
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers)


def _kept(kind: str, html: str) -> None:
    """Every field as typed."""
    assert TEXT in html
    if kind == "whistle":
        assert 'value="东四六条12号院门口"' in html and re.search(
            r'value="gongan"[^>]*checked|checked[^>]*value="gongan"', html
        )
    else:
        assert 'value="3号楼2单元"' in html and 'value="东四北大街107号院"' in html
        assert 'value="王阿姨"' in html and 'value="13900000001"' in html


def _beside(html: str, field: str, message: str) -> None:
    """The message is in the field's own error list."""
    start = html.index(f'id="{field}-errors"')
    assert message in html[start : html.index("</ul>", start)], message


def _nothing_saved(kind, data_dir):
    if kind == "whistle":
        assert _uploads(data_dir, "w-dongsi") == []
        assert store.list_whistles(["dongsi"]) == []
    else:
        assert store.list_needs("ca") == [] and _uploads(data_dir) == []


@pytest.mark.parametrize("kind", FORMS)
def test_every_form_states_its_photo_limits_up_front(client, auth, world, kind):
    html = client.get(_open(client, auth, world, kind)).get_data(as_text=True)
    assert "最多 3 张，每张不超过 25 MB；JPG、PNG、WebP 或 HEIC" in html
    field = re.search(r'<input[^>]*name="photos"[^>]*>', html).group(0)
    assert "multiple" in field and 'data-max-count="3"' in field
    assert f'data-max-bytes="{25 * 1024 * 1024}"' in field and ".heic" in field
    assert html.index("每张不超过 25 MB") < html.index('name="photos"')  # said before it
    assert "photos.js" in html and "<script>" not in html
    assert "need-map" not in html and "needmap.js" not in html  # no tile server: no map
    if kind != "whistle":  # the photos come last, so a too-large request keeps the rest
        assert html.index('name="phone"') < html.index('name="photos"')


@pytest.mark.parametrize("kind", FORMS)
@pytest.mark.parametrize(
    "refusal",
    ["wrong type", "unreadable", "too many", "too large", "request too large", "field", "expired"],
)
def test_every_refusal_keeps_what_was_typed(app, client, auth, world, data_dir, kind, refusal):
    url = _open(client, auth, world, kind)
    data = _fields(kind)
    token = True
    field, message, status = "photos", "", 200
    if refusal == "wrong type":
        data["photos"] = (io.BytesIO(b"hello"), "notes.txt", "text/plain")
        message = "“notes.txt”不是可以接收的照片"
    elif refusal == "unreadable":
        data["photos"] = (io.BytesIO(b"this is text"), "IMG_0002.jpg", "image/jpeg")
        message = "无法识别这张照片"
    elif refusal == "too many":
        data["photos"] = [(io.BytesIO(_jpeg()), f"{n}.jpg", "image/jpeg") for n in range(4)]
        message = "最多上传 3 张照片，您选了 4 张"
    elif refusal == "too large":
        app.config["NEED_PHOTO_MAX_BYTES"] = 1024 * 1024
        data["photos"] = [
            (io.BytesIO(_jpeg()), "ok.jpg", "image/jpeg"),
            (io.BytesIO(_jpeg() + b"\0" * (2 * 1024 * 1024)), "big.jpg", "image/jpeg"),
        ]
        message = "第 2 张照片（big.jpg）：照片不能超过 1 MB，这张有 2.0 MB"
    elif refusal == "request too large":
        app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
        data["photos"] = (
            io.BytesIO(b"\xff\xd8" + b"\0" * (2 * 1024 * 1024)),
            "a.jpg",
            "image/jpeg",
        )
        message, status = "照片太大，没有收到：每张照片不能超过 25 MB", 413
    elif refusal == "field":
        data["description"] = ""
        field, message = "description", "请填写"
    else:
        data["csrf_token"] = "an-old-page"
        field, message, status = "", "页面已过期，请重新提交", 400
    resp = _post(client, url, data, token)
    html = resp.get_data(as_text=True)
    assert resp.status_code == status, html[:300]
    if field:
        _beside(html, field, message)
    else:
        assert message in html
    if refusal == "field":  # the others as typed
        assert 'value="3号楼2单元"' in html or 'value="东四六条12号院门口"' in html
    else:
        _kept(kind, html)
    _nothing_saved(kind, data_dir)
    if refusal != "expired":
        assert "请重新选择" in html  # the browser does not keep chosen files


@pytest.mark.parametrize("kind", FORMS)
def test_three_photos_of_every_kind_are_kept(client, auth, world, data_dir, kind):
    url = _open(client, auth, world, kind)
    data = _fields(kind)
    data["photos"] = [
        (io.BytesIO(_jpeg()), "IMG_0001.JPG", "image/jpeg"),
        (io.BytesIO(_webp()), "shot.webp", "image/webp"),
        (io.BytesIO(_heic()), "IMG_0002.HEIC", "image/heic"),
    ]
    resp = _post(client, url, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    folder = "w-dongsi" if kind == "whistle" else "ca"
    names = _uploads(data_dir, folder)
    assert len(names) == 3
    for name in names:
        img = _stored(data_dir, name, folder)
        assert img.format == "JPEG" and not img.getexif()
    if kind == "whistle":
        [whistle] = store.list_whistles(["dongsi"])
        assert sorted(whistle["photos"]) == names
        return
    [need] = store.list_needs("ca")
    assert sorted(need["photos"]) == names and need["address"] == "东四北大街107号院"
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert "东四北大街107号院" in html
    base = (
        f"/portal/admin/c/ca/lists/needs/{need['id']}/photo"
        if kind == "admin"
        else resp.headers["Location"] + "/photo"
    )
    assert f'src="{base}"' in html and f'src="{base}/2"' in html
    for n, name in enumerate(need["photos"]):
        url = base if n == 0 else f"{base}/{n}"
        got = client.get(url)
        assert got.status_code == 200 and got.data == stored_photo("ca", name)
    assert client.get(f"{base}/3").status_code == 404


def test_the_script_gets_the_address_and_the_flash_waits(client, world):
    data = _fields("public", photos=(io.BytesIO(_jpeg()), "a.jpg", "image/jpeg"))
    resp = _post(client, PUBLIC, data, headers={"X-Photo-Upload": "1"})
    assert resp.status_code == 200 and resp.headers["X-Location"].startswith(
        "/portal/needs/status/"
    )
    html = client.get(resp.headers["X-Location"]).get_data(as_text=True)
    assert "需求已提交" in html


# ---------------------------------------------------------------- limits (issue 22)


def _submit(client, **extra):
    return _post(client, PUBLIC, _fields("public", **extra))


def test_default_limits_let_a_busy_address_report(client, world):
    """The old limit refused the fourth report of an hour from one address; now 20."""
    for n in range(6):
        assert _submit(client, phone=f"1390000{n:04d}").status_code == 302
    assert len(store.list_needs("ca")) == 6


def test_limit_per_address_for_people_without_an_account(app, client, world):
    app.config["NEED_RATE_PER_ADDRESS"] = 3
    for n in range(3):
        assert _submit(client, phone=f"1390000{n:04d}").status_code == 302
    resp = _submit(client, phone="13900009999")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 429
    _beside(html, "phone", "提交过于频繁：您所在的网络在 60 分钟内已提交 3 次")
    _kept("public", html.replace('value="13900009999"', 'value="13900000001"'))
    assert len(store.list_needs("ca")) == 3


def test_limit_per_phone_and_refusals_give_their_count_back(app, client, world):
    app.config["NEED_RATE_PER_PHONE"] = 2
    # a refused photo does not use up the person's count
    bad = _submit(client, photos=(io.BytesIO(b"text"), "x.jpg", "image/jpeg"))
    assert bad.status_code == 200 and "无法识别" in bad.get_data(as_text=True)
    assert _submit(client).status_code == 302
    assert _submit(app.test_client()).status_code == 302  # another client, same phone
    resp = _submit(app.test_client())
    assert resp.status_code == 429
    _beside(resp.get_data(as_text=True), "phone", "这个手机号在 60 分钟内已提交 2 次")
    assert _submit(client, phone="13900000002").status_code == 302  # the address may go on


def test_logged_in_accounts_are_limited_by_account_not_address(app, client, auth, world):
    app.config.update(NEED_RATE_PER_ADDRESS=1, NEED_RATE_PER_PHONE=1, NEED_RATE_PER_ACCOUNT=3)
    auth.login(world.volunteer["phone"])
    for _ in range(3):  # same address, same phone: counted on the account only
        assert _submit(client).status_code == 302
    resp = _submit(client)
    assert resp.status_code == 429
    _beside(resp.get_data(as_text=True), "phone", "您的账号在 60 分钟内已提交 3 次")
    other = app.test_client()
    other_auth = type(auth)(other)
    other_auth.login(world.member["phone"])  # another account at the same address
    assert _post(other, PUBLIC, _fields("public")).status_code == 302


def test_honeypot_still_keeps_nothing(client, world, data_dir):
    resp = _submit(client, website="http://spam.example")
    assert resp.status_code == 200 and "需求已提交" in resp.get_data(as_text=True)
    assert store.list_needs("ca") == []


# ---------------------------------------------------------------- location (issue 22)


def test_address_and_map_point_are_stored(app, client, world):
    app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get(PUBLIC)
    html = page.get_data(as_text=True)
    assert "needmap.js" in html and 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert (
        "img-src 'self' data: https://tiles.example.org;" in page.headers["Content-Security-Policy"]
    )
    assert _submit(client, lat="39.93", lng="116.417").status_code == 302
    [need] = store.list_needs("ca")
    assert (need["lat"], need["lng"], need["address"]) == (39.93, 116.417, "东四北大街107号院")


@pytest.mark.parametrize(
    "lat,lng,message",
    [
        ("31.23", "121.47", "不在北京市范围内"),
        ("39.9", "", "位置无效"),
        ("abc", "116.4", "位置无效"),
    ],
)
def test_map_point_outside_beijing_is_refused_beside_the_map(app, client, world, lat, lng, message):
    app.config["MAP_TILE_URL"] = "/tiles/{z}/{x}/{y}.png"  # on this site: the CSP stays
    resp = _submit(client, lat=lat, lng=lng)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    _beside(html, "lat", message)
    _kept("public", html)
    assert "img-src 'self' data:;" in resp.headers["Content-Security-Policy"]
    assert store.list_needs("ca") == []


def test_no_tile_server_no_map_and_the_default_csp(client, world):
    resp = client.get(PUBLIC)
    assert "img-src 'self' data:;" in resp.headers["Content-Security-Policy"]
    assert "data-need-map" not in resp.get_data(as_text=True)
    # a point sent anyway is still checked, and its message shown
    html = _submit(client, lat="10", lng="10").get_data(as_text=True)
    _beside(html, "lat", "不在北京市范围内")


def test_an_oversize_file_is_kept_only_to_its_limit_while_received():
    from portal import uploads

    inner = io.BytesIO()
    capped = uploads._CappedFile(inner, limit=10)
    for chunk in (b"a" * 6, b"b" * 6, b"c" * 100):
        assert capped.write(chunk) == len(chunk)
    assert capped.received == 112 and capped.kept == 11 and len(inner.getvalue()) == 11
    capped.seek(0)
    assert capped.read() == b"a" * 6 + b"b" * 5


def test_photos_removed_by_retention_are_not_listed(world):
    need = {"community_id": "ca", "photo": None, "photos": ["a" * 32 + ".jpg"]}
    assert store.need_photos(dict(need, photo_removed_at="2026-12-01T00:00:00")) == []
    assert store.need_photos(need) == ["a" * 32 + ".jpg"]
