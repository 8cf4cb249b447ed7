"""Turn the checked data lists into Markdown tables for the knowledge-base pages.

Each renderer takes the whole result of ``kb.data.load_all()`` plus the source
path of the page (to make relative links) and returns Markdown. Every table is
wrapped in ``<div class="kb-list" data-list="NAME" markdown>`` so that the print
stylesheet and the tests can find it while Material still styles the table
itself (Material only styles tables that carry no class of their own).
"""

from __future__ import annotations

import posixpath

EXAMPLE = '<span class="kb-badge">示例</span>'
KIND_NAMES = {"office": "办公室", "commission": "纪工委", "team": "执法队", "centre": "中心"}


def _cell(text) -> str:
    """Make a value safe for one Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _table(name: str, header: list[str], rows: list[list]) -> str:
    lines = [f'<div class="kb-list" data-list="{name}" markdown>', ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    lines += ["", "</div>"]
    return "\n".join(lines)


def _flag(item: dict) -> str:
    return EXAMPLE if item.get("example") else "原始材料"


def duties(data: dict, src: str) -> str:
    offices = {u["id"]: u["name"] for u in data["organisation"]["units"]}
    items = data["duties"]["items"]
    note = (
        f'!!! warning "官方清单共 {data["duties"]["official_count"]} 项，下表 {len(items)} 项均为示例"\n'
        "    原始材料只给出了职责清单的总数，没有公布具体条目。下表用来说明清单按科室组织的方式，"
        "条目由本平台编写，不是任何街道的正式职责。\n"
    )
    rows = [[i["id"], offices[i["office"]], i["name"], _flag(i)] for i in items]
    return note + "\n" + _table("duties", ["编号", "科室", "职责事项（示例）", "来源"], rows)


def whistle_levels(data: dict, src: str) -> str:
    rows = [
        [
            lv["name"],
            lv["path"],
            lv["acknowledge_hours"],
            lv["arrive_hours"],
            lv["resolve_hours"],
            _flag(lv),
        ]
        for lv in data["whistles"]["levels"]
    ]
    return _table(
        "whistle-levels",
        ["等级", "协调思路", "响应（小时）", "到场（小时）", "办结（小时）", "来源"],
        rows,
    )


def whistle_loop(data: dict, src: str) -> str:
    # A numbered list, not a table: the loop is a sequence of steps.
    return "\n".join(
        f"{n}. **{s['name']}**：{s['text']}" for n, s in enumerate(data["whistles"]["loop"], 1)
    )


def whistle_categories(data: dict, src: str) -> str:
    rows = [
        [
            c["id"],
            c["name"],
            len(c["items"]),
            "、".join(sorted({str(i["level"]) for i in c["items"]})),
        ]
        for c in data["whistles"]["categories"]
    ]
    return _table("whistle-categories", ["编号", "大类（示例）", "事项数", "涉及等级"], rows)


# The portal's public page of an item: counts of its open and closed cases, no personal data.
PORTAL_ITEM = "/portal/whistles/items/{id}"


def whistles(data: dict, src: str) -> str:
    # The id cell carries an anchor so that the portal can link to one row.
    rows = [
        [
            c["name"],
            f'<span id="{i["id"]}">{i["id"]}</span>',
            i["name"],
            f"{i['level']} 级",
            "、".join(i["departments"]),
            _flag(i),
            f"[办理情况]({PORTAL_ITEM.format(id=i['id'])})",
        ]
        for c in data["whistles"]["categories"]
        for i in c["items"]
    ]
    return _table("whistles", ["大类", "编号", "事项", "等级", "责任部门", "来源", "门户"], rows)


def departments(data: dict, src: str) -> str:
    used: dict = {}
    for c in data["whistles"]["categories"]:
        for i in c["items"]:
            for name in i["departments"]:
                used[name] = used.get(name, 0) + 1
    rows = [
        [
            d["name"],
            d.get("note") or "—",
            used.get(d["name"], 0),
            EXAMPLE if d["example"] else "原始材料",
        ]
        for d in data["departments"]["departments"]
    ]
    return _table("departments", ["部门", "说明", "涉及吹哨事项数", "来源"], rows)


def organisation(data: dict, src: str) -> str:
    rows = [
        [KIND_NAMES[u["kind"]], u["name"], u.get("note") or "—"]
        for u in data["organisation"]["units"]
    ]
    return _table("organisation", ["类别", "名称", "说明"], rows)


def three_lists(data: dict, src: str) -> str:
    rows = [
        [
            lst["name"],
            lst["purpose"],
            "；".join(f"{e['name']}（{e['detail']}）" for e in lst["examples"]) + " " + EXAMPLE,
        ]
        for lst in data["three_lists"]["lists"]
    ]
    return _table("three-lists", ["清单", "作用", "条目举例"], rows)


def taxonomy(data: dict, src: str) -> str:
    skills = {s["id"]: s["name"] for s in data["taxonomy"]["skills"]}
    # The anchor lets the portal's post pages link to their category's row.
    rows = [
        [
            f'<span id="cat-{c["id"]}">{c["name"]}</span>',
            c.get("summary", ""),
            "、".join(skills[s] for s in c["skills"]),
            EXAMPLE if c["example"] else "原始材料提及",
        ]
        for c in data["taxonomy"]["categories"]
    ]
    return _table("taxonomy", ["服务分类", "服务内容", "对应专长", "来源"], rows)


def skills(data: dict, src: str) -> str:
    used: dict[str, list[str]] = {}
    for c in data["taxonomy"]["categories"]:
        for s in c["skills"]:
            used.setdefault(s, []).append(c["name"])
    rows = [[s["name"], "、".join(used.get(s["id"], []))] for s in data["taxonomy"]["skills"]]
    return _table("skills", ["专长", "可对应的服务分类"], rows)


def problems(data: dict, src: str) -> str:
    here = posixpath.dirname(src)
    whistle_page = posixpath.relpath("lists/whistles.md", here or ".")
    items = {i["id"]: i for c in data["whistles"]["categories"] for i in c["items"]}
    cats = {c["id"]: c["name"] for c in data["whistles"]["categories"]}
    posts = {c["id"]: c["name"] for c in data["taxonomy"]["categories"]}
    rows = []
    for p in data["problems"]["problems"]:
        link = p.get("whistle")
        if link:
            named = "、".join(
                f"[{i} {items[i]['name']}]({whistle_page}#{i})" for i in link["items"]
            )
            whistle = f"{cats[link['category']]}：{named}"
        else:
            whistle = "—（由社区工作人员改为合适的分类）" if p["id"] == "other" else "—"
        rows.append(
            [
                f'<span id="problem-{p["id"]}">{p["name"]}</span>',
                p["description"],
                whistle,
                posts.get(p.get("post_category", ""), "—"),
                _flag(p),
            ]
        )
    return _table(
        "problems", ["分类", "包括哪些问题", "对应的吹哨事项", "可发布的服务岗位", "来源"], rows
    )


def hotline(data: dict, src: str) -> str:
    """接诉即办 categories: level, the whistle items and duty items each belongs to, limits."""
    here = posixpath.dirname(src)
    whistle_page = posixpath.relpath("lists/whistles.md", here or ".")
    hot = data["hotline"]
    levels = {lv["id"]: lv["name"] for lv in hot["levels"]}
    depts = {d["id"]: d["name"] for d in data["departments"]["departments"]}
    duties = {d["id"]: d["name"] for d in data["duties"]["items"]}
    rows = []
    for c in hot["categories"]:
        level = levels[c["level"]]
        if c["level"] == "department":
            level += f"（{depts[c['department']]}）"
        whistles = "、".join(f"[{i}]({whistle_page}#{i})" for i in c["whistles"]) or "—"
        rows.append(
            [
                f'<span id="hotline-{c["id"]}">{c["name"]}</span>',
                level,
                whistles,
                "、".join(f"{d} {duties[d]}" for d in c["duties"]),
                f"{c['sign_hours']} 小时",
                f"{c['contact_hours']} 小时",
                f"{c['close_days']} 天",
                _flag(c),
            ]
        )
    header = [
        "诉求类别",
        "默认办理",
        "对应吹哨事项",
        "对应街道职责",
        "签收",
        "首次联系",
        "办结",
        "来源",
    ]
    return _table("hotline", header, rows)


# The portal's public page of 接诉即办: counts and 三率 per street, no personal data.
PORTAL_HOTLINE = "/portal/hotline-figures/public/"


def hotline_channels(data: dict, src: str) -> str:
    hot = data["hotline"]
    rows = [
        [c["name"], "区、街道工作人员手工录入" if c["manual"] else "导入或由门户转入"]
        for c in hot["channels"]
    ]
    table = _table("hotline-channels", ["渠道", "怎样进入门户"], rows)
    spot = hot["hotspot"]
    note = (
        f"\n\n- 重办期限：答复后 {hot['reopen_days']} 天内居民评价“不满意”，工单重办一次"
        f"{' ' + EXAMPLE if hot['reopen_example'] else ''}\n"
        f"- 未诉先办热点：同一网格或地址、同一类别 {spot['days']} 天内达到 {spot['count']} 件"
        f"{' ' + EXAMPLE if spot['example'] else ''}\n"
        f"- 各街道的工单件数和三率（响应率、解决率、满意率）：[接诉即办公开数据]({PORTAL_HOTLINE})\n"
    )
    return table + note


def streets(data: dict, src: str) -> str:
    rows = [[n, s["name"]] for n, s in enumerate(data["streets"]["streets"], 1)]
    return _table("streets", ["序号", "街道"], rows)


def glossary(data: dict, src: str) -> str:
    here = posixpath.dirname(src)
    rows = []
    for t in data["glossary"]["terms"]:
        # Relative link so that MkDocs checks it in strict mode and rewrites it per page.
        target = posixpath.relpath(t["page"], here or ".")
        links = f"[查看]({target})"
        # The page explains the term; the guide (when the portal has the role or tool)
        # says what to do there. Search still ranks the page first (kb.search).
        if t.get("guide"):
            links += f"<br>[在门户里怎么做]({posixpath.relpath(t['guide'], here or '.')})"
        rows.append([t["term"], t["explain"], links])
    return _table("glossary", ["术语", "解释", "详见"], rows)


def abbreviations(data: dict) -> str:
    """``*[term]: text`` lines for the abbr extension, appended to every page."""
    return "\n".join(
        f"*[{t['term']}]: {_cell(t.get('short') or t['explain'])}"
        for t in data["glossary"]["terms"]
    )


RENDERERS = {
    "duties": duties,
    "whistle-levels": whistle_levels,
    "whistle-loop": whistle_loop,
    "whistle-categories": whistle_categories,
    "whistles": whistles,
    "departments": departments,
    "organisation": organisation,
    "three-lists": three_lists,
    "taxonomy": taxonomy,
    "skills": skills,
    "streets": streets,
    "problems": problems,
    "hotline": hotline,
    "hotline-channels": hotline_channels,
    "glossary": glossary,
}
