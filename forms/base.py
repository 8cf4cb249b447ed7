"""The base form: Chinese messages everywhere, including the CSRF field's."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

_CSRF_MESSAGES = {
    "The CSRF token is missing.": "缺少安全校验信息，请刷新页面后重新提交。",
    "The CSRF token is invalid.": "安全校验信息无效，请刷新页面后重新提交。",
    "The CSRF token has expired.": "页面停留时间过长，安全校验已过期，请刷新后重新提交。",
    "The CSRF tokens do not match.": "安全校验信息不匹配，请刷新页面后重新提交。",
    "The CSRF session token is missing.": "会话已过期，请刷新页面后重新提交。",
}

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def translate_csrf(message: str) -> str:
    """Chinese for one of Flask-WTF's CSRF messages (unknown ones get a generic text)."""
    return _CSRF_MESSAGES.get(message, "安全校验失败，请刷新页面后重新提交。")


class BaseForm(FlaskForm):
    """A FlaskForm whose built-in messages are Chinese (needs WTF_I18N_ENABLED=False)."""

    class Meta:
        locales = ["zh_CN", "zh"]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        csrf = getattr(self, "csrf_token", None)
        if csrf is not None and csrf.errors:
            csrf.errors = [translate_csrf(m) for m in csrf.errors]
        return ok


def password_problem(password: str, phone: str = "") -> str | None:
    """Why a password is too weak, in Chinese, or None if it is acceptable."""
    if len(password) < 8:
        return "密码至少 8 位。"
    if len(password) > 128:
        return "密码不能超过 128 位。"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码需同时包含字母和数字。"
    if len(set(password)) < 4:
        return "密码过于简单，请避免重复字符。"
    if phone and phone in password:
        return "密码不能包含手机号。"
    return None


def mobile_phone(form, field) -> None:
    """Validator: a mainland China mobile number, 11 digits starting with 1[3-9]."""
    value = (field.data or "").strip().replace(" ", "").replace("-", "")
    if not PHONE_RE.match(value):
        raise ValidationError("请输入 11 位中国大陆手机号，例如 13800001234。")
    field.data = value


def strong_password(form, field) -> None:
    """Validator: password_problem() must find nothing."""
    phone_field = getattr(form, "phone", None)
    problem = password_problem(field.data or "", getattr(phone_field, "data", "") or "")
    if problem:
        raise ValidationError(problem)
