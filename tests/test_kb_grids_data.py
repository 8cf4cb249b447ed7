"""grids.yml: the days an open need may stay before it is overdue (示例 values), checked
by the KB build like the other data files and read by the portal through kb.data."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb import data  # noqa: E402
from kb.data import DataError, load_all  # noqa: E402
from tests.test_kb_data import _edit, data_copy  # noqa: E402,F401


def test_the_file_gives_three_urgencies_all_marked_as_examples():
    raw = load_all()["grids"]["overdue_need_days"]
    assert {k: v["example"] for k, v in raw.items()} == {
        "critical": True,
        "urgent": True,
        "normal": True,
    }
    assert data.overdue_need_days() == {k: v["days"] for k, v in raw.items()}


@pytest.mark.parametrize(
    "change,entry,words",
    [
        (lambda d: d["overdue_need_days"].pop("urgent"), "overdue_need_days", "三档"),
        (lambda d: d["overdue_need_days"]["normal"].update(days="七"), "normal", "不是整数"),
        (lambda d: d["overdue_need_days"]["critical"].update(days=0), "critical", "超出范围"),
        # 一般 shorter than 较急: the order of the three is checked.
        (lambda d: d["overdue_need_days"]["normal"].update(days=2), "normal", "超出范围"),
        (lambda d: d["overdue_need_days"]["urgent"].pop("example"), "urgent", "example"),
        (lambda d: d.pop("overdue_need_days"), "overdue_need_days", "overdue_need_days"),
    ],
)
def test_a_broken_grids_file_is_refused_with_its_entry(data_copy, change, entry, words):  # noqa: F811
    _edit(data_copy, "grids.yml", change)
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert (info.value.file, info.value.entry) == ("grids.yml", entry), str(info.value)
    assert words in str(info.value)


def test_the_portal_reads_the_days_from_the_data_file(world, monkeypatch):
    from portal import store

    monkeypatch.setattr(
        data, "overdue_need_days", lambda: {"critical": 2, "urgent": 4, "normal": 9}
    )
    assert store.overdue_need_days() == {"critical": 2, "urgent": 4, "normal": 9}
    need = store.create_need(
        "ca", category="legal", description="楼道灯不亮", raised_by="resident", urgency="critical"
    )
    raised = datetime.strptime(need["created_at"], "%Y-%m-%d %H:%M:%S")
    # With the file's 1 day it would be overdue after 36 hours; with 2 days it is not yet.
    assert store.overdue_needs("ca", at=raised + timedelta(hours=36)) == []
    (late,) = store.overdue_needs("ca", at=raised + timedelta(hours=49))
    assert late["due_at"] == (raised + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")


def test_the_guide_states_the_days_of_the_data_file_as_examples():
    days = data.overdue_need_days()
    text = (ROOT / "content" / "guide" / "grids.md").read_text(encoding="utf-8")
    rule = f"紧急 {days['critical']} 天、较急 {days['urgent']} 天、一般 {days['normal']} 天"
    assert rule in text
    assert "示例" in text[text.index(rule) :][:200]
