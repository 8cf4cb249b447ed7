"""council.yml: the 议事厅 rules (support thresholds, vote modes, quorum and pass share,
windows, invited roles), every number marked 示例, checked by the KB build like the other
data files and read by the portal through kb.data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import data  # noqa: E402
from kb.data import DataError, load_all  # noqa: E402
from tests.test_kb_data import _edit, data_copy  # noqa: E402,F401


def test_the_rules_the_seed_does_not_give_are_marked_as_examples():
    rules = load_all()["council"]
    assert set(rules["levels"]) == {"building", "grid", "community"}
    assert all(level["example"] for level in rules["levels"].values())
    assert rules["vote"]["example"] and rules["rating_example"] and rules["meeting"]["example"]
    assert data.council_rules()["role_by_id"]["building_head"]["name"] == "楼门院长"


@pytest.mark.parametrize(
    "change,entry,words",
    [
        (lambda d: d["levels"].pop("grid"), "levels", "grid"),
        (lambda d: d["levels"]["building"].update(support=0), "building", "超出范围"),
        (lambda d: d["levels"]["community"].update(vote_mode="family"), "community", "vote_mode"),
        (lambda d: d["levels"]["grid"].pop("example"), "grid", "example"),
        (lambda d: d["vote"].update(quorum_percent=120), "vote", "超出范围"),
        (lambda d: d["vote"].update(pass_percent=100), "vote", "超出范围"),
        (lambda d: d["vote"].update(default_days=40), "vote", "超出范围"),
        (lambda d: d.update(rating_days="两周"), "rating_days", "不是整数"),
        (lambda d: d["meeting"].update(after_minutes=0), "meeting", "超出范围"),
        (
            lambda d: d["invited_roles"].append(
                {"id": "property", "name": "物业", "example": False}
            ),
            "property",
            "重复",
        ),
    ],
)
def test_a_broken_rule_fails_the_build_naming_the_entry(data_copy, change, entry, words):  # noqa: F811
    _edit(data_copy, "council.yml", change)
    with pytest.raises(DataError) as caught:
        load_all(data_copy)
    assert caught.value.file == "council.yml" and caught.value.entry == entry
    assert words in caught.value.problem
