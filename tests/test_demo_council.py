"""The demo's 议事厅 matters (示例): one in each of the five stages, every title marked."""

from __future__ import annotations

from portal import store
from tests.test_demo import counts, seeded  # noqa: F401 (fixtures)


def test_demo_matters_stand_in_each_of_the_five_stages(counts):  # noqa: F811
    assert counts["council_matters"] == 5
    cid = store.find_user_by_phone("13900000003")["scope"]
    matters = store.list_proposals(cid)
    assert all("示例" in m["title"] for m in matters)
    stages = {store.proposal_stage(m) for m in matters}
    assert stages == {"propose", "discuss", "decide", "do", "judge"}
    figures = store.council_figures(cid)
    assert figures["votes"] == 2 and figures["passed"] == 2 and figures["meetings"] == 1
    assert figures["rating_count"] == 3 and figures["rating_average"] == 4.7
    for m in matters:
        if m["vote_id"] and store.get_vote(cid, m["vote_id"])["tally"]:
            assert store.recount_vote(cid, m["vote_id"])["matches"]
