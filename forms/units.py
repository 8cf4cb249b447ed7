"""Forms of 驻区单位: registering a unit, appointing its contact, and the unit's pledge of a
resource. Choices (levels, streets, lists, kinds) are set by the views; the store checks
everything again and refuses in Chinese.
"""

from __future__ import annotations

import re

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .base import BaseForm, mobile_phone

NAME_MAX = 40
DESCRIPTION_MAX = 200
RESOURCE_NAME_MAX = 40
RESOURCE_DESCRIPTION_MAX = 500
AVAILABILITY_MAX = 60
# A mobile number, or a landline with its area code (the store checks the same).
UNIT_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def _choice_values(field) -> set[str]:
    return {value for value, _label in field.choices or [] if value}


class UnitForm(BaseForm):
    """Register a unit: street level (of a street) or district level."""

    name = StringField(
        "单位名称",
        validators=[
            DataRequired(message="请填写单位名称。"),
            Length(max=NAME_MAX, message=f"单位名称不能超过 {NAME_MAX} 个字。"),
        ],
    )
    level = RadioField("单位级别", validate_choice=False)
    street_id = SelectField("所在街道", validate_choice=False)
    description = TextAreaField(
        "单位简介（选填）",
        validators=[
            Length(max=DESCRIPTION_MAX, message=f"单位简介不能超过 {DESCRIPTION_MAX} 个字。")
        ],
    )
    phone = StringField(
        "联系人电话",
        validators=[DataRequired(message="请填写联系人电话。")],
    )

    def validate_level(self, field) -> None:
        if field.data not in _choice_values(field):
            raise ValidationError("请选择单位级别。")

    def validate_street_id(self, field) -> None:
        if self.level.data == "street" and field.data not in _choice_values(field):
            raise ValidationError("请选择单位所在的街道。")

    def validate_phone(self, field) -> None:
        value = (field.data or "").strip().replace(" ", "")
        if not UNIT_PHONE_RE.match(value):
            raise ValidationError("请输入有效的联系电话，例如 13800001234 或 010-64001234。")
        field.data = value


class ContactForm(BaseForm):
    """Appoint the unit's contact: a registered member or volunteer, found by phone."""

    phone = StringField(
        "联系人的手机号（已注册的在职党员或志愿者）",
        validators=[DataRequired(message="请填写要任命的联系人的手机号。"), mobile_phone],
    )


class PledgeForm(BaseForm):
    """The unit offers a resource to a list (a community's, its street's, the district's)."""

    target = SelectField("提供给", validate_choice=False)
    name = StringField(
        "资源名称",
        validators=[
            DataRequired(message="请填写资源名称。"),
            Length(max=RESOURCE_NAME_MAX, message=f"资源名称不能超过 {RESOURCE_NAME_MAX} 个字。"),
        ],
    )
    kind = SelectField("资源类型", validate_choice=False)
    description = TextAreaField(
        "资源说明（选填）",
        validators=[
            Length(
                max=RESOURCE_DESCRIPTION_MAX,
                message=f"资源说明不能超过 {RESOURCE_DESCRIPTION_MAX} 个字。",
            )
        ],
    )
    availability = StringField(
        "可用时间（选填）",
        validators=[
            Length(max=AVAILABILITY_MAX, message=f"可用时间不能超过 {AVAILABILITY_MAX} 个字。")
        ],
    )

    def validate_target(self, field) -> None:
        if field.data not in _choice_values(field):
            raise ValidationError("请选择把资源提供给哪个清单。")

    def validate_kind(self, field) -> None:
        if field.data not in _choice_values(field):
            raise ValidationError("请选择资源类型。")
