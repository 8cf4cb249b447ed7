"""Account forms: register, log in, change password, edit profile."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .base import BaseForm, mobile_phone, strong_password

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KINDS = [("member", "在职党员"), ("volunteer", "志愿者（居民、小巷管家、卡口值守等）")]
AVAILABILITY = [
    ("weekday_day", "工作日白天"),
    ("weekday_evening", "工作日晚间"),
    ("weekend", "周末"),
]


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as checkboxes (easier to tap on a phone than a list box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _required(label: str):
    return DataRequired(message=f"请填写{label}。")


class ProfileFields(BaseForm):
    """Fields shared by registration and the profile page; choices are set by the view."""

    name = StringField(
        "姓名", validators=[_required("姓名"), Length(max=30, message="姓名不能超过 30 个字。")]
    )
    work_unit = StringField(
        "工作单位", validators=[Length(max=60, message="工作单位不能超过 60 个字。")]
    )
    party_org = StringField(
        "所在党组织", validators=[Length(max=60, message="所在党组织不能超过 60 个字。")]
    )
    home_cid = SelectField(
        "居住社区", validators=[InputRequired(message="请选择居住社区。")], validate_choice=False
    )
    skills = MultiCheckboxField("我的专长（可多选）", validate_choice=False)
    availability = MultiCheckboxField(
        "空闲时间（可多选）", choices=AVAILABILITY, validate_choice=False
    )

    def _valid_values(self, field) -> set:
        values: set[str] = set()
        choices = field.choices or []
        if isinstance(choices, dict):  # optgroups: {group label: [(value, label), ...]}
            choices = [c for group in choices.values() for c in group]
        for choice in choices:
            # A choice may be a group: (label, [(value, label), ...]).
            if isinstance(choice[1], (list, tuple)):
                values.update(v for v, _label in choice[1])
            else:
                values.add(choice[0])
        return values

    def validate_home_cid(self, field):
        if field.data not in self._valid_values(field):
            raise ValidationError("请从列表中选择居住社区。")

    def validate_skills(self, field):
        if not set(field.data or []) <= self._valid_values(field):
            raise ValidationError("专长中有无效的选项。")

    def validate_availability(self, field):
        if not set(field.data or []) <= {v for v, _ in AVAILABILITY}:
            raise ValidationError("空闲时间中有无效的选项。")


class RegisterForm(ProfileFields):
    """New member or volunteer."""

    phone = StringField("手机号", validators=[_required("手机号"), mobile_phone])
    password = PasswordField("密码", validators=[_required("密码"), strong_password])
    confirm = PasswordField(
        "再次输入密码",
        validators=[_required("确认密码"), EqualTo("password", message="两次输入的密码不一致。")],
    )
    kind = RadioField(
        "身份",
        choices=KINDS,
        validators=[InputRequired(message="请选择身份。")],
        validate_choice=False,
    )
    consent = BooleanField(
        "我已阅读并同意《个人信息处理说明》",
        validators=[DataRequired(message="注册前需要您同意个人信息处理说明。")],
    )

    def validate_kind(self, field):
        if field.data not in dict(KINDS):
            raise ValidationError("请选择身份。")

    def validate_work_unit(self, field):
        if self.kind.data == "member" and not (field.data or "").strip():
            raise ValidationError("在职党员请填写工作单位。")

    def validate_party_org(self, field):
        if self.kind.data == "member" and not (field.data or "").strip():
            raise ValidationError("在职党员请填写所在党组织。")


class LoginForm(BaseForm):
    phone = StringField("手机号", validators=[_required("手机号"), mobile_phone])
    password = PasswordField(
        "密码", validators=[_required("密码"), Length(max=128, message="密码不正确。")]
    )


class ChangePasswordForm(BaseForm):
    old_password = PasswordField(
        "当前密码", validators=[_required("当前密码"), Length(max=128, message="当前密码不正确。")]
    )
    password = PasswordField("新密码", validators=[_required("新密码"), strong_password])
    confirm = PasswordField(
        "再次输入新密码",
        validators=[_required("确认密码"), EqualTo("password", message="两次输入的密码不一致。")],
    )


class ProfileForm(ProfileFields):
    """Edit profile; whether work unit is required depends on the account (set by the view)."""

    requires_unit = False
    email = StringField(
        "电子邮箱（选填）", validators=[Length(max=120, message="电子邮箱不能超过 120 个字符。")]
    )
    # 驻区单位 (members only; the view removes it for others): choosing one is the
    # member's consent to be seen by that unit. Choices are set by the view.
    unit_id = SelectField("所在驻区单位（选填）", validate_choice=False)

    def validate_unit_id(self, field):
        if field.data and field.data not in self._valid_values(field):
            raise ValidationError("请从列表中选择驻区单位。")

    def validate_email(self, field):
        field.data = (field.data or "").strip()
        if field.data and not EMAIL_RE.match(field.data):
            raise ValidationError("请输入有效的电子邮箱，例如 name@example.com。")

    def validate_work_unit(self, field):
        if self.requires_unit and not (field.data or "").strip():
            raise ValidationError("在职党员请填写工作单位。")

    def validate_party_org(self, field):
        if self.requires_unit and not (field.data or "").strip():
            raise ValidationError("在职党员请填写所在党组织。")
