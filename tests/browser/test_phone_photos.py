"""随手拍 on a phone (issue 21), in Chromium at 390×844: a need sent with a 12 MB-plus JPEG
and a HEIC arrives with both as clean JPEGs of at most 2048 px (the browser shrinks the JPEG
before sending it; Chromium cannot read HEIC, so the server converts that one); without the
page's script the same photos arrive too, shrunk by the server; and a refused upload (a text
file renamed .jpg) leaves the person on the form with everything typed, the message beside
the photos."""

from __future__ import annotations

import io
import os

import pytest
from playwright.sync_api import expect
from PIL import Image

from tests.browser.conftest import PHONE, demo_community, flash, new_phone, shot, unique

pytestmark = pytest.mark.browser

MB = 1024 * 1024


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A 4000×3000 noise JPEG at quality 100 (over 12 MB, with EXIF and GPS) and a HEIC."""
    folder = tmp_path_factory.mktemp("phone-photos")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 55.0, 12.0)
    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    jpeg = folder / "IMG_2041.jpg"
    noise.save(jpeg, "JPEG", quality=100, exif=exif)
    assert jpeg.stat().st_size >= 12 * MB

    import pillow_heif

    pillow_heif.register_heif_opener()
    gradient = Image.linear_gradient("L").resize((1600, 1200))
    picture = Image.merge("RGB", (gradient, gradient.rotate(90), gradient))
    heic = folder / "IMG_2042.HEIC"
    picture.save(heic, format="HEIF", quality=70, exif=exif)
    fake = folder / "IMG_2043.jpg"
    fake.write_text("这不是照片，只是改了扩展名的文本文件。\n")
    return {"jpeg": jpeg, "heic": heic, "fake": fake}


def _fill(form, text: str) -> None:
    category = form.locator("#category option:not([value=''])").first.get_attribute("value")
    form.locator("#category").select_option(category)
    form.locator("#description").fill(text)
    form.locator("#building").fill("3号楼2单元")
    form.locator("#address").fill("东四北大街107号院")
    form.locator("#name").fill("刘阿姨")
    form.locator("#phone").fill(new_phone())


def _typed(form, text: str) -> None:
    expect(form.locator("#description")).to_have_value(text)
    expect(form.locator("#building")).to_have_value("3号楼2单元")
    expect(form.locator("#address")).to_have_value("东四北大街107号院")
    expect(form.locator("#name")).to_have_value("刘阿姨")


def _stored_photos(store, cid: str, text: str, data_dir) -> list[Image.Image]:
    [need] = [n for n in store.list_needs(cid) if n["description"] == text]
    images = []
    for name in need["photos"]:
        path = data_dir / "uploads" / cid / name
        raw = path.read_bytes()
        assert b"SecretCam" not in raw and b"Exif" not in raw
        img = Image.open(io.BytesIO(raw))
        assert img.format == "JPEG" and max(img.size) <= 2048 and not img.getexif()
        images.append(img)
    return images


def test_phone_sends_a_big_jpeg_and_a_heic(page_factory, live_store, live_data_dir, photos):
    cid = demo_community(live_store)["id"]
    page = page_factory(PHONE)
    sent = []
    page.on(
        "request",
        lambda r: r.method == "POST" and sent.append((r.headers, len(r.post_data_buffer or b""))),
    )
    page.goto(f"/portal/needs/new/{cid}")
    form = page.locator("main form")
    expect(form.locator(".photo-field .hint")).to_contain_text("每张不超过 25 MB")
    text = f"楼道堆物{unique()}，拍了照片。"
    _fill(form, text)
    form.locator("input[name=photos]").set_input_files([photos["jpeg"], photos["heic"]])
    previews = form.locator(".photo-previews li")
    expect(previews).to_have_count(2)
    expect(previews.nth(0).locator("canvas")).to_be_visible()  # shrunk here, shown
    expect(previews.nth(0)).to_contain_text("→")
    expect(previews.nth(1)).to_contain_text("由服务器处理")  # Chromium cannot read HEIC
    shot(page, "phone-photos-01-chosen")
    form.get_by_role("button", name="提交需求").click()
    expect(flash(page)).to_contain_text("需求已提交")
    expect(page.locator("main .need-photos img")).to_have_count(2)
    shot(page, "phone-photos-02-status")
    [(headers, size)] = sent
    assert headers.get("x-photo-upload") == "1"
    assert size < photos["jpeg"].stat().st_size / 4, size  # the big JPEG went shrunk
    shrunk, heic = _stored_photos(live_store, cid, text, live_data_dir)
    assert shrunk.size == (2000, 1500) and heic.size == (1600, 1200)


def test_without_the_script_the_server_shrinks(
    browser, live_server, live_store, live_data_dir, photos
):
    cid = demo_community(live_store)["id"]
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", base_url=live_server, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"/portal/needs/new/{cid}")
        form = page.locator("main form")
        text = f"路灯不亮{unique()}，没有脚本也能提交。"
        _fill(form, text)
        form.locator("input[name=photos]").set_input_files([photos["jpeg"], photos["heic"]])
        form.get_by_role("button", name="提交需求").click()
        expect(page.locator(".flashes")).to_contain_text("需求已提交")
        big, heic = _stored_photos(live_store, cid, text, live_data_dir)
        assert big.size == (2048, 1536) and heic.size == (1600, 1200)
        # a refused upload: the form comes back as typed, the message beside the photos
        page.goto(f"/portal/needs/new/{cid}")
        form = page.locator("main form")
        text = f"井盖松动{unique()}。"
        _fill(form, text)
        form.locator("input[name=photos]").set_input_files(photos["fake"])
        form.get_by_role("button", name="提交需求").click()
        expect(page.locator("#photos-errors")).to_contain_text("无法识别这张照片")
        _typed(page.locator("main form"), text)
        expect(page.locator(".photo-again")).to_contain_text("请重新选择")
        shot(page, "phone-photos-04-refused-no-script")
    finally:
        context.close()


def test_refused_upload_keeps_everything(page_factory, live_store, photos):
    cid = demo_community(live_store)["id"]
    page = page_factory(PHONE)
    page.goto(f"/portal/needs/new/{cid}")
    form = page.locator("main form")
    text = f"垃圾桶满了{unique()}，没人清理。"
    _fill(form, text)
    phone = form.locator("#phone").input_value()
    form.locator("input[name=photos]").set_input_files(photos["fake"])
    expect(form.locator(".photo-previews li")).to_contain_text("无法预览")
    form.get_by_role("button", name="提交需求").click()
    expect(form.locator("#photos-errors")).to_contain_text("无法识别这张照片")
    _typed(form, text)
    expect(form.locator("#phone")).to_have_value(phone)
    expect(form.locator(".photo-previews li")).to_have_count(1)  # still chosen
    shot(page, "phone-photos-03-refused")
    assert not [n for n in live_store.list_needs(cid) if n["description"] == text]
    # the person removes it, takes a photo instead and sends the same form again
    form.locator(".photo-previews button").click()
    form.locator("input[name=photos]").set_input_files(photos["heic"])
    expect(form.locator(".photo-previews li")).to_have_count(1)
    form.get_by_role("button", name="提交需求").click()
    expect(flash(page)).to_contain_text("需求已提交")
    [need] = [n for n in live_store.list_needs(cid) if n["description"] == text]
    assert len(need["photos"]) == 1 and need["building"] == "3号楼2单元"
