"""Forms of personal-information rights and password recovery."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .base import BaseForm, mobile_phone, strong_password


class ResetPasswordForm(BaseForm):
    """Phone + one-time code from the community + a new password."""

    phone = StringField("手机号", validators=[DataRequired(message="请填写手机号。"), mobile_phone])
    code = StringField(
        "重置码",
        validators=[
            DataRequired(message="请填写社区给您的重置码。"),
            Length(max=20, message="重置码不正确。"),
        ],
    )
    password = PasswordField(
        "新密码", validators=[DataRequired(message="请填写新密码。"), strong_password]
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[
            DataRequired(message="请再次输入新密码。"),
            EqualTo("password", message="两次输入的密码不一致。"),
        ],
    )


class ConsentForm(BaseForm):
    consent = BooleanField(
        "我已阅读并同意新版《个人信息处理说明》",
        validators=[DataRequired(message="继续使用前需要您同意新版个人信息处理说明。")],
    )


class DeleteAccountForm(BaseForm):
    password = PasswordField(
        "当前密码",
        validators=[
            DataRequired(message="请输入当前密码以确认身份。"),
            Length(max=128, message="当前密码不正确。"),
        ],
    )
    understood = BooleanField(
        "我了解注销后账号不能恢复，个人信息将被删除",
        validators=[DataRequired(message="请确认您已了解注销的后果。")],
    )
