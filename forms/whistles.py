"""Forms of 街道吹哨、部门报到: raising, department actions, verification, assessment,
community requests. Choices (items, departments) are set by the views."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .accounts import MultiCheckboxField
from .base import BaseForm
from .photos import PhotoForm

SCORES = [
    ("", "请选择"),
    ("5", "5 分 很好"),
    ("4", "4 分 较好"),
    ("3", "3 分 一般"),
    ("2", "2 分 较差"),
    ("1", "1 分 很差"),
]
RATING_LABELS = {"timeliness": "响应及时", "result": "处置效果", "attitude": "工作态度"}


class WhistleForm(PhotoForm):
    """Raise a whistle: item, description, place, departments summoned, up to three photos."""

    item = SelectField("吹哨事项", validate_choice=False)
    description = TextAreaField(
        "问题描述",
        validators=[
            DataRequired(message="请填写问题描述。"),
            Length(max=1000, message="问题描述不能超过 1000 个字。"),
        ],
    )
    place = StringField(
        "地点",
        validators=[
            DataRequired(message="请填写地点。"),
            Length(max=100, message="地点不能超过 100 个字。"),
        ],
    )
    departments = MultiCheckboxField("召集部门", validate_choice=False)
    photos = MultipleFileField("现场照片（可选）")
    request_id = HiddenField()

    def validate_item(self, field):
        if field.data not in {v for v, _ in self.item.choices or [] if v}:
            raise ValidationError("请选择吹哨事项。")

    def validate_departments(self, field):
        known = {v for v, _ in self.departments.choices or []}
        if not field.data:
            raise ValidationError("请至少召集一个部门。")
        if not set(field.data) <= known:
            raise ValidationError("请从列表中选择部门。")


class DeptNoteForm(PhotoForm):
    """A department's report-in note, progress note or finishing note, with up to three
    photos; refused, it comes back as typed (see ``PhotoForm``)."""

    text = TextAreaField(
        "说明", validators=[Optional(), Length(max=500, message="说明不能超过 500 个字。")]
    )
    photos = MultipleFileField("现场照片（可选）")


class ReasonForm(BaseForm):
    """A required reason (escalation, declining a request)."""

    reason = TextAreaField(
        "理由",
        validators=[
            DataRequired(message="请填写理由。"),
            Length(max=500, message="理由不能超过 500 个字。"),
        ],
    )


class NoteForm(BaseForm):
    """An optional short note (starting verification)."""

    note = TextAreaField(
        "核验说明（可选）",
        validators=[Optional(), Length(max=500, message="说明不能超过 500 个字。")],
    )


class ReturnForm(BaseForm):
    """退回重办: the reason and the departments sent back."""

    reason = TextAreaField(
        "退回理由",
        validators=[
            DataRequired(message="请填写退回理由。"),
            Length(max=500, message="理由不能超过 500 个字。"),
        ],
    )
    departments = MultiCheckboxField("退回的部门", validate_choice=False)

    def validate_departments(self, field):
        if not field.data or not set(field.data) <= {v for v, _ in self.departments.choices or []}:
            raise ValidationError("请选择要退回的部门。")


class RequestForm(BaseForm):
    """A community asks its street to whistle for a need."""

    item = SelectField("建议的吹哨事项（可选）", validate_choice=False)
    note = TextAreaField(
        "提请理由",
        validators=[
            DataRequired(message="请填写提请理由。"),
            Length(max=500, message="理由不能超过 500 个字。"),
        ],
    )

    def validate_item(self, field):
        if field.data and field.data not in {v for v, _ in self.item.choices or []}:
            raise ValidationError("请从列表中选择事项。")


class _CloseBase(BaseForm):
    community_satisfaction = SelectField("社区满意度", choices=SCORES, validate_choice=False)
    comment = TextAreaField(
        "结案意见（可选）",
        validators=[Optional(), Length(max=500, message="意见不能超过 500 个字。")],
    )

    def rating_fields(self, dept_id: str) -> list:
        return [getattr(self, f"r_{dept_id.replace('-', '_')}_{key}") for key in RATING_LABELS]

    def ratings(self, dept_ids) -> dict:
        return {
            d: {key: f.data for key, f in zip(RATING_LABELS, self.rating_fields(d), strict=True)}
            for d in dept_ids
        }


def close_form(departments: list[tuple[str, str]], **kwargs) -> _CloseBase:
    """The closing form with three 1–5 ratings per summoned department (id, name)."""
    fields = {}
    for dept_id, name in departments:
        for key, label in RATING_LABELS.items():
            fields[f"r_{dept_id.replace('-', '_')}_{key}"] = SelectField(
                f"{name}：{label}",
                choices=SCORES,
                validators=[DataRequired(message=f"请为{name}的“{label}”打分。")],
                validate_choice=False,
            )
    return type("CloseWhistleForm", (_CloseBase,), fields)(**kwargs)
