"""Forms of 小巷管家巡查: the street admin's lanes and stewards, the steward's patrol log
(start, a finding with one optional photo, end) and turning a finding into a need.

Choices (lanes, categories, communities, urgencies) are set by the views; the store
checks names, lanes and categories again and refuses in Chinese.
"""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .accounts import MultiCheckboxField
from .base import BaseForm, mobile_phone
from .photos import PhotoForm, chosen_files

LANE_NAME_MAX = 30
NOTE_MAX = 300
PLACE_MAX = 60
DESCRIPTION_MAX = 1000
FINDING_PHOTOS = 1  # one photo per finding


def _check_choice(field, message: str) -> None:
    if field.data not in {value for value, _ in field.choices or [] if value}:
        raise ValidationError(message)


def _check_lanes(field) -> None:
    allowed = {value for value, _ in field.choices or []}
    if not field.data:
        raise ValidationError("请至少选择一条街巷。")
    if any(value not in allowed for value in field.data):
        raise ValidationError("所选街巷无效，请刷新页面后重新选择。")


class LaneForm(BaseForm):
    """Add a lane, or rename one."""

    name = StringField(
        "街巷名称",
        validators=[
            DataRequired(message="请填写街巷名称，例如“东四北大街”。"),
            Length(max=LANE_NAME_MAX, message=f"街巷名称不能超过 {LANE_NAME_MAX} 个字。"),
        ],
    )


class StewardForm(BaseForm):
    """Appoint a 小巷管家: a registered member or volunteer, found by phone number."""

    phone = StringField(
        "手机号（已注册的在职党员或志愿者）",
        validators=[DataRequired(message="请填写要任命的人的手机号。"), mobile_phone],
    )
    lanes = MultiCheckboxField("负责的街巷", validate_choice=False)

    def validate_lanes(self, field) -> None:
        _check_lanes(field)


class StewardLanesForm(BaseForm):
    """Change the lanes of a 小巷管家."""

    lanes = MultiCheckboxField("负责的街巷", validate_choice=False)

    def validate_lanes(self, field) -> None:
        _check_lanes(field)


class StartPatrolForm(BaseForm):
    lane = SelectField("巡查的街巷", validate_choice=False)

    def validate_lane(self, field) -> None:
        _check_choice(field, "请选择要巡查的街巷。")


class FindingForm(PhotoForm):
    """One finding of a patrol: what kind, what, where exactly, and a photo if taken."""

    category = SelectField("问题类别", validate_choice=False)
    note = TextAreaField(
        "发现了什么",
        validators=[
            DataRequired(message="请填写发现了什么问题。"),
            Length(max=NOTE_MAX, message=f"问题说明不能超过 {NOTE_MAX} 个字。"),
        ],
    )
    place = StringField(
        "具体位置（可选）",
        validators=[Length(max=PLACE_MAX, message=f"具体位置不能超过 {PLACE_MAX} 个字。")],
    )
    photos = MultipleFileField("现场照片（可选，1 张）")

    def validate_category(self, field) -> None:
        _check_choice(field, "请选择问题类别。")

    def validate_photos(self, field) -> None:
        chosen = chosen_files(field.data)
        if len(chosen) > FINDING_PHOTOS:
            raise ValidationError(
                f"每条发现只能附 {FINDING_PHOTOS} 张照片，您选了 {len(chosen)} 张。"
            )
        super().validate_photos(field)


class FindingNeedForm(BaseForm):
    """Turn a finding into a need of a community of the street."""

    community = SelectField("交给哪个社区", validate_choice=False)
    urgency = RadioField("紧急程度", default="normal", validate_choice=False)
    description = TextAreaField(
        "需求描述",
        validators=[
            DataRequired(message="请填写需求描述。"),
            Length(max=DESCRIPTION_MAX, message=f"需求描述不能超过 {DESCRIPTION_MAX} 个字。"),
        ],
    )

    def validate_community(self, field) -> None:
        _check_choice(field, "请选择交给哪个社区。")

    def validate_urgency(self, field) -> None:
        _check_choice(field, "请选择紧急程度。")
