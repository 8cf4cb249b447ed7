"""Forms of the three lists (需求清单, 资源清单, 项目清单) and the public need form.

Choices (categories, raisers, kinds, projects…) are set by the views.
"""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .base import BaseForm, mobile_phone
from .photos import PhotoForm

# A point picked on the map must lie in Beijing (the store checks the same numbers).
LAT_RANGE = (39.4, 41.1)
LNG_RANGE = (115.4, 117.6)


def optional_mobile_phone(form, field) -> None:
    """Validator: empty, or a mainland China mobile number."""
    if (field.data or "").strip():
        mobile_phone(form, field)
    else:
        field.data = ""


class _ChoiceChecks:
    """Select/radio fields must hold one of the choices the view set."""

    def _check_choice(self, field, message: str) -> None:
        if field.data not in {value for value, _ in field.choices or [] if value}:
            raise ValidationError(message)


class _NeedFields(PhotoForm, _ChoiceChecks):
    category = SelectField("需求分类", validate_choice=False)
    description = TextAreaField(
        "需求描述",
        validators=[
            DataRequired(message="请填写需求描述。"),
            Length(max=1000, message="需求描述不能超过 1000 个字。"),
        ],
    )
    building = StringField(
        "楼栋/院落", validators=[Length(max=60, message="楼栋/院落不能超过 60 个字。")]
    )
    # The community's 楼门院 (set by the view; empty when it has none): a need whose
    # building is known goes to that grid first.
    building_id = SelectField(
        "所在楼门院（可选）", validate_choice=False, default="", choices=[("", "不选")]
    )
    urgency = RadioField("紧急程度", default="normal", validate_choice=False)
    raised_by = RadioField("提出人身份", validate_choice=False)
    name = StringField("称呼", validators=[Length(max=20, message="称呼不能超过 20 个字。")])
    address = StringField(
        "详细地址（可选）", validators=[Length(max=100, message="地址不能超过 100 个字。")]
    )
    # A point picked on the map (only when a tile server is configured): both or neither.
    lat = HiddenField("纬度")
    lng = HiddenField("经度")
    photos = MultipleFileField("照片（可选）")

    def set_choices(self, categories, urgencies, raisers) -> None:
        self.category.choices = [("", "请选择")] + list(categories)
        self.urgency.choices = list(urgencies)
        self.raised_by.choices = list(raisers)

    def validate_category(self, field):
        self._check_choice(field, "请选择需求分类。")

    def validate_building_id(self, field):
        if (field.data or "") and field.data not in {v for v, _ in field.choices or []}:
            raise ValidationError("所选楼门院不存在，请刷新页面后重新选择。")

    def validate_urgency(self, field):
        self._check_choice(field, "请选择紧急程度。")

    def validate_raised_by(self, field):
        self._check_choice(field, "请选择提出人身份。")

    def validate_lat(self, field):
        lat, lng = (field.data or "").strip(), (self.lng.data or "").strip()
        if not lat and not lng:
            field.data = self.lng.data = ""
            return
        try:
            lat_value, lng_value = float(lat), float(lng)
        except ValueError:
            raise ValidationError("地图上选的位置无效，请重新选择或清除位置。") from None
        if not (
            LAT_RANGE[0] <= lat_value <= LAT_RANGE[1] and LNG_RANGE[0] <= lng_value <= LNG_RANGE[1]
        ):
            raise ValidationError("地图上选的位置不在北京市范围内，请重新选择或清除位置。")

    def location(self) -> dict:
        """address, lat and lng for the store (lat/lng None when no point was picked)."""
        picked = bool((self.lat.data or "").strip())
        return {
            "address": self.address.data or "",
            "lat": float(self.lat.data) if picked else None,
            "lng": float(self.lng.data) if picked else None,
        }


class PublicNeedForm(_NeedFields):
    """A resident raises a need without an account; ``website`` is a honeypot
    (hidden by CSS: people leave it empty, form-filling bots do not)."""

    phone = StringField("手机号", validators=[mobile_phone])
    website = StringField("网址（请勿填写）")


class AdminNeedForm(_NeedFields):
    """A community worker records a need raised in person, by phone or on someone's behalf."""

    phone = StringField("联系电话（可选）", validators=[optional_mobile_phone])


class NoteForm(BaseForm):
    text = TextAreaField(
        "进展说明",
        validators=[
            DataRequired(message="请填写进展说明。"),
            Length(max=500, message="进展说明不能超过 500 个字。"),
        ],
    )


class StartForm(BaseForm):
    note = TextAreaField(
        "受理说明（可选）",
        validators=[Optional(), Length(max=500, message="说明不能超过 500 个字。")],
    )


class CloseForm(BaseForm):
    """Staff close a need; the satisfaction is the resident's (ResidentRatingForm) or taken
    down on a phone call (PhoneFollowUpForm), never typed here."""

    note = TextAreaField(
        "办结说明（可选）",
        validators=[Optional(), Length(max=500, message="说明不能超过 500 个字。")],
    )


SATISFACTION_CHOICES = [
    ("5", "5 分 非常满意"),
    ("4", "4 分 满意"),
    ("3", "3 分 一般"),
    ("2", "2 分 不满意"),
    ("1", "1 分 非常不满意"),
]


class _RatingForm(BaseForm):
    satisfaction = RadioField("满意度", choices=SATISFACTION_CHOICES, validate_choice=False)
    comment = TextAreaField(
        "评价（可选）",
        validators=[Optional(), Length(max=500, message="评价不能超过 500 个字。")],
    )

    def validate_satisfaction(self, field):
        if field.data not in {"1", "2", "3", "4", "5"}:
            raise ValidationError("请选择满意度（1 到 5 分）。")


class ResidentRatingForm(_RatingForm):
    """The resident rates their closed need on its private status link."""


class PhoneFollowUpForm(_RatingForm):
    """Staff take down the resident's rating on a phone call (电话回访)."""

    comment = TextAreaField(
        "居民的意见（可选）",
        validators=[Optional(), Length(max=500, message="意见不能超过 500 个字。")],
    )


class ReopenForm(BaseForm):
    note = TextAreaField(
        "重新打开的原因",
        validators=[
            DataRequired(message="请填写重新打开的原因。"),
            Length(max=500, message="原因不能超过 500 个字。"),
        ],
    )


class PickForm(BaseForm, _ChoiceChecks):
    """Pick one item (a project, a need, a resource, a post) from the view's choices."""

    item = SelectField("选择", validate_choice=False)

    def validate_item(self, field):
        self._check_choice(field, "请选择一项。")


class ResourceForm(BaseForm, _ChoiceChecks):
    name = StringField(
        "资源名称",
        validators=[
            DataRequired(message="请填写资源名称。"),
            Length(max=40, message="资源名称不能超过 40 个字。"),
        ],
    )
    kind = SelectField("资源类型", validate_choice=False)
    provider = StringField(
        "提供方",
        validators=[
            DataRequired(message="请填写提供方。"),
            Length(max=40, message="提供方不能超过 40 个字。"),
        ],
    )
    provider_type = SelectField("提供方类型", validate_choice=False)
    description = TextAreaField(
        "资源说明", validators=[Optional(), Length(max=500, message="资源说明不能超过 500 个字。")]
    )
    contact = StringField(
        "联系方式",
        validators=[
            DataRequired(message="请填写联系方式。"),
            Length(max=60, message="联系方式不能超过 60 个字。"),
        ],
    )
    availability = StringField(
        "可用时间", validators=[Optional(), Length(max=60, message="可用时间不能超过 60 个字。")]
    )
    active = SelectField(
        "状态", choices=[("1", "可用"), ("0", "暂停")], default="1", validate_choice=False
    )

    def set_choices(self, kinds, providers) -> None:
        self.kind.choices = [("", "请选择")] + list(kinds)
        self.provider_type.choices = [("", "请选择")] + list(providers)

    def validate_kind(self, field):
        self._check_choice(field, "请选择资源类型。")

    def validate_provider_type(self, field):
        self._check_choice(field, "请选择提供方类型。")

    def validate_active(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError("请选择资源状态。")


class ProjectForm(BaseForm):
    name = StringField(
        "项目名称",
        validators=[
            DataRequired(message="请填写项目名称。"),
            Length(max=40, message="项目名称不能超过 40 个字。"),
        ],
    )
    description = TextAreaField(
        "项目说明",
        validators=[Optional(), Length(max=1000, message="项目说明不能超过 1000 个字。")],
    )
