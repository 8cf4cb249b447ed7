"""Forms with photos (the need forms, raising a whistle): up to three photos of the formats
the store re-encodes, and an expired page that keeps everything typed.

The size of each photo is checked by the view while it reads the upload
(``portal/uploads.py``); here: how many, and the file names' extensions.
"""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms.validators import ValidationError

from .base import BaseForm

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
# The file input's accept attribute: phones offer the camera and the gallery for it.
PHOTO_ACCEPT = (
    "image/jpeg,image/png,image/webp,image/heic,image/heif,.jpg,.jpeg,.png,.webp,.heic,.heif"
)
PHOTO_FORMATS_TEXT = "JPG、PNG、WebP 或 HEIC"
MAX_PHOTOS = 3
EXPIRED = "页面已过期，请重新提交。您填写的内容都在下面；如选了照片，请重新选择。"


def chosen_files(data) -> list:
    """The uploads of a file field that carry a file (a list field or a single one)."""
    uploads = data if isinstance(data, (list, tuple)) else [data]
    return [u for u in uploads if u is not None and bool(getattr(u, "filename", None))]


def check_photo_name(upload) -> None:
    """Validator helper: the upload's name ends with a photo extension."""
    if not upload.filename.lower().endswith(PHOTO_EXTENSIONS):
        raise ValidationError(
            f"“{upload.filename}”不是可以接收的照片：只能上传 {PHOTO_FORMATS_TEXT} 格式的照片。"
        )


class PhotoForm(BaseForm):
    """A form with a ``photos`` field (several files under one name). A failed CSRF check
    means the page is old (or the session ended): said so, with the fields kept."""

    photos: MultipleFileField  # bound by the subclass, which labels it

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        csrf = getattr(self, "csrf_token", None)
        if csrf is not None and csrf.errors:
            csrf.errors = [EXPIRED]
        return ok

    def validate_photos(self, field):
        chosen = chosen_files(field.data)
        if len(chosen) > MAX_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_PHOTOS} 张照片，您选了 {len(chosen)} 张。")
        for upload in chosen:
            check_photo_name(upload)

    def chosen_photos(self) -> list:
        return chosen_files(self.photos.data)

    def has_photo(self) -> bool:
        return bool(self.chosen_photos())
