"""Photos of needs: an upload is checked, re-encoded from its pixels (no EXIF, no
location, no other metadata) and kept under ``uploads/<cid>/<random>.jpg`` in the
data folder; whistle photos reuse the same functions with a ``w-<street>`` folder.
Names are 32 hex digits plus ``.jpg``, so a name never walks out of its folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import tempfile
from pathlib import Path

from .base import NotFound, StoreError, root, valid_id

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 2048
_PHOTO_RE = re.compile(r"^[0-9a-f]{32}\.jpg$")


def _uploads(cid: str) -> Path:
    if not valid_id(cid):
        raise NotFound("没有找到这个社区。")
    return root() / "uploads" / cid


def save_need_photo(cid: str, data: bytes, max_bytes: int = PHOTO_MAX_BYTES) -> str:
    """Check a JPEG/PNG upload, re-encode it from its pixels (dropping EXIF and every
    other metadata) and store it under a generated name; return that name."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise StoreError("照片文件是空的。")
    if len(data) > max_bytes:
        raise StoreError(f"照片不能超过 {max_bytes // (1024 * 1024)} MB，请压缩后重试。")
    img: Image.Image  # exif_transpose() and convert() below give a plain Image
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG"):
                raise StoreError("照片只能是 JPG 或 PNG 格式。")
            width, height = img.size
            if width * height > PHOTO_MAX_PIXELS:
                raise StoreError("照片尺寸过大，请缩小后重试。")
            img.load()
            img = ImageOps.exif_transpose(img)  # keep the picture upright, then drop EXIF
            if img.mode in ("RGBA", "LA", "P", "PA"):
                img = img.convert("RGBA")
                background = Image.new("RGB", img.size, (255, 255, 255))
                background.paste(img, mask=img.getchannel("A"))
                img = background
            rgb = img.convert("RGB")
            # A new image from raw pixels only: no info, no EXIF, no ICC, no comments.
            clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    except StoreError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise StoreError("无法识别这张照片，请上传 JPG 或 PNG 格式的图片。") from None
    clean.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    name = f"{secrets.token_hex(16)}.jpg"
    folder = _uploads(cid)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".photo.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(out.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return name


def delete_need_photo(cid: str, name: str) -> None:
    """Remove a stored photo (e.g. when the need it was for could not be saved)."""
    if name and _PHOTO_RE.match(name):
        with contextlib.suppress(FileNotFoundError):
            (_uploads(cid) / name).unlink()


def need_photo_path(need: dict) -> Path:
    """The file of a need's photo, or NotFound."""
    name = need.get("photo")
    if not name or not _PHOTO_RE.match(name):
        raise NotFound("这条需求没有照片。")
    path = _uploads(need["community_id"]) / name
    if not path.is_file():
        raise NotFound("这条需求没有照片。")
    return path
