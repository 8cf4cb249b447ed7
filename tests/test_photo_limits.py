"""What an uploaded photo may cost: a PNG is refused from its header above 16 megapixels
(a 150 KB 6300×6300 one used to take seconds and ~720 MB of a worker); a big JPEG is
decoded at a reduced scale and stored at most 2048 px, within a stated memory bound.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from portal import store
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
DECODE_BOUND_MB = 200  # peak memory a photo's decoding may add to a worker


def _png(width: int, height: int) -> bytes:
    """A real RGBA PNG of one colour, compressed row by row (never whole in memory)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\0" + bytes((30, 120, 200, 255)) * width
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


GENERATE_JPEG = """
import sys
from PIL import Image
g = Image.linear_gradient("L").resize((8000, 6000))
r = Image.radial_gradient("L").resize((8000, 6000))
Image.merge("RGB", (g, r, g.transpose(Image.Transpose.FLIP_LEFT_RIGHT))).save(sys.argv[1], quality=85)
"""

# Runs in a fresh interpreter, the store imported and the file read: the peak resident
# memory during the save (the high-water mark reset first) minus the memory before it.
MEASURE = """
import json, sys, time
from portal import store

def status(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))

store.open_store(sys.argv[2])
data = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset VmHWM to the current VmRSS
before = status("VmRSS")
start = time.perf_counter()
try:
    name, error = store.save_need_photo("ca", data), None
except store.StoreError as exc:
    name, error = None, str(exc)
seconds = time.perf_counter() - start
peak = status("VmHWM")
print(json.dumps({"name": name, "error": error, "seconds": seconds, "mb": (peak - before) / 1024}))
"""


def _measure(photo: Path, data_dir: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(photo), str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory) -> Path:
    """An 8000×6000 (48 megapixel) JPEG of about 1 MB, made in another process."""
    path = tmp_path_factory.mktemp("photos") / "big.jpg"
    subprocess.run([sys.executable, "-c", GENERATE_JPEG, str(path)], check=True)
    return path


def _uploads(data_dir: Path) -> list[Path]:
    folder = data_dir / "uploads" / "ca"
    return sorted(folder.glob("*.jpg")) if folder.exists() else []


def test_huge_png_is_refused_from_its_header(app, data_dir, monkeypatch):
    data = _png(6300, 6300)
    assert len(data) < 200 * 1024  # ~166 KB for 40 megapixels

    def decode(*args, **kwargs):  # decoding 40 megapixels took 1.4 s and ~720 MB before
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", decode)
    with pytest.raises(store.StoreError) as refused:
        store.save_need_photo("ca", data)
    assert "PNG 照片最多 1600 万像素" in str(refused.value) and "6300×6300" in str(refused.value)
    assert _uploads(data_dir) == []


def test_png_just_over_the_cap_is_refused_and_at_it_accepted(app, data_dir):
    with pytest.raises(store.StoreError, match="1600 万像素"):
        store.save_need_photo("ca", _png(4001, 4000))
    name = store.save_need_photo("ca", _png(2000, 1000))
    with Image.open(data_dir / "uploads" / "ca" / name) as img:
        assert img.size == (2000, 1000) and img.getpixel((5, 5)) == pytest.approx(
            (30, 120, 200), abs=3
        )


def test_huge_png_through_the_need_form(client, world, data_dir):
    resp = client.post(
        "/portal/needs/new/ca",
        data={
            "category": "elderly",
            "description": "楼道灯坏了",
            "urgency": "urgent",
            "raised_by": "resident",
            "phone": "13900000001",
            "csrf_token": csrf_token(client, "/portal/needs/new/ca"),
            "photos": (io.BytesIO(_png(6300, 6300)), "big.png", "image/png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and "PNG 照片最多 1600 万像素" in resp.get_data(as_text=True)
    assert store.list_needs("ca") == [] and _uploads(data_dir) == []


def test_big_jpeg_is_decoded_reduced_and_stored_at_2048(big_jpeg, tmp_path):
    with Image.open(big_jpeg) as img:
        assert img.size == (8000, 6000) and big_jpeg.stat().st_size < store.PHOTO_MAX_BYTES
    data_dir = tmp_path / "store"
    result = _measure(big_jpeg, data_dir)
    print(f"8000×6000 JPEG: {result['seconds']:.2f} s, +{result['mb']:.0f} MB peak RSS")
    assert result["error"] is None, result["error"]  # it was refused (over 40 megapixels)
    assert result["mb"] < DECODE_BOUND_MB, result
    with Image.open(data_dir / "uploads" / "ca" / result["name"]) as img:
        assert img.format == "JPEG" and img.size == (2048, 1536)


def test_largest_png_accepted_stays_within_the_bound(tmp_path):
    photo = tmp_path / "cap.png"
    photo.write_bytes(_png(4000, 4000))  # exactly 16 megapixels, RGBA
    result = _measure(photo, tmp_path / "store")
    print(f"4000×4000 RGBA PNG: {result['seconds']:.2f} s, +{result['mb']:.0f} MB peak RSS")
    assert result["error"] is None and result["mb"] < DECODE_BOUND_MB, result


def test_rotated_jpeg_is_stored_upright_without_exif(app, data_dir):
    img = Image.new("RGB", (60, 40), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    name = store.save_need_photo("ca", buf.getvalue())
    with Image.open(data_dir / "uploads" / "ca" / name) as stored:
        assert stored.size == (40, 60) and not stored.getexif()


def test_photo_is_written_through_the_atomic_writer(app, data_dir, monkeypatch):
    from portal.store import _files

    written = []
    real = _files.write_atomic
    monkeypatch.setattr(_files, "write_atomic", lambda p, c: (written.append(p), real(p, c)))
    name = store.save_need_photo("ca", _png(10, 10))
    assert written == [data_dir.resolve() / "uploads" / "ca" / name]
