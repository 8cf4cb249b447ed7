"""Forms of the street's and the district's three lists (街道级、区级 需求/资源/项目清单).

The fields are those of a community's lists (``forms/lists.py``); choices (categories,
raisers, kinds, the resources to match and the needs to gather) are set by the views.
"""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .base import BaseForm
from .lists import ProjectForm, ResourceForm, _ChoiceChecks, optional_mobile_phone


class AreaNeedForm(BaseForm, _ChoiceChecks):
    """A need posted on a street's or the district's list."""

    category = SelectField("需求分类", validate_choice=False)
    description = TextAreaField(
        "需求描述",
        validators=[
            DataRequired(message="请填写需求描述。"),
            Length(max=1000, message="需求描述不能超过 1000 个字。"),
        ],
    )
    place = StringField("地点", validators=[Length(max=60, message="地点不能超过 60 个字。")])
    urgency = RadioField("紧急程度", default="normal", validate_choice=False)
    raised_by = RadioField("提出人身份", validate_choice=False)
    name = StringField("联系人", validators=[Length(max=20, message="联系人不能超过 20 个字。")])
    phone = StringField("联系电话（可选）", validators=[optional_mobile_phone])

    def set_choices(self, categories, urgencies, raisers) -> None:
        self.category.choices = [("", "请选择")] + list(categories)
        self.urgency.choices = list(urgencies)
        self.raised_by.choices = list(raisers)

    def validate_category(self, field):
        self._check_choice(field, "请选择需求分类。")

    def validate_urgency(self, field):
        self._check_choice(field, "请选择紧急程度。")

    def validate_raised_by(self, field):
        self._check_choice(field, "请选择提出人身份。")

    def fields(self) -> dict:
        """The need's fields for the store."""
        return {
            "category": self.category.data,
            "description": self.description.data or "",
            "raised_by": self.raised_by.data,
            "place": self.place.data or "",
            "urgency": self.urgency.data,
            "phone": self.phone.data or "",
            "name": self.name.data or "",
        }


class AreaNeedEditForm(AreaNeedForm):
    """A need's fields and its status (待处理, 处理中, 已办结)."""

    status = SelectField("状态", validate_choice=False)

    def set_statuses(self, statuses) -> None:
        self.status.choices = [(s, s) for s in statuses]

    def validate_status(self, field):
        self._check_choice(field, "请选择需求状态。")


class AreaResourceForm(ResourceForm):
    """A resource on a street's or the district's list (the fields of a community's)."""


class AreaProjectForm(ProjectForm):
    """A project on a street's or the district's list."""


class RefForm(BaseForm, _ChoiceChecks):
    """Pick a row of any level (a resource to match, a need to gather), named by the view's
    choices as ``level:scope:id``."""

    ref = SelectField("选择", validate_choice=False)

    def validate_ref(self, field):
        self._check_choice(field, "请选择一项。")
        if len((field.data or "").split(":")) != 3:
            raise ValidationError("请选择一项。")

    def parts(self) -> tuple[str, str, str]:
        level, scope, oid = self.ref.data.split(":")
        return level, scope, oid
