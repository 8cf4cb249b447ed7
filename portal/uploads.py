"""Uploaded photos: the limits, a per-file cap while the request is read, and refusals that
keep every field of the form as the person typed it.

* ``NEED_PHOTO_MAX_BYTES`` (default ``store.PHOTO_MAX_BYTES``, 25 MB) bounds every photo
  (the need forms, the whistles of streets and departments); a form takes at most
  ``store.MAX_NEED_PHOTOS`` (3). ``MAX_CONTENT_LENGTH`` is above 3 × 25 MB, so a photo that
  is too large is refused by the view beside the photo field, the text fields at hand.
* ``photo_form(make)`` builds a photo form: the files of the request are kept to at most
  one byte past the limit while it is parsed (a 200 MB file costs 25 MB of temp disk, not
  200), and a request over ``MAX_CONTENT_LENGTH`` still gives the fields sent before the
  first file (the templates put the photos last), read from the start of the body; the
  rest of the body is read and dropped so that the browser gets the page.
* ``accepted(form)`` validates it: a too-large request is refused beside the photos and
  an expired page (CSRF) with 页面已过期 (``forms.photos.PhotoForm``); ``status(form)`` is
  the HTTP status of the page that shows the refusal.
* ``save_photos`` stores the chosen photos (read from their temp files, never whole in
  memory here); ``done(url)`` ends a successful submission: a redirect, or for the page's
  script (``photos.js``, which shows the upload's progress) the address to go to.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import IO, TypeVar

from flask import current_app, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, default_stream_factory
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wsgi import LimitedStream

from forms.photos import PHOTO_ACCEPT

from . import store

F = TypeVar("F")
MB = 1024 * 1024
SCRIPT_HEADER = "X-Photo-Upload"  # sent by photos.js; its answer carries X-Location
RECOVER_BYTES = 1 * MB  # read at most this much of a too-large body for its text fields
CHUNK = 64 * 1024


def photo_limit() -> int:
    """The largest photo upload accepted, in bytes."""
    return int(current_app.config.get("NEED_PHOTO_MAX_BYTES", store.PHOTO_MAX_BYTES))


def limits() -> dict:
    """What the photo fields say up front and give photos.js (data-* attributes)."""
    return {
        "max_count": store.MAX_NEED_PHOTOS,
        "max_bytes": photo_limit(),
        "max_mb": photo_limit() // MB,
        "formats": store.PHOTO_FORMATS_TEXT,
        "side": 2000,  # the browser shrinks to this; the store keeps at most 2048
        "accept": PHOTO_ACCEPT,
    }


def too_large_message() -> str:
    total = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // MB
    return (
        f"照片太大，没有收到：每张照片不能超过 {photo_limit() // MB} MB，"
        f"一次最多 {store.MAX_NEED_PHOTOS} 张，合计不超过 {total} MB。"
        "您填写的文字已保留，请重新选择较小的照片（或用手机拍照时选较低的分辨率）。"
    )


# ---------------------------------------------------------------- reading the request


class _CappedFile:
    """A file being received: keeps at most limit + 1 bytes, counts them all."""

    def __init__(self, inner: IO[bytes], limit: int):
        self._inner = inner
        self._limit = limit
        self.kept = 0
        self.received = 0

    def write(self, data: bytes) -> int:
        self.received += len(data)
        room = self._limit + 1 - self.kept
        if room > 0:
            part = data[:room]
            self._inner.write(part)
            self.kept += len(part)
        return len(data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _capped_parser(limit: int):
    def make(stream_factory=None, *args, **kwargs) -> FormDataParser:
        factory = stream_factory or default_stream_factory

        def capped(total_content_length, content_type, filename, content_length=None):
            inner = factory(total_content_length, content_type, filename, content_length)
            return _CappedFile(inner, limit)

        return FormDataParser(capped, *args, **kwargs)

    return make


def received_bytes(upload) -> int:
    """How many bytes of the upload arrived (also past the part that was kept)."""
    stream = upload.stream
    if isinstance(stream, _CappedFile):
        return stream.received
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _leading_fields() -> MultiDict:
    """The text fields at the start of a multipart body that was not read (too large), up
    to the first file; then the rest of the body is read and dropped."""
    fields: list[tuple[str, str]] = []
    length = request.content_length
    boundary = request.mimetype_params.get("boundary", "")
    if request.mimetype != "multipart/form-data" or not boundary or length is None:
        return MultiDict()
    stream = LimitedStream(request.environ["wsgi.input"], length)
    decoder = MultipartDecoder(boundary.encode(), max_form_memory_size=RECOVER_BYTES)
    name, read, stop = "", 0, False
    parts: list[bytes] = []
    with contextlib.suppress(ValueError, RequestEntityTooLarge):
        while not stop and read < RECOVER_BYTES:
            chunk = stream.read(CHUNK)
            read += len(chunk)
            decoder.receive_data(chunk or None)
            event = decoder.next_event()
            while not isinstance(event, NeedData):
                if isinstance(event, (File, Epilogue)):
                    stop = True
                    break
                if isinstance(event, Field):
                    name, parts = event.name, []
                elif isinstance(event, Data):
                    parts.append(event.data)
                    if not event.more_data:
                        fields.append((name, b"".join(parts).decode("utf-8", "replace")))
                event = decoder.next_event()
            if not chunk:
                break
    # The browser shows the answer only once it has sent its body: read the rest and drop it
    # (a body far above the limit is left unread; the connection is closed).
    if length <= 2 * int(current_app.config.get("MAX_CONTENT_LENGTH") or 0):
        while stream.read(CHUNK):
            pass
    return MultiDict(fields)


def photo_form(make: Callable[..., F]) -> F:
    """``make(**kwargs)`` -> the view's form (kwargs go to the form's constructor), built
    from the request with the files capped; from the leading fields if it was too large."""
    refusal = None
    kwargs: dict = {}
    if request.method == "POST":
        request.form_data_parser_class = _capped_parser(photo_limit())
        try:
            request.files  # noqa: B018 (parses the body now)
        except RequestEntityTooLarge:
            kwargs["formdata"] = _leading_fields()
            refusal = too_large_message()
    form = make(**kwargs)
    form.upload_refusal = refusal  # type: ignore[attr-defined]
    return form


def accepted(form) -> bool:
    """Validate a photo form; False with a message beside the photos when the request was
    too large (whatever else the fields hold)."""
    ok = form.validate_on_submit()
    refusal = getattr(form, "upload_refusal", None)
    if refusal:
        form.photos.errors = [*form.photos.errors, refusal]
        return False
    return ok


def status(form) -> int:
    """The status of the page that shows a photo form again: 413 too large, 400 expired."""
    if getattr(form, "upload_refusal", None):
        return 413
    csrf = getattr(form, "csrf_token", None)
    return 400 if csrf is not None and csrf.errors else 200


def save_photos(form, save: Callable[..., str], delete: Callable[[str], None]) -> list[str]:
    """The form's chosen photos stored through ``save(file, label=…)`` (``store.save_need_photo``
    …, which re-encodes them), in order. Sizes are checked here, from what was received.
    A refusal (store.StoreError, naming the photo when there are several) deletes through
    ``delete(name)`` those already stored, so that a refused form leaves no photo behind."""
    chosen = form.chosen_photos()
    limit = photo_limit()
    names: list[str] = []
    try:
        for number, upload in enumerate(chosen, start=1):
            label = f"第 {number} 张照片（{upload.filename}）" if len(chosen) > 1 else ""
            size = received_bytes(upload)
            if size > limit:
                text = f"照片不能超过 {limit // MB} MB，这张有 {size / MB:.1f} MB，请压缩后重试。"
                raise store.StoreError(f"{label}：{text}" if label else text)
            upload.stream.seek(0)
            names.append(save(upload.stream, label=label))
    except store.StoreError:
        for name in names:
            delete(name)
        raise
    return names


def done(url: str):
    """The answer to a successful submission: a redirect to url, or for photos.js (which
    sent the form itself, to show its progress) a 200 naming url, so that the flash
    message waits for the page it is meant for."""
    if request.headers.get(SCRIPT_HEADER):
        return "", 200, {"X-Location": url}
    return redirect(url)


def photo_response(data: bytes):
    """A stored photo (JPEG bytes from the store) as a response that browsers revalidate
    each time (the photo may be removed by retention) and may keep when unchanged."""
    response = current_app.response_class(data, mimetype="image/jpeg")
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)
