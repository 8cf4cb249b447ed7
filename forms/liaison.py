"""Forms of 社区专员: the street admin appoints one by phone number over 1–3 of the street's
communities, or changes the communities. Choices are set by the view; the store checks the
person and the communities again (it refuses in Chinese)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from .accounts import MultiCheckboxField
from .base import BaseForm, mobile_phone

MAX_COMMUNITIES = 3


class CommunitiesForm(BaseForm):
    """The communities a 社区专员 guides: 1 to 3 of the street's."""

    communities = MultiCheckboxField("联系的社区（1 到 3 个）", validate_choice=False)

    def validate_communities(self, field) -> None:
        chosen = list(dict.fromkeys(field.data or []))
        if not chosen:
            raise ValidationError("请至少选择一个社区。")
        if len(chosen) > MAX_COMMUNITIES:
            raise ValidationError(f"一位社区专员联系 1 到 {MAX_COMMUNITIES} 个社区。")
        if not set(chosen) <= {value for value, _ in field.choices or []}:
            raise ValidationError("所选社区不在本街道，请刷新页面后重新选择。")
        field.data = chosen


class AppointForm(CommunitiesForm):
    """Appoint a registered member or volunteer, found by the phone number of their account."""

    phone = StringField(
        "本人注册用的手机号",
        validators=[DataRequired(message="请填写手机号。"), mobile_phone],
    )
