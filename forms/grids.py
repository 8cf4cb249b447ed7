"""Forms of 网格 and 楼门院: a grid, a building, the import upload, placing a member,
appointing a 网格员 / 网格长 / 楼门院长. Choices are set by the views; the store checks
numbers, names and places again (it refuses in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .base import BaseForm, mobile_phone

IMPORT_SUFFIXES = (".xlsx", ".csv")
IMPORT_MAX_BYTES = 2 * 1024 * 1024


class GridForm(BaseForm):
    number = StringField(
        "网格编号",
        validators=[DataRequired("请填写网格编号（1 到 999 的整数）。"), Length(max=3)],
    )
    name = StringField(
        "网格名称", validators=[Optional(), Length(max=30, message="网格名称不能超过 30 个字。")]
    )
    secretary = StringField(
        "网格党支部书记",
        validators=[Optional(), Length(max=30, message="姓名不能超过 30 个字。")],
    )

    def validate_number(self, field) -> None:
        text = (field.data or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= 999:
            raise ValidationError("网格编号应为 1 到 999 的整数。")


class BuildingForm(BaseForm):
    kind = SelectField("类型", validate_choice=False)
    name = StringField(
        "楼门院名称",
        validators=[
            DataRequired("请填写楼门院名称，例如“5号楼”。"),
            Length(max=30, message="楼门院名称不能超过 30 个字。"),
        ],
    )
    households = StringField("户数（可不填）", validators=[Optional(), Length(max=5)])
    leader = StringField(
        "楼门院党小组长", validators=[Optional(), Length(max=30, message="姓名不能超过 30 个字。")]
    )

    def validate_kind(self, field) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("请选择楼门院的类型。")

    def validate_households(self, field) -> None:
        text = (field.data or "").strip()
        if text and (not text.isdigit() or int(text) > 5000):
            raise ValidationError("户数应为 0 到 5000 的整数。")


class ImportForm(BaseForm):
    file = FileField("网格和楼门院表格（.xlsx 或 .csv）")

    def validate_file(self, field) -> None:
        upload = field.data
        name = (getattr(upload, "filename", "") or "").lower()
        if not name:
            raise ValidationError("请选择要导入的表格文件。")
        if not name.endswith(IMPORT_SUFFIXES):
            raise ValidationError("只能导入 .xlsx 或 .csv 文件，请用页面上提供的模板。")


class ConfirmImportForm(BaseForm):
    """The preview's confirmation: the rows it showed, as JSON (checked again on import)."""

    rows = HiddenField(validators=[DataRequired("导入内容已丢失，请重新上传表格。")])


class PlaceForm(BaseForm):
    """Where a member belongs: a building (which decides the grid) or a grid only."""

    place = SelectField("所在网格 / 楼门院", validate_choice=False)

    def validate_place(self, field) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("请选择网格或楼门院。")


class AppointForm(BaseForm):
    phone = StringField(
        "手机号（已注册的在职党员或志愿者）",
        validators=[DataRequired("请填写要任命的人的手机号。"), mobile_phone],
    )
    role = SelectField("任命为", validate_choice=False)
    targets = SelectMultipleField("负责的网格或楼门院", validate_choice=False)

    def validate_role(self, field) -> None:
        if field.data not in {value for value, _ in field.choices or []}:
            raise ValidationError("请选择任命的角色。")

    def validate_targets(self, field) -> None:
        allowed = {value for value, _ in field.choices or []}
        if not field.data:
            raise ValidationError("请至少选择一个负责的网格或楼门院。")
        if any(value not in allowed for value in field.data):
            raise ValidationError("所选范围无效，请刷新页面后重新选择。")
