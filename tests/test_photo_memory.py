"""What four phone photos sent at once cost one worker: gunicorn with one worker and four
threads, four need forms posted together, each with a 25 MB JPEG (or a 12-megapixel HEIC,
which libheif decodes only at full size); the worker's peak resident memory (VmHWM, reset
just before) must stay under 300 MB."""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

from portal import store

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WORKER_BOUND_MB = 300
FORM = "/portal/needs/new/ca"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _noise_jpeg(width: int, height: int) -> bytes:
    """Random noise at quality 100: about 2 bytes a pixel, the worst case for its size."""
    img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=100)
    return buf.getvalue()


def _heic_12mp() -> bytes:
    """An iPhone-sized HEIC (4032×3024, a grid of 512 px tiles like the phones write)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    pillow_heif.options.GRID_TILE_SIZE = 512
    try:
        gradient = Image.linear_gradient("L").resize((4032, 3024))
        img = Image.merge(
            "RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient)
        )
        buf = io.BytesIO()
        img.save(buf, format="HEIF", quality=60)
        return buf.getvalue()
    finally:
        pillow_heif.options.GRID_TILE_SIZE = 0


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in kB."""
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def _multipart(fields: dict, photo: bytes, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="photos"; filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def one_worker(data_dir, tmp_path):
    """gunicorn, one worker with four threads, on the test's store."""
    port = _free_port()
    env = dict(os.environ, PORTAL_DATA_DIR=str(data_dir))
    log = open(tmp_path / "gunicorn.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "--timeout", "120"]
        + ["-b", f"127.0.0.1:{port}", "portal.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/portal/", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
    [worker] = _children(proc.pid)
    yield base, worker
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.mark.parametrize("kind", ["jpeg", "heic"])
def test_four_photos_at_once_stay_under_300_mb(world, one_worker, data_dir, kind):
    base, worker = one_worker
    if kind == "jpeg":
        photos = [_noise_jpeg(4150, 3120) for _ in range(4)]
        for photo in photos:
            assert 25_000_000 <= len(photo) <= store.PHOTO_MAX_BYTES, len(photo)
        filename, label = "IMG_0001.jpg", "four 25 MB JPEGs (4150×3120)"
    else:
        photos = [_heic_12mp()] * 4
        filename, label = "IMG_0001.HEIC", "four 12-megapixel HEICs"
    sessions = []
    for n in range(4):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with opener.open(base + FORM, timeout=30) as r:
            token = TOKEN.search(r.read().decode()).group(1)
        fields = {
            "csrf_token": token,
            "category": "elderly",
            "description": f"楼道堆物，见照片 {n}",
            "urgency": "normal",
            "raised_by": "resident",
            "phone": f"1390000010{n}",
        }
        sessions.append((opener, *_multipart(fields, photos[n], filename)))
    # Measured from here: the worker as it is before the four requests.
    with open(f"/proc/{worker}/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM := VmRSS
    before = _status(worker, "VmRSS") / 1024
    barrier = threading.Barrier(4)
    results: list = []

    def post(opener, body, content_type):
        request = urllib.request.Request(
            base + FORM, data=body, headers={"Content-Type": content_type}, method="POST"
        )
        barrier.wait()
        start = time.perf_counter()
        with opener.open(request, timeout=120) as r:
            results.append((r.status, r.geturl(), time.perf_counter() - start))

    threads = [threading.Thread(target=post, args=session) for session in sessions]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    wall = time.perf_counter() - started
    peak = _status(worker, "VmHWM") / 1024
    print(
        f"\n{label} at once: worker {before:.0f} MB before, peak {peak:.0f} MB; "
        f"{wall:.1f} s in all, each {', '.join(f'{s:.1f}' for *_x, s in results)} s"
    )
    assert [status for status, *_ in results] == [200] * 4, results
    assert all("/portal/needs/status/" in url for _s, url, _t in results), results
    assert peak < WORKER_BOUND_MB, f"worker peak {peak:.0f} MB"
    store.open_store(data_dir)
    needs = store.list_needs("ca")
    assert len(needs) == 4
    for need in needs:
        [name] = need["photos"]
        with Image.open(data_dir / "uploads" / "ca" / name) as img:
            assert img.format == "JPEG" and max(img.size) <= 2048 and not img.getexif()
