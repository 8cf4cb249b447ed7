"""Forms of attendance, hours and service records (no storage here)."""

from __future__ import annotations

from wtforms import BooleanField, DateField, DecimalField, RadioField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .base import BaseForm


class AttendanceForm(BaseForm):
    """Mark one sign-up 已到 or 缺席, with an optional note."""

    status = RadioField(
        "到岗情况",
        choices=[("present", "已到"), ("absent", "缺席")],
        validators=[DataRequired(message="请选择“已到”或“缺席”。")],
    )
    note = StringField(
        "备注", validators=[Optional(), Length(max=200, message="备注不能超过 200 个字。")]
    )


class HoursForm(BaseForm):
    """Credit other hours than the shift's length, with a reason."""

    hours = DecimalField(
        "工时（小时）",
        places=1,
        validators=[
            DataRequired(message="请填写工时数。"),
            NumberRange(min=0.5, max=24, message="工时应在 0.5 到 24 小时之间。"),
        ],
    )
    reason = StringField(
        "调整原因",
        validators=[
            DataRequired(message="调整工时请填写原因。"),
            Length(max=200, message="原因不能超过 200 个字。"),
        ],
    )


class PeriodForm(BaseForm):
    """The period of a service record certificate."""

    date_from = DateField(
        "开始日期", format="%Y-%m-%d", validators=[DataRequired(message="请选择开始日期。")]
    )
    date_to = DateField(
        "结束日期", format="%Y-%m-%d", validators=[DataRequired(message="请选择结束日期。")]
    )

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("结束日期不能早于开始日期。")


class DeclineCertificateForm(BaseForm):
    """Decline a certificate request, with the reason the member sees."""

    reason = StringField(
        "不予出具的原因（申请人会看到）",
        validators=[
            DataRequired(message="不予出具时请填写原因，申请人会看到。"),
            Length(max=200, message="原因不能超过 200 个字。"),
        ],
    )


class AutoApproveForm(BaseForm):
    """The community's 自动批准 setting for certificates."""

    auto_approve = BooleanField("自动批准：成员申请后立即出具证明，不需要管理员逐份审核")
