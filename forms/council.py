"""Forms of the 议事厅: where a resident lives, a proposal (with one photo), a comment, a
reason (decline, hide), a merge, a meeting, the minutes, sign-in, a ballot, a vote's
window, progress, a rating and a hall's vote mode. Choices are set by the views; the
store checks scope, states and lengths again (it refuses in Chinese)."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import Regexp, ValidationError

from .accounts import MultiCheckboxField
from .base import BaseForm
from .photos import PhotoForm, chosen_files


def _required(what: str):
    return DataRequired(message=f"请填写{what}。")


class _ChoiceChecked:
    """A select whose value must be one of its choices (set by the view)."""

    @staticmethod
    def check(field, message: str) -> None:
        if field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(message)


class HomeForm(BaseForm):
    building = SelectField("所住楼门院", validate_choice=False)
    room = StringField(
        "房间号",
        validators=[
            _required("房间号"),
            Regexp(
                r"^\s*[0-9A-Za-z\-]{1,12}\s*$",
                message="房间号只能由数字、字母和“-”组成，最多 12 位。",
            ),
        ],
    )

    def validate_building(self, field) -> None:
        _ChoiceChecked.check(field, "请从列表中选择所住的楼门院。")


class ProposalForm(PhotoForm):
    title = StringField(
        "提议标题",
        validators=[_required("提议标题"), Length(max=40, message="标题不能超过 40 个字。")],
    )
    description = TextAreaField(
        "提议内容",
        validators=[_required("提议内容"), Length(max=1000, message="内容不能超过 1000 个字。")],
    )
    on_behalf = StringField(
        "代哪位居民提议（楼门院长代提时填写称呼）",
        validators=[Optional(), Length(max=20, message="称呼不能超过 20 个字。")],
    )
    photos = MultipleFileField("照片（可选，1 张）")

    def validate_photos(self, field) -> None:
        super().validate_photos(field)
        if len(chosen_files(field.data)) > 1:
            raise ValidationError("提议只能附 1 张照片。")


class CommentForm(BaseForm):
    text = TextAreaField(
        "留言", validators=[_required("留言"), Length(max=500, message="留言不能超过 500 个字。")]
    )


class ReasonForm(BaseForm):
    reason = StringField(
        "理由",
        validators=[
            _required("理由"),
            Length(min=2, max=200, message="理由应为 2 到 200 个字。"),
        ],
    )


class MergeForm(BaseForm):
    into = SelectField("合并到", validate_choice=False)

    def validate_into(self, field) -> None:
        _ChoiceChecked.check(field, "请选择要合并到的提议。")


class MeetingForm(BaseForm):
    hall = SelectField("议事厅", validate_choice=False)
    day = DateField("日期", validators=[InputRequired("请选择议事会日期。")])
    time = StringField(
        "开始时间",
        validators=[
            _required("开始时间"),
            Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="时间应为 HH:MM 格式，例如 19:30。"),
        ],
    )
    place = StringField(
        "地点", validators=[_required("地点"), Length(max=60, message="地点不能超过 60 个字。")]
    )
    proposals = MultiCheckboxField("议程（列入议事的提议）", validate_choice=False)
    roles = MultiCheckboxField("邀请参加", validate_choice=False)

    def validate_hall(self, field) -> None:
        _ChoiceChecked.check(field, "请选择议事厅。")

    def validate_proposals(self, field) -> None:
        if not field.data:
            raise ValidationError("请至少选择一条列入议程的提议。")


class MinutesForm(BaseForm):
    proposal = HiddenField()
    text = TextAreaField(
        "会议记录",
        validators=[_required("会议记录"), Length(max=2000, message="记录不能超过 2000 个字。")],
    )
    decision = StringField(
        "议定事项", validators=[Optional(), Length(max=200, message="议定事项不能超过 200 个字。")]
    )


class SignInForm(BaseForm):
    code = StringField(
        "签到码", validators=[_required("签到码"), Length(max=40, message="签到码不对。")]
    )


class OpenVoteForm(BaseForm):
    days = IntegerField(
        "投票天数",
        validators=[
            InputRequired("请填写投票天数。"),
            NumberRange(min=1, max=30, message="投票天数应在 1 到 30 天之间。"),
        ],
    )


class BallotForm(BaseForm):
    choice = RadioField(
        "我的选择",
        choices=[("yes", "赞成"), ("no", "反对"), ("abstain", "弃权")],
        validators=[InputRequired("请选择赞成、反对或弃权。")],
    )


class ProgressForm(BaseForm):
    percent = IntegerField(
        "进度（%）",
        validators=[
            InputRequired("请填写进度。"),
            NumberRange(min=0, max=100, message="进度应为 0 到 100 的整数。"),
        ],
    )
    text = StringField(
        "进展说明",
        validators=[_required("进展说明"), Length(max=300, message="说明不能超过 300 个字。")],
    )
    done = BooleanField("项目已完成（开始请居民评价）")


class RatingForm(BaseForm):
    score = RadioField(
        "评分",
        choices=[(str(n), f"{n} 分") for n in range(5, 0, -1)],
        validators=[InputRequired("请选择 1 到 5 分。")],
    )
    comment = TextAreaField(
        "评价（可选）", validators=[Optional(), Length(max=300, message="评价不能超过 300 个字。")]
    )


class ModeForm(BaseForm):
    mode = SelectField(
        "表决方式",
        choices=[("household", "一户一票"), ("person", "一人一票")],
        validate_choice=False,
    )

    def validate_mode(self, field) -> None:
        _ChoiceChecked.check(field, "请选择表决方式。")
