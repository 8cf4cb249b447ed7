"""The inbox's notice settings: which kinds also come by e-mail, quiet hours, and a
member's work-unit address for the quarterly letter."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from .accounts import EMAIL_RE, MultiCheckboxField
from .base import BaseForm

QUIET_CHOICES = [("", "不设置")] + [(f"{h:02d}:00", f"{h:02d}:00") for h in range(24)]


class NoticeSettingsForm(BaseForm):
    """Choices of ``email_kinds`` are set by the view (the store's notice kinds)."""

    email_kinds = MultiCheckboxField("通过邮件接收的消息", choices=[], validate_choice=False)
    quiet_from = SelectField("免打扰开始", choices=QUIET_CHOICES)
    quiet_to = SelectField("免打扰结束", choices=QUIET_CHOICES)
    unit_email = StringField(
        "工作单位电子邮箱（选填）",
        validators=[Length(max=120, message="电子邮箱不能超过 120 个字符。")],
    )

    def validate_email_kinds(self, field):
        known = {value for value, _label in field.choices}
        if any(k not in known for k in field.data or []):
            raise ValidationError("请从列表中选择消息类型。")

    def validate_quiet_to(self, field):
        if bool(self.quiet_from.data) != bool(field.data):
            raise ValidationError("免打扰时段请同时选择开始和结束时间，或都不选。")
        if field.data and field.data == self.quiet_from.data:
            raise ValidationError("免打扰的开始和结束时间不能相同。")

    def validate_unit_email(self, field):
        field.data = (field.data or "").strip()
        if field.data and not EMAIL_RE.match(field.data):
            raise ValidationError("请输入有效的电子邮箱，例如 dangwei@example.org。")
