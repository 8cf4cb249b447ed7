"""Forms of the hotline figures: opening a 主动治理任务 on a hot spot and recording its
result, and the month's 每月一题 (category, plan, owner, linked orders) with its result.
The views set the choices; the store checks the hot spot, the orders and the texts again
(in Chinese)."""

from __future__ import annotations

import re

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .base import BaseForm

_SEPARATORS = re.compile(r"[\s,，、;；]+")


class OpenTaskForm(BaseForm):
    """The hot spot (category, kind, place come from the list) and the action taken."""

    category = HiddenField(validators=[DataRequired("没有指明热点，请从热点列表开启任务。")])
    kind = HiddenField(validators=[DataRequired("没有指明热点，请从热点列表开启任务。")])
    place = HiddenField(validators=[DataRequired("没有指明热点，请从热点列表开启任务。")])
    action = TextAreaField(
        "采取的措施",
        validators=[
            DataRequired("请填写采取的措施。"),
            Length(max=500, message="采取的措施不能超过 500 个字。"),
        ],
    )

    def validate_kind(self, field) -> None:
        if field.data not in ("grid", "address"):
            raise ValidationError("热点的类型只能是网格或地址。")


class ResultForm(BaseForm):
    result = TextAreaField(
        "治理结果",
        validators=[
            DataRequired("请填写治理结果。"),
            Length(max=500, message="治理结果不能超过 500 个字。"),
        ],
    )


class TopicForm(BaseForm):
    category = SelectField("题目（诉求类别）")
    plan = TextAreaField(
        "治理方案",
        validators=[
            DataRequired("请填写治理方案。"),
            Length(max=500, message="治理方案不能超过 500 个字。"),
        ],
    )
    owner = StringField(
        "责任人",
        validators=[
            DataRequired("请填写责任人。"),
            Length(max=50, message="责任人不能超过 50 个字。"),
        ],
    )
    orders = TextAreaField(
        "关联工单（工单号，用空格、逗号或换行分隔）",
        validators=[Optional(), Length(max=2000, message="关联工单填写的内容太长。")],
    )

    def validate_category(self, field) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("请选择题目的诉求类别。")

    def order_ids(self) -> list[str]:
        return [part for part in _SEPARATORS.split(self.orders.data or "") if part]
