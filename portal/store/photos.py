"""Photos of needs: an upload is checked, re-encoded from its pixels (no EXIF, no
location, no other metadata) and kept under ``uploads/<cid>/<random>.jpg`` in the
data folder; whistle photos reuse the same functions with a ``w-<street>`` folder.
Names are 32 hex digits plus ``.jpg``, so a name never walks out of its folder.

Accepted: JPEG, PNG, WebP and HEIC/HEIF (phones' own format, through pillow-heif, whose
opener is registered here), up to ``PHOTO_MAX_BYTES`` (25 MB) each. The stored photo is a
JPEG of at most 2048 px, upright (EXIF orientation applied; HEIF's own rotation is applied
by libheif), made from raw pixels only.

Memory is bounded before decoding starts, from the header alone:

* a JPEG is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's scaling, ``draft``) to just
  above the stored size, so a 50-megapixel phone photo costs tens of MB;
* a HEIF is decoded from an embedded thumbnail when one is large enough (``draft``), else
  at full size: up to ``PHOTO_MAX_DECODED`` pixels in this process (a 12-megapixel iPhone
  photo costs about 90 MB), above that in a child process (``_decode_apart``: a 48-megapixel
  one costs libheif about 340 MB, which would not fit in a worker), one at a time;
* a PNG or WebP cannot be decoded smaller, so it is refused above ``PHOTO_MAX_DECODED``
  pixels (a 6300×6300 PNG of 150 KB would otherwise take about 720 MB);
* every decode in this process first reserves its estimated cost from a budget shared by
  the process's threads (``PHOTO_DECODE_BUDGET``): four photos sent at once are decoded
  side by side while they fit and one after another when they do not;
* the C allocator gives buffers of 1 MB and more back to the system when they are freed
  (``_release_big_buffers``): otherwise glibc keeps a decoded photo's memory in each
  thread's heap, and four threads that decoded one HEIC after another held 240 MB instead
  of 140.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import re
import secrets
import subprocess
import sys
import threading
import time
from typing import IO

from . import backend as docs
from .base import NotFound, StoreError, valid_id

PHOTO_MAX_BYTES = 25 * 1024 * 1024  # one uploaded photo, at most
MAX_NEED_PHOTOS = 3  # photos of one need
PHOTO_MAX_SIDE = 2048  # the stored photo's longer side, at most
# Any photo, from its header: below Pillow's own decompression-bomb warning.
PHOTO_MAX_PIXELS = 89_000_000
# Pixels decoded at full size in this process: a PNG, a WebP, a HEIF (a JPEG is decoded
# reduced, see _draft); a larger PNG or WebP is refused, a larger HEIF decoded apart.
PHOTO_MAX_DECODED = 16_000_000
# What the decodes of one process may hold at once (estimated, see _cost).
PHOTO_DECODE_BUDGET = 160 * 1024 * 1024
DECODE_WAIT_SECONDS = 60  # a decode that finds no room in this time is refused (busy)
# Image.format -> the name people know; the order of PHOTO_FORMATS_TEXT.
PHOTO_FORMATS = {"JPEG": "JPG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}
PHOTO_FORMATS_TEXT = "JPG、PNG、WebP 或 HEIC"
_PHOTO_RE = re.compile(r"^[0-9a-f]{32}\.jpg$")
_MB = 1024 * 1024


def _blob_key(folder: str, name: str) -> str:
    """The blob of photo ``name`` of a folder (a community id, or ``w-<street>``)."""
    if not valid_id(folder):
        raise NotFound("没有找到这个社区。")
    return f"uploads/{folder}/{name}"


def is_photo_name(name) -> bool:
    """Whether name is one the store gives to a photo (and so stays in its folder)."""
    return isinstance(name, str) and bool(_PHOTO_RE.match(name))


def photo_bytes(folder: str, name: str, missing: str = "没有找到这张照片。") -> bytes:
    """The stored photo ``name`` of a folder (a community id or ``w-<street>``), or NotFound."""
    if not is_photo_name(name):
        raise NotFound(missing)
    data = docs.current().get_blob(_blob_key(folder, name))
    if data is None:
        raise NotFound(missing)
    return data


# ---------------------------------------------------------------- Pillow and pillow-heif

_opener_lock = threading.Lock()
_opener_registered = False


def _pil():
    """Pillow's Image module, with pillow-heif's HEIF opener registered (once per process).
    Depth and auxiliary images are never decoded; thumbnails stay, for ``draft``."""
    global _opener_registered
    from PIL import Image

    if not _opener_registered:
        with _opener_lock:
            if not _opener_registered:
                import pillow_heif

                pillow_heif.register_heif_opener(depth_images=False, aux_images=False)
                _release_big_buffers()
                _opener_registered = True
    return Image


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _release_big_buffers() -> None:
    """Have glibc map every allocation of 1 MB or more on its own and unmap it when freed
    (a fixed threshold, instead of one that grows to 32 MB after the first big free), so a
    decoded photo's pixels leave the process's memory with it. Nothing elsewhere."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)
    except (OSError, AttributeError):
        pass  # not glibc: its allocator decides


# ---------------------------------------------------------------- the memory budget


class _Budget:
    """Bytes the decodes of this process may hold at once; a decode larger than the whole
    budget waits until it is alone."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0
        self.peak = 0  # the most reserved at once, for the tests and the figures
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def reserve(self, cost: int, wait: float = DECODE_WAIT_SECONDS):
        cost = min(max(cost, 0), self.total)
        deadline = time.monotonic() + wait
        with self._cond:
            while self.used and self.used + cost > self.total:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError("服务器正忙于处理其他照片，请稍后再提交一次。")
                self._cond.wait(left)
            self.used += cost
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self._cond:
                self.used -= cost
                self._cond.notify_all()


_budget = _Budget(PHOTO_DECODE_BUDGET)
_apart = threading.BoundedSemaphore(1)  # HEIF decodes in a child process, one at a time


def _cost(img) -> int:
    """Estimated peak bytes of decoding img (after draft) and making the stored photo: the
    decoded pixels (a JPEG: RGB; a HEIF: libheif's planes and RGB, measured about 7.3 bytes
    a pixel; a PNG or WebP: RGBA, then RGB on white) and three copies of the stored size
    (shrunk, raw bytes, the clean image)."""
    pixels = img.width * img.height
    per_pixel = {"JPEG": 3, "HEIF": 8}.get(img.format, 8)
    scale = min(1.0, PHOTO_MAX_SIDE / max(img.width, img.height))
    return pixels * per_pixel + int(pixels * scale * scale) * 9 + 4 * _MB


# ---------------------------------------------------------------- decoding


def _draft(img) -> None:
    """Decode at reduced size where the format allows: libjpeg's 1/2, 1/4 or 1/8 scale of a
    JPEG, an embedded thumbnail of a HEIF; the smallest still at least the stored size."""
    width, height = img.size
    scale = min(1.0, PHOTO_MAX_SIDE / max(width, height))
    if img.format in ("JPEG", "HEIF") and scale < 1.0:
        img.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))


def _check_size(img) -> None:
    """Refuse, from the header, a photo whose decoding would cost too much memory."""
    width, height = img.size
    if width * height > PHOTO_MAX_PIXELS:
        raise StoreError(
            f"照片最多 {PHOTO_MAX_PIXELS // 10000} 万像素，这张是 {width}×{height}，"
            "请缩小尺寸后重试。"
        )
    if img.format in ("PNG", "WEBP") and width * height > PHOTO_MAX_DECODED:
        name = PHOTO_FORMATS[img.format]
        raise StoreError(
            f"{name} 照片最多 {PHOTO_MAX_DECODED // 10000} 万像素，这张是 {width}×{height}，"
            "请缩小尺寸或存为 JPG 格式后重试。"
        )


# EXIF orientation -> the transposition that makes the picture upright (as ImageOps).
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE"}
_UPRIGHT |= {6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _flatten(img):
    """The decoded picture as RGB (or L) on white where it was transparent; may be img."""
    from PIL import Image

    if img.mode in ("PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA"):
        # Composited at full size, then shrunk: the same as shrinking with the alpha
        # premultiplied, without Pillow's premultiplied copies of the big picture.
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img)
        return background
    return img if img.mode in ("RGB", "L") else img.convert("RGB")


def _decode(original):
    """The opened photo decoded, upright, at most PHOTO_MAX_SIDE px, as raw RGB pixels."""
    Image = _pil()
    original.load()
    # libheif has applied a HEIF's rotation and pillow-heif set its EXIF orientation to 1.
    orientation = original.getexif().get(0x0112)  # read before EXIF is dropped
    img = _flatten(original)
    if img is not original:
        original.close()  # frees the decoded pixels now
    img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    if orientation in _UPRIGHT:
        img = img.transpose(Image.Transpose[_UPRIGHT[orientation]])
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    # A new image from raw pixels only: no info, no EXIF, no ICC, no comments.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


# Runs in a child process (python -c): only Pillow and pillow-heif, under an address-space
# limit. Reads the HEIF on stdin, writes "<width> <height>\n" and the raw RGB pixels.
_CHILD = """
import io, resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
side = int(sys.argv[1])
with Image.open(io.BytesIO(sys.stdin.buffer.read())) as img:
    img.load()
    img = img.convert("RGBA") if "A" in img.mode else img
    if img.mode == "RGBA":
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img)
        img = flat
    img = img.convert("RGB")
    img.thumbnail((side, side))
    out = sys.stdout.buffer
    out.write(b"%d %d\\n" % img.size)
    out.write(img.tobytes())
"""
_CHILD_ADDRESS_SPACE = 2048 * _MB
_CHILD_SECONDS = 120


def _decode_apart(source: IO[bytes]):
    """A large HEIF decoded in a child process (its memory is not the worker's)."""
    Image = _pil()
    source.seek(0)
    data = source.read()
    if not _apart.acquire(timeout=DECODE_WAIT_SECONDS):
        raise StoreError("服务器正忙于处理其他照片，请稍后再提交一次。")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(PHOTO_MAX_SIDE), str(_CHILD_ADDRESS_SPACE)],
            input=data,
            capture_output=True,
            timeout=_CHILD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StoreError("这张照片处理时间过长，请换一张或缩小后重试。") from None
    finally:
        _apart.release()
    head, _, pixels = done.stdout.partition(b"\n")
    try:
        width, height = (int(n) for n in head.split())
        return Image.frombytes("RGB", (width, height), pixels)
    except ValueError:
        raise StoreError(f"无法识别这张照片，请上传 {PHOTO_FORMATS_TEXT} 格式的图片。") from None


def _reencode(source: IO[bytes]) -> bytes:
    """The photo as a JPEG of at most PHOTO_MAX_SIDE px, upright, without any metadata."""
    Image = _pil()
    unknown = f"无法识别这张照片，请上传 {PHOTO_FORMATS_TEXT} 格式的图片。"
    try:
        with Image.open(source) as original:
            if original.format not in PHOTO_FORMATS:
                raise StoreError(f"照片只能是 {PHOTO_FORMATS_TEXT} 格式。")
            _check_size(original)
            _draft(original)
            pixels = original.width * original.height
            if original.format == "JPEG" and pixels > 2 * PHOTO_MAX_DECODED:  # not reduced
                raise StoreError("照片尺寸过大，请缩小后重试。")
            if original.format == "HEIF" and pixels > PHOTO_MAX_DECODED:
                clean = _decode_apart(source)
            else:
                with _budget.reserve(_cost(original)):
                    clean = _decode(original)
    except StoreError:
        raise
    except (OSError, ValueError, SyntaxError, RuntimeError, Image.DecompressionBombError):
        # UnidentifiedImageError is an OSError; pillow-heif raises the others.
        raise StoreError(unknown) from None
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _size(source: IO[bytes]) -> int:
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def save_need_photo(
    cid: str, data: bytes | IO[bytes], max_bytes: int = PHOTO_MAX_BYTES, label: str = ""
) -> str:
    """Check an uploaded photo (bytes, or a binary file such as the upload's temp file, read
    from where it is), re-encode it from its pixels (dropping EXIF and every other metadata)
    and store it under a generated name; return that name. ``label`` ("第 2 张") is put in
    front of the messages of a form with several photos."""
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    size = _size(source)
    try:
        if not size:
            raise StoreError("照片文件是空的。")
        if size > max_bytes:
            raise StoreError(
                f"照片不能超过 {max_bytes // _MB} MB，这张有 {size / _MB:.1f} MB，请压缩后重试。"
            )
        jpeg = _reencode(source)
    except StoreError as exc:
        if label:
            raise StoreError(f"{label}：{exc}") from None
        raise
    name = f"{secrets.token_hex(16)}.jpg"
    docs.current().put_blob(_blob_key(cid, name), jpeg)
    return name


def delete_need_photo(cid: str, name: str) -> None:
    """Remove a stored photo (e.g. when the need it was for could not be saved)."""
    if is_photo_name(name):
        docs.current().delete_blob(_blob_key(cid, name))


def need_photos(need: dict) -> list[str]:
    """The names of a need's photos, in the order they were sent (older needs: one); none
    once retention removed them (``photo_removed_at``)."""
    if need.get("photo_removed_at") and not need.get("photo"):
        return []
    names = need.get("photos")
    if names is None:
        names = [need["photo"]] if need.get("photo") else []
    return [n for n in names if is_photo_name(n)]


def need_photo(need: dict, index: int = 0) -> bytes:
    """A need's photo number ``index`` (from 0), as JPEG, or NotFound."""
    names = need_photos(need)
    if not 0 <= index < len(names):
        raise NotFound("这条需求没有这张照片。")
    return photo_bytes(need["community_id"], names[index], "这条需求没有照片。")
