"""Forms of 接诉即办: the import upload and its confirmation, manual entry, and the steps
of an order (派单, 联系, 答复, 退单, 延期, 吹哨, 回访, 结案) and the resident's rating. The
views set the choices; the store checks states, units and texts again (in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .base import BaseForm

IMPORT_SUFFIXES = (".xlsx", ".csv")
IMPORT_MAX_BYTES = 4 * 1024 * 1024
RATING_CHOICES = [("satisfied", "满意"), ("basic", "基本满意"), ("unsatisfied", "不满意")]


def _one_of(message: str):
    def check(form, field) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError(message)

    return check


class ImportForm(BaseForm):
    file = FileField("热线工单表格（.xlsx 或 .csv）")

    def validate_file(self, field) -> None:
        name = (getattr(field.data, "filename", "") or "").lower()
        if not name:
            raise ValidationError("请选择要导入的表格文件。")
        if not name.endswith(IMPORT_SUFFIXES):
            raise ValidationError("只能导入 .xlsx 或 .csv 文件，请用页面上提供的模板。")


class ConfirmImportForm(BaseForm):
    """The preview's confirmation: the name of the rows it showed (kept by the portal)."""

    batch = HiddenField(validators=[DataRequired("导入内容已丢失，请重新上传表格。")])


class ManualOrderForm(BaseForm):
    channel = SelectField("来源渠道", validators=[_one_of("请选择来源渠道。")])
    category = SelectField("诉求类别", validators=[_one_of("请选择诉求类别。")])
    caller = StringField(
        "诉求人", validators=[Optional(), Length(max=20, message="诉求人不能超过 20 个字。")]
    )
    phone = StringField(
        "联系电话", validators=[Optional(), Length(max=20, message="联系电话不能超过 20 位。")]
    )
    content = TextAreaField(
        "诉求内容",
        validators=[
            DataRequired("请填写诉求内容。"),
            Length(max=2000, message="诉求内容不能超过 2000 个字。"),
        ],
    )
    address = StringField(
        "地址", validators=[Optional(), Length(max=100, message="地址不能超过 100 个字。")]
    )
    community = SelectField("所属社区（可不选）", validators=[_one_of("请选择社区。")])


class DispatchForm(BaseForm):
    target = SelectField("派往", validators=[_one_of("请选择派往的单位。")])
    note = StringField(
        "派单说明（可不填）",
        validators=[Optional(), Length(max=500, message="派单说明不能超过 500 个字。")],
    )


class NoteForm(BaseForm):
    note = TextAreaField(
        "联系情况",
        validators=[
            DataRequired("请填写联系情况。"),
            Length(max=500, message="联系情况不能超过 500 个字。"),
        ],
    )


class AnswerForm(BaseForm):
    text = TextAreaField(
        "答复内容",
        validators=[
            DataRequired("请填写答复内容。"),
            Length(max=500, message="答复内容不能超过 500 个字。"),
        ],
    )
    resolved = RadioField(
        "诉求是否解决",
        choices=[("yes", "已解决"), ("no", "未解决（已说明原因）")],
        validators=[_one_of("请选择诉求是否解决。")],
    )


class ReturnForm(BaseForm):
    duty = SelectField(
        "不属于本单位的哪项职责（职责准入）", validators=[_one_of("请选择职责清单事项。")]
    )
    reason = TextAreaField(
        "退单理由",
        validators=[
            DataRequired("请填写退单理由。"),
            Length(max=500, message="退单理由不能超过 500 个字。"),
        ],
    )


class ExtensionForm(BaseForm):
    until = DateField("延至（日期）", validators=[DataRequired("请填写新的办结日期。")])
    reason = TextAreaField(
        "延期理由",
        validators=[
            DataRequired("请填写延期理由。"),
            Length(max=500, message="延期理由不能超过 500 个字。"),
        ],
    )


class DecideExtensionForm(BaseForm):
    decision = RadioField(
        "延期申请",
        choices=[("approve", "同意延期"), ("refuse", "不同意，维持原时限")],
        validators=[_one_of("请选择同意或不同意。")],
    )
    note = StringField(
        "说明（可不填）",
        validators=[Optional(), Length(max=500, message="说明不能超过 500 个字。")],
    )


class WhistleForm(BaseForm):
    item = SelectField("吹哨事项", validators=[_one_of("请选择吹哨事项。")])
    description = TextAreaField(
        "问题描述",
        validators=[
            DataRequired("请填写问题描述。"),
            Length(max=900, message="问题描述不能超过 900 个字。"),
        ],
    )


class RatingForm(BaseForm):
    """The resident's rating, or the staff's record of a 电话回访."""

    rating = RadioField("评价", choices=RATING_CHOICES, validators=[_one_of("请选择评价。")])
    comment = TextAreaField(
        "意见（可不填）",
        validators=[Optional(), Length(max=300, message="意见不能超过 300 个字。")],
    )


class CloseForm(BaseForm):
    note = StringField(
        "结案说明（可不填）",
        validators=[Optional(), Length(max=500, message="结案说明不能超过 500 个字。")],
    )
