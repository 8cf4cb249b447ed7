"""Forms of account administration: new admins, reset codes, shift changes and messages."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .base import BaseForm, mobile_phone, strong_password
from .posts import TIME_CHOICES


class NewAdminForm(BaseForm):
    """A street admin (scope: street) or community admin (scope: community); choices by the view."""

    phone = StringField("手机号", validators=[DataRequired(message="请填写手机号。"), mobile_phone])
    name = StringField(
        "姓名",
        validators=[
            DataRequired(message="请填写姓名。"),
            Length(max=30, message="姓名不能超过 30 个字。"),
        ],
    )
    scope = SelectField("管辖范围", validate_choice=False)
    password = PasswordField(
        "初始密码", validators=[DataRequired(message="请填写初始密码。"), strong_password]
    )

    def validate_scope(self, field):
        if field.data not in {value for value, _label in self.scope.choices or []}:
            raise ValidationError("请从列表中选择管辖范围。")


class ResetCodeForm(BaseForm):
    """The phone number of the member who forgot the password."""

    phone = StringField(
        "成员手机号", validators=[DataRequired(message="请填写成员的手机号。"), mobile_phone]
    )


class ShiftChangeForm(BaseForm):
    """New date, time or capacity of a shift (blank date/time: unchanged)."""

    day = DateField("日期", validators=[Optional()], format="%Y-%m-%d")
    start = SelectField("开始", choices=TIME_CHOICES, validate_choice=False)
    end = SelectField("结束", choices=TIME_CHOICES, validate_choice=False)
    capacity = IntegerField(
        "名额",
        validators=[Optional(), NumberRange(min=1, max=500, message="名额应在 1 到 500 人之间。")],
    )
    note = StringField(
        "调整说明（报名的人会看到）",
        validators=[Optional(), Length(max=200, message="说明不能超过 200 个字。")],
    )

    def validate_start(self, field):
        if field.data and field.data not in dict(TIME_CHOICES):
            raise ValidationError("请选择有效的开始时间。")

    def validate_end(self, field):
        if field.data and field.data not in dict(TIME_CHOICES):
            raise ValidationError("请选择有效的结束时间。")


class CancelShiftForm(BaseForm):
    reason = TextAreaField(
        "取消原因（报名的人会看到）",
        validators=[
            DataRequired(message="取消班次时请填写原因。"),
            Length(max=200, message="原因不能超过 200 个字。"),
        ],
    )


class ShiftMessageForm(BaseForm):
    text = TextAreaField(
        "消息内容",
        validators=[
            DataRequired(message="请填写消息内容。"),
            Length(max=500, message="消息不能超过 500 个字。"),
        ],
    )
    include_waiting = BooleanField("同时发给候补名单上的人")
