"""Forms of the community admin: posts with shifts, report-in decisions, skill confirmation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wtforms import (
    DateField,
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .accounts import MultiCheckboxField
from .base import BaseForm

TIME_CHOICES = [("", "—")] + [
    (f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(6, 23) for m in (0, 30)
]


WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
REPEAT_MAX_DAYS = 180


class _ZhMeta:
    locales = ["zh_CN", "zh"]


class ShiftRow(Form):
    """One dated shift; a row left completely blank is ignored."""

    Meta = _ZhMeta
    day = DateField("日期", validators=[Optional()], format="%Y-%m-%d")
    start = SelectField("开始", choices=TIME_CHOICES, validate_choice=False)
    end = SelectField("结束", choices=TIME_CHOICES, validate_choice=False)
    capacity = IntegerField(
        "名额",
        validators=[Optional(), NumberRange(min=1, max=500, message="名额应在 1 到 500 人之间。")],
    )

    def is_blank(self) -> bool:
        return not (self.day.data or self.start.data or self.end.data or self.capacity.data)


class SkillRow(Form):
    """A skill the post wants, with an optional head count."""

    Meta = _ZhMeta
    skill = SelectField("专长", validate_choice=False)
    count = IntegerField(
        "人数",
        validators=[Optional(), NumberRange(min=1, max=100, message="人数应在 1 到 100 之间。")],
    )
    confirm = BooleanField("需经社区确认")


class PostForm(BaseForm):
    """Create a post; the view sets category and skill choices from the taxonomy."""

    title = StringField(
        "岗位名称",
        validators=[
            DataRequired(message="请填写岗位名称。"),
            Length(max=40, message="岗位名称不能超过 40 个字。"),
        ],
    )
    category = SelectField("岗位分类", validate_choice=False)
    description = TextAreaField(
        "岗位说明",
        validators=[
            DataRequired(message="请填写岗位说明。"),
            Length(max=1000, message="岗位说明不能超过 1000 个字。"),
        ],
    )
    place = StringField(
        "服务地点",
        validators=[
            DataRequired(message="请填写服务地点。"),
            Length(max=60, message="服务地点不能超过 60 个字。"),
        ],
    )
    kind = RadioField(
        "岗位形式",
        choices=[("shifts", "按班次（指定日期和时段）"), ("standing", "长期岗位（不限时段）")],
        default="shifts",
        validate_choice=False,
    )
    standing_capacity = IntegerField(
        "长期岗位名额",
        validators=[Optional(), NumberRange(min=1, max=500, message="名额应在 1 到 500 人之间。")],
    )
    signup_opens_at = StringField(
        "报名开放时间",
        validators=[Optional()],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    repeat_weekdays = MultiCheckboxField(
        "重复（每周的这些天）",
        choices=[(str(n), name) for n, name in enumerate(WEEKDAYS)],
        validate_choice=False,
    )
    repeat_until = DateField("重复至", validators=[Optional()], format="%Y-%m-%d")
    skills = FieldList(FormField(SkillRow), min_entries=3, max_entries=6)
    shifts = FieldList(FormField(ShiftRow), min_entries=4, max_entries=12)

    def set_choices(self, categories, skills) -> None:
        self.category.choices = [("", "请选择")] + list(categories)
        for row in self.skills:
            row.form.skill.choices = [("", "（不限）")] + list(skills)
        self._category_ids = {c for c, _ in categories}
        self._skill_ids = {s for s, _ in skills}

    def validate_category(self, field):
        if field.data not in getattr(self, "_category_ids", set()):
            raise ValidationError("请选择岗位分类。")

    def validate_signup_opens_at(self, field):
        if not field.data:
            return
        try:
            datetime.strptime(field.data, "%Y-%m-%d %H:%M")
        except ValueError:
            raise ValidationError(
                "报名开放时间的格式应为“YYYY-MM-DD HH:MM”，例如 2026-05-01 09:00。"
            ) from None

    def validate_repeat_weekdays(self, field):
        chosen = field.data or []
        if not chosen and not self.repeat_until.data:
            return
        if self.kind.data != "shifts":
            raise ValidationError("只有按班次的岗位可以设置重复。")
        if not chosen:
            raise ValidationError("重复设置请至少选择一个星期几。")
        if not set(chosen) <= {str(n) for n in range(7)}:
            raise ValidationError("重复设置中有无效的星期。")
        if not self.repeat_until.data:
            raise ValidationError("重复设置请填写结束日期。")
        if self.repeat_until.data > date.today() + timedelta(days=REPEAT_MAX_DAYS):
            raise ValidationError(f"重复的结束日期最多为 {REPEAT_MAX_DAYS} 天以后。")

    def repeat(self) -> dict | None:
        """The repeat rule for the store, or None when no weekday is chosen."""
        if self.kind.data != "shifts" or not self.repeat_weekdays.data:
            return None
        return {
            "weekdays": sorted(int(d) for d in self.repeat_weekdays.data),
            "until": self.repeat_until.data.isoformat(),
        }

    def validate_kind(self, field):
        if field.data not in ("shifts", "standing"):
            raise ValidationError("请选择岗位形式。")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Checked here: the field's Optional() would stop an inline validator.
        if (
            self.kind.data == "standing"
            and not self.standing_capacity.data
            and not self.standing_capacity.errors
        ):
            self.standing_capacity.errors = ["长期岗位请填写名额。"]
            ok = False
        return ok

    def validate_skills(self, field):
        for row in field:
            if row.form.skill.data and row.form.skill.data not in self._skill_ids:
                raise ValidationError("所需专长中有无效的选项。")

    def validate_shifts(self, field):
        if self.kind.data != "shifts":
            return
        filled = [row.form for row in field if not row.form.is_blank()]
        if not filled:
            raise ValidationError("请至少填写一个班次（日期、开始、结束、名额）。")
        valid_times = {v for v, _ in TIME_CHOICES if v}
        for n, row in enumerate(filled, 1):
            if not (row.day.data and row.start.data and row.end.data and row.capacity.data):
                raise ValidationError(f"第 {n} 个班次没有填完整：日期、开始、结束和名额都要填写。")
            if row.start.data not in valid_times or row.end.data not in valid_times:
                raise ValidationError(f"第 {n} 个班次的时间无效。")
            if row.start.data >= row.end.data:
                raise ValidationError(f"第 {n} 个班次的结束时间必须晚于开始时间。")
            if row.day.data < date.today():
                raise ValidationError(f"第 {n} 个班次的日期已经过去。")

    def post_skills(self) -> list[dict]:
        return [
            # Only a skill that needs the community's confirmation carries the flag.
            {"skill": r.form.skill.data, "count": r.form.count.data}
            | ({"confirm": True} if r.form.confirm.data else {})
            for r in self.skills
            if r.form.skill.data
        ]

    def shift_rows(self) -> list[dict]:
        if self.kind.data == "standing":
            return [{"capacity": self.standing_capacity.data}]
        return [
            {
                "date": r.form.day.data.isoformat(),
                "start": r.form.start.data,
                "end": r.form.end.data,
                "capacity": r.form.capacity.data,
            }
            for r in self.shifts
            if not r.form.is_blank()
        ]


class SeriesForm(BaseForm):
    """Change every future shift of a repeating post: time and/or capacity."""

    start = SelectField("开始", choices=TIME_CHOICES, validate_choice=False)
    end = SelectField("结束", choices=TIME_CHOICES, validate_choice=False)
    capacity = IntegerField(
        "名额",
        validators=[Optional(), NumberRange(min=1, max=500, message="名额应在 1 到 500 人之间。")],
    )

    def validate_start(self, field):
        valid = {v for v, _ in TIME_CHOICES}
        if field.data not in valid or self.end.data not in valid:
            raise ValidationError("时间无效。")
        if not (field.data or self.end.data or self.capacity.data):
            raise ValidationError("请填写要修改的时间或名额。")
        if field.data and self.end.data and field.data >= self.end.data:
            raise ValidationError("结束时间必须晚于开始时间。")


class CopyPostForm(BaseForm):
    days = IntegerField(
        "顺延天数",
        default=7,
        validators=[
            InputRequired(message="请填写顺延天数。"),
            NumberRange(min=1, max=84, message="顺延天数应在 1 到 84 天之间。"),
        ],
    )


class ReturnReportForm(BaseForm):
    reason = TextAreaField(
        "退回原因",
        validators=[
            DataRequired(message="退回时请填写原因。"),
            Length(max=200, message="退回原因不能超过 200 个字。"),
        ],
    )


class DeclineSkillForm(BaseForm):
    """The reason a community declines to confirm a member's skill."""

    reason = TextAreaField(
        "不通过原因",
        validators=[
            DataRequired(message="不通过时请填写原因。"),
            Length(max=200, message="不通过原因不能超过 200 个字。"),
        ],
    )


class ConfirmSkillsForm(BaseForm):
    skills = MultiCheckboxField("确认的专长", validate_choice=False)

    def validate_skills(self, field):
        allowed = {v for v, _ in field.choices or []}
        if not set(field.data or []) <= allowed:
            raise ValidationError("只能确认成员申报过的专长。")


class ActionForm(BaseForm):
    """A button that changes state: carries only the CSRF token."""
