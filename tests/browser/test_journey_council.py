"""Browser journey of the 议事厅 and 五民工作法 (phone 390×844 and desktop), on the shared live
server (demo data: 东四示例社区一 and its community admin).

Prepared through the store: a new 楼门院 in the community's first grid (its 小院议事厅 is
new in every run, so the phone and desktop runs never share an electorate), a new member
who will propose, three neighbours whose homes in that building are already confirmed,
and a post the admin will link to the project.

In the browsers: the member records their home and the admin confirms it (民事民提: the
member proposes, three neighbours support it and it enters the agenda); the admin
schedules a 议事会, the member signs in through the link the meeting's QR code carries and
a neighbour with the six-digit code, the admin keeps the minutes (民事民议); the admin opens
the vote, three households vote (one changes its ballot), the window closes, the admin
publishes the tally and anyone can recount it (民事民决); the passed proposal becomes a
project, the admin links a post to it, the member finds it on the proposal page and
signs up, the project reports progress and is marked done (民事民办); two residents rate
it (民事民评). Last, a visitor (logged out) reads the hall's public page: the matter under
民事民评 with its tally, turnout and rating, and only masked names.

The vote's window is days long and the portal has no clock to move: the test moves the
window's end to the present through the store (what the passing days would do), then the
admin closes the vote through the page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO_COMMUNITY_ADMIN,
    VIEWPORTS,
    demo_community,
    flash,
    login,
    new_person,
    unique,
)

pytestmark = pytest.mark.browser


def _seed(store, n: int) -> dict:
    """A new building, the proposer (a member, home not yet recorded), three confirmed
    neighbours in rooms 102–104, and a post for the project (not yet linked)."""
    community = demo_community(store)
    cid = community["id"]
    admin = store.find_user_by_phone(DEMO_COMMUNITY_ADMIN)
    grid = store.grid_structure(cid)["grids"][0]
    building = store.add_building(cid, grid["id"], "building", f"旅程{n}号楼", households=24)
    proposer, proposer_phone = new_person(store, f"赵提议{n:02d}", "member", community)
    neighbours = []
    for k, family in enumerate(("钱", "孙", "李")):
        person, phone = new_person(store, f"{family}邻居{n:02d}", "volunteer", community)
        store.register_home(cid, person["uid"], building["id"], f"10{k + 2}")
        store.confirm_resident(cid, person["uid"], admin["uid"])
        neighbours.append((person, phone))
    day = store.now().date() + timedelta(days=5)
    post_title = f"议事项目志愿岗{n}"
    post = store.create_post(
        cid,
        admin["uid"],
        title=post_title,
        category="culture",
        description="协助楼前空地改造，负责搬运和清理。",
        place=f"旅程{n}号楼前",
        kind="shifts",
        skills=[{"skill": "arts", "count": 1}],
        shifts=[{"date": day.isoformat(), "start": "09:00", "end": "11:00", "capacity": 3}],
    )
    return {
        "cid": cid,
        "community": community,
        "grid": grid,
        "building": building,
        "hall_name": f"旅程{n}号楼小院议事厅",
        "proposer": proposer,
        "proposer_phone": proposer_phone,
        "neighbours": neighbours,
        "post": post,
        "post_title": post_title,
    }


def _move_window_end_to_now(store, cid: str, vid: str) -> None:
    """What the passing days do to an open vote: its window ends now. Written in one
    transaction on the vote's row and the ``meta`` row of every document of its ballots
    (found by their keys' prefix, however the store splits them)."""
    from tinydb import Query

    past = (store.now() - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    backend = store.current_backend()
    council = f"communities/{cid}/council"
    parts = backend.keys(f"communities/{cid}/ballots-{vid}")
    assert parts, "没有找到这次表决的选票文档"
    with backend.transaction(council, *parts) as (main, *boxes):
        assert main.table("votes").update({"closes_at": past}, Query().id == vid)
        for box in boxes:
            assert box.table("meta").update({"closes_at": past})


def _vote(j, page, url: str, choice: str, label: str, changed: bool = False) -> None:
    page.goto(url)
    form = page.locator("form[action$='/vote']")
    form.get_by_label(choice, exact=True).check()
    form.get_by_role("button", name="改票" if changed else "投票").click()
    expect(flash(page)).to_have_text("已改票，以最后一次投票为准。" if changed else "投票成功。")
    expect(page.locator("section[aria-labelledby=s-decide]")).to_contain_text(
        f"你家当前的选择：{choice}"
    )
    j.step(page, label)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_council_five_stages(journey, viewport, live_store):
    store = live_store
    n = unique()
    s = _seed(store, n)
    cid = s["cid"]
    title = f"旅程{n}号楼前空地改建小花园"
    j = journey("council", viewport)

    # --- 民事民提: the member records their home; the admin confirms it -----------------
    member = j.page()
    login(j, member, s["proposer_phone"], label="member-login")
    j.goto(member, "/portal/council/", "my-council")
    expect(member.locator("h1")).to_have_text("我的议事厅")
    member.locator("main").get_by_role("link", name="登记住址").click()
    expect(member.locator("h1")).to_contain_text("登记住址")
    member.locator("#building").select_option(label=f"{s['grid']['name']} · 旅程{n}号楼")
    member.locator("#room").fill("101")
    j.step(member, "home-filled")
    member.get_by_role("button", name="提交登记").click()
    expect(flash(member)).to_contain_text("已登记住址")
    expect(member.locator("main")).to_contain_text("待确认")
    j.step(member, "home-waiting")

    admin = j.page()
    login(j, admin, DEMO_COMMUNITY_ADMIN, label="admin-login")
    j.goto(admin, f"/portal/admin/c/{cid}/council/", "admin-council")
    pending = admin.locator("section[aria-labelledby=pending-title] li").filter(
        has_text=s["proposer"]["name"]
    )
    expect(pending).to_contain_text("101 室")
    pending.get_by_role("button", name="确认").click()
    expect(flash(admin)).to_have_text("已确认。")
    expect(
        admin.locator("section[aria-labelledby=pending-title]").filter(
            has_text=s["proposer"]["name"]
        )
    ).to_have_count(0)
    j.step(admin, "resident-confirmed")

    # The member's halls now include their building's; they propose there.
    member.reload()
    expect(member.locator("main")).to_contain_text("已确认")
    member.locator("main").get_by_role("link", name=s["hall_name"]).click()
    expect(member.locator("h1")).to_have_text(s["hall_name"])
    expect(member.locator(".lead")).to_contain_text("附议满 3 人列入议程")
    j.step(member, "hall")
    member.get_by_role("link", name="我要提议").click()
    expect(member.locator("h1")).to_have_text("我要提议")
    member.locator("#title").fill(title)
    member.locator("#description").fill("楼前空地堆满杂物，希望清理后种上花草、放两张长椅。")
    j.step(member, "propose-filled")
    member.get_by_role("button", name="提交提议").click()
    expect(flash(member)).to_contain_text("提议已提交")
    expect(member.locator("h1")).to_have_text(title)
    expect(member.locator("#proposal-status")).to_have_text("征集中")
    expect(member.locator("#support-count")).to_have_text("0")
    proposal_url = member.url
    pid = re.search(r"/p/([0-9a-f]+)$", proposal_url).group(1)
    j.step(member, "proposed")

    # Three neighbours support it; the third brings it onto the agenda (议事中).
    neighbours = []
    for k, (_person, phone) in enumerate(s["neighbours"]):
        page = j.page()
        login(j, page, phone, label=f"neighbour{k + 1}-login")
        page.goto(proposal_url)
        page.get_by_role("button", name="我附议").click()
        expect(flash(page)).to_have_text("已附议。")
        expect(page.locator("#support-count")).to_have_text(str(k + 1))
        expect(page.get_by_role("button", name="我附议")).to_have_count(0)
        j.step(page, f"neighbour{k + 1}-supported")
        neighbours.append(page)
    expect(neighbours[-1].locator("#proposal-status")).to_have_text("议事中")

    # --- 民事民议: a comment, then the 议事会 with sign-in and minutes ---------------------
    first = neighbours[0]
    first.locator("#text").fill("同意，长椅最好放在树荫下。")
    first.get_by_role("button", name="发布留言").click()
    expect(flash(first)).to_have_text("留言已发布。")
    expect(first.locator("section[aria-labelledby=s-discuss]")).to_contain_text("树荫下")
    j.step(first, "commented")

    j.goto(admin, f"/portal/admin/c/{cid}/council/", "admin-council-agenda")
    admin.get_by_role("link", name="安排议事会").click()
    expect(admin.locator("h1")).to_contain_text("安排议事会")
    starts = store.now()
    admin.locator("#hall").select_option(label=s["hall_name"])
    admin.locator("#day").fill(starts.date().isoformat())
    admin.locator("#time").fill(starts.strftime("%H:%M"))
    admin.locator("#place").fill(f"旅程{n}号楼前小院")
    admin.get_by_label(f"{title}（议事中）").check()
    admin.get_by_label("楼门院长", exact=True).check()
    admin.get_by_label("物业", exact=True).check()
    j.step(admin, "meeting-filled")
    admin.get_by_role("button", name="安排", exact=True).click()
    expect(flash(admin)).to_contain_text("议事会已安排")
    qr = admin.locator("img[alt='议事会签到二维码']")
    expect(qr).to_be_visible()
    # Visible comes before loaded: wait until the QR image has decoded (it fails on error).
    admin.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=10_000
    )
    code = admin.locator("#meeting-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    mid = re.search(r"/m/([0-9a-f]+)$", admin.url).group(1)
    j.step(admin, "meeting-qr")

    # The member scans the QR code: its link (the meeting's sign-in page with the token)
    # fills the code in; a neighbour types the six-digit code from the screen instead.
    # The admin page shows that link as text too, for the residents' group chat.
    token = store.get_meeting(cid, mid)["token"]
    link = admin.locator("#sign-in-link").inner_text().strip()
    assert link.endswith(f"/portal/council/c/{cid}/m/{mid}/sign-in?t={token}"), link
    member.goto(link)
    expect(member.locator("h1")).to_have_text("议事会签到")
    expect(member.locator("#code")).to_have_value(token)
    j.step(member, "sign-in-from-qr")
    member.get_by_role("button", name="签到").click()
    expect(flash(member)).to_have_text("签到成功。")
    expect(member.locator(".lead")).to_contain_text("已签到 1 人")
    j.step(member, "signed-in")
    first.goto(f"/portal/council/c/{cid}/m/{mid}")
    first.get_by_role("link", name="到场签到").click()
    first.locator("#code").fill(code)
    first.get_by_role("button", name="签到").click()
    expect(flash(first)).to_have_text("签到成功。")
    expect(first.locator(".lead")).to_contain_text("已签到 2 人")

    admin.reload()
    expect(admin.locator("section[aria-labelledby=signin-title]")).to_contain_text("已签到 2 人")
    admin.locator(f"#text-{pid}").fill("居民同意清理空地改建小花园，物业负责清运杂物。")
    admin.locator(f"#decision-{pid}").fill("提交全楼表决")
    admin.get_by_role("button", name="保存记录").click()
    expect(flash(admin)).to_have_text("会议记录已保存。")
    j.step(admin, "minutes")

    # --- 民事民决: the admin opens the vote; three of the four households vote ------------
    admin.goto(proposal_url)
    expect(admin.locator("section[aria-labelledby=s-discuss]")).to_contain_text("提交全楼表决")
    admin.locator("#open-days").fill("3")
    admin.get_by_role("button", name="开启表决").click()
    expect(flash(admin)).to_contain_text("表决已开启")
    expect(admin.locator("#proposal-status")).to_have_text("表决中")
    expect(admin.locator("section[aria-labelledby=s-decide]")).to_contain_text("有表决权的户数 4")
    j.step(admin, "vote-opened")

    _vote(j, member, proposal_url, "赞成", "member-voted")
    _vote(j, neighbours[0], proposal_url, "反对", "neighbour1-voted")
    _vote(j, neighbours[0], proposal_url, "赞成", "neighbour1-changed", changed=True)
    _vote(j, neighbours[1], proposal_url, "弃权", "neighbour2-voted")

    # The window ends; nobody can vote any more, and the admin publishes the tally.
    vid = store.get_proposal(cid, pid)["vote_id"]
    _move_window_end_to_now(store, cid, vid)
    neighbours[2].goto(proposal_url)
    expect(neighbours[2].locator("form[action$='/vote']")).to_have_count(0)
    expect(neighbours[2].locator("section[aria-labelledby=s-decide]")).to_contain_text(
        "投票时间已过，等待计票公布。"
    )
    # The admin publishes the tally; the worker's minute job (议事厅表决到期计票公布) may
    # have done it already, between the window's end and the admin's click.
    admin.reload()
    publish = admin.get_by_role("button", name="计票并公布结果")
    if publish.count():
        publish.click()
        expect(flash(admin).or_(flash(admin, "error"))).to_contain_text("计票公布")
    expect(admin.locator("#tally")).to_contain_text("通过 · 赞成 2 · 反对 0 · 弃权 1")
    expect(admin.locator("#tally")).to_contain_text("参与率 75.0%")
    expect(admin.locator("#proposal-status")).to_have_text("已通过")
    j.step(admin, "tally")
    admin.get_by_role("link", name="按保存的选票重新计票").click()
    expect(admin.locator("#recount-result")).to_have_text("重新清点的结果与公布的结果一致。")
    j.step(admin, "recount")

    # --- 民事民办: a project with a post; the member signs up; progress; done -------------
    admin.goto(proposal_url)
    admin.get_by_role("button", name="转为项目").click()
    expect(flash(admin)).to_contain_text("已转为项目清单中的项目")
    expect(admin.locator("#proposal-status")).to_have_text("实施中")
    j.step(admin, "project-started")
    admin.get_by_role("link", name="为项目发布志愿岗位、关联资源和驻区单位").click()
    expect(admin.locator("h1")).to_contain_text(title)
    link_post = admin.locator("form[action$='/link/post']")
    link_post.locator("select").select_option(label=s["post_title"])
    link_post.get_by_role("button", name="关联岗位").click()
    expect(flash(admin)).to_have_text("已关联岗位。")
    expect(admin.locator("main")).to_contain_text("岗位（1）")
    j.step(admin, "post-linked")

    # The member finds the project's post on the proposal page, under 民事民办.
    j.goto(member, proposal_url, "project-posts")
    posts = member.locator("#project-posts")
    expect(posts).to_contain_text(s["post_title"])
    posts.get_by_role("link", name=s["post_title"], exact=True).click()
    expect(member.locator("h1")).to_contain_text(s["post_title"])
    member.get_by_role("button", name="报名", exact=True).click()
    expect(flash(member)).to_have_text(f"报名成功：{s['post_title']}。")
    j.step(member, "signed-up")

    admin.goto(proposal_url)
    progress = admin.locator("form[action$='/progress']")
    progress.locator("#percent").fill("50")
    progress.locator("#text").fill("杂物已清运，开始翻土。")
    progress.get_by_role("button", name="更新进展").click()
    expect(flash(admin)).to_have_text("进展已更新。")
    progress.locator("#percent").fill("100")
    progress.locator("#text").fill("花草种好，长椅安装完毕。")
    progress.get_by_label("项目已完成（开始请居民评价）").check()
    j.step(admin, "done-filled")
    progress.get_by_role("button", name="更新进展").click()
    expect(flash(admin)).to_have_text("进展已更新。")
    expect(admin.locator("#proposal-status")).to_have_text("已完成")
    timeline = admin.locator("#timeline li")
    expect(timeline).to_have_count(3)
    # Steps saved in the same second keep the order they were saved in.
    for k, step in enumerate(("0% · 表决通过", "50% · 杂物已清运", "100% · 花草种好")):
        expect(timeline.nth(k)).to_contain_text(step)
    j.step(admin, "project-done")

    # --- 民事民评: two residents rate it -------------------------------------------------
    for page, score, text, label in (
        (member, "5", "空地变成了小花园，很满意。", "member-rated"),
        (neighbours[1], "4", "", "neighbour2-rated"),
    ):
        page.goto(proposal_url)
        rating = page.locator("form[action$='/rate']")
        rating.get_by_label(f"{score} 分", exact=True).check()
        if text:
            rating.locator("#comment").fill(text)
        rating.get_by_role("button", name="提交评价").click()
        expect(flash(page)).to_have_text("感谢评价。")
        expect(page.locator("form[action$='/rate']")).to_have_count(0)
        j.step(page, label)
    expect(neighbours[1].locator("#rating")).to_contain_text("平均 4.5 分（2 人评价）")

    # --- the public page: the stages, turnout and rating, masked names only ------------
    visitor = j.page()
    j.goto(visitor, f"/portal/council/c/{cid}/", "public-halls")
    visitor.get_by_role("link", name=s["hall_name"]).click()
    expect(visitor.locator("h1")).to_have_text(s["hall_name"])
    for stage in ("民事民提", "民事民议", "民事民决", "民事民办", "民事民评"):
        expect(visitor.locator("main h2").filter(has_text=stage)).to_have_count(1)
    judged = visitor.locator("section[aria-labelledby=stage-judge] li").filter(has_text=title)
    expect(judged).to_contain_text("已完成")
    expect(judged).to_contain_text("赵***" + s["proposer"]["name"][-1])
    expect(judged).to_contain_text("赞成 2 反对 0 弃权 1 · 参与率 75.0%")
    expect(judged).to_contain_text("进度 100%")
    expect(judged).to_contain_text("评价 4.5 分（2 人）")
    figures = visitor.locator("#hall-figures")
    expect(figures).to_contain_text("已表决 1 次，平均参与率 75.0%")
    expect(figures).to_contain_text("居民评价平均 4.5 分（2 人）")
    j.step(visitor, "public-hall")
    judged.get_by_role("link", name=title).click()
    expect(visitor.locator("#tally")).to_contain_text("参与率 75.0%")
    expect(visitor.locator("#rating")).to_contain_text("平均 4.5 分（2 人评价）")
    expect(visitor.locator("form[action$='/vote'], form[action$='/rate']")).to_have_count(0)
    j.step(visitor, "public-proposal")
    visitor.goto(f"/portal/council/c/{cid}/m/{mid}")
    expect(visitor.locator(".lead")).to_contain_text("已签到 2 人")
    j.step(visitor, "public-meeting")
    names = [s["proposer"]["name"]] + [p["name"] for p, _phone in s["neighbours"]]
    for path in (
        f"/portal/council/c/{cid}/h/b-{s['building']['id']}/",
        f"/portal/council/c/{cid}/p/{pid}",
        f"/portal/council/c/{cid}/m/{mid}",
    ):
        visitor.goto(path)
        text = visitor.locator("body").inner_text()
        shown = [name for name in names if name in text]
        assert not shown, f"{path} 公开显示了全名：{shown}"
        assert "101 室" not in text and s["proposer_phone"] not in text
    j.finish()
