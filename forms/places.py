"""Forms of the street and district admins."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .base import BaseForm


class CommunityForm(BaseForm):
    """A new community in a street; the view limits the streets to the admin's scope."""

    street_id = SelectField("所属街道", validate_choice=False)
    name = StringField(
        "社区名称",
        validators=[
            DataRequired(message="请填写社区名称。"),
            Length(max=30, message="社区名称不能超过 30 个字。"),
        ],
    )

    def validate_street_id(self, field):
        if field.data not in {v for v, _ in field.choices or []}:
            raise ValidationError("请选择您管辖范围内的街道。")
