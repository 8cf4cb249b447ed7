"""The whistle's closed loop (网上吹哨、一哨一考、全程追踪) as a state machine.

    已吹哨 → 部门已报到 (every summoned department acknowledged)
           → 处置中 (a department on site; dated notes and photos)
           → 部门已办结 (every department finished)
           → 街道核验 → 已结案 (with the assessment, 一哨一考)
                      ↘ 退回重办 → (the returned departments finish again) → 部门已办结

Each department keeps its own progress (待报到 → 已报到 → 处置中 → 已办结). Every
change appends a timeline entry with who and when. Time targets are fixed when the
whistle is raised (``whistle['due']``); ``overdue_steps(whistle, at)`` flags what is
late at ``at``, and ``escalate`` raises the level by one (at most 3).
"""

from __future__ import annotations

from datetime import datetime


from .. import backend as docs
from ..lists import needs
from ..base import NotFound, StoreError, now, stamp
from .catalog import (
    CLOSED,
    D_ACK,
    D_ARRIVED,
    D_DONE,
    D_SUMMONED,
    DEPTS_DONE,
    HANDLING,
    OPEN_STATUSES,
    RAISED,
    REPORTED,
    REWORK,
    STEPS,
    VERIFYING,
    _month_path,
    clean_text,
    entry,
    level_info,
)
from .core import check_photos, forget_open, month_of

RATING_KEYS = {"timeliness": "响应及时", "result": "处置效果", "attitude": "工作态度"}


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def _change(street_id: str, wid: str, change) -> dict:
    """Apply change(whistle) -> fields under the month file's lock; return the new whistle."""
    return docs.change_row(
        _month_path(street_id, month_of(wid)), "whistles", wid, change, "没有找到这次吹哨。"
    )


def _dept_step(street_id: str, wid: str, dept_id: str, actor: dict, at, step) -> dict:
    """Shared shape of a department's action: check it is summoned, let ``step`` update
    its own record and say what happened, then work out the whistle's status."""
    at = at or now()

    def change(w):
        if dept_id not in w["departments"]:
            raise NotFound("没有找到这次吹哨。")
        if w["status"] in (CLOSED, VERIFYING, DEPTS_DONE):
            raise StoreError("各部门已办结，街道核验或结案期间不能再修改处置情况。")
        depts = {k: dict(v) for k, v in w["departments"].items()}
        action, text, photos = step(depts[dept_id])
        status = _status_after(w["status"], depts)
        return {
            "departments": depts,
            "status": status,
            "updated_at": stamp(at),
            "timeline": w["timeline"] + [entry(actor, action, status, text, at, dept_id, photos)],
        }

    return _change(street_id, wid, change)


def _status_after(status: str, depts: dict) -> str:
    states = [d["state"] for d in depts.values()]
    if status in (VERIFYING, CLOSED):
        return status
    if all(s == D_DONE for s in states):
        return DEPTS_DONE
    if status == REWORK:
        return REWORK
    if any(s in (D_ARRIVED, D_DONE) for s in states):
        return HANDLING
    if all(s != D_SUMMONED for s in states):
        return REPORTED
    return RAISED


def acknowledge(
    street_id: str, wid: str, dept_id: str, actor: dict, note: str = "", at=None
) -> dict:
    """部门报到: the department confirms it has taken the whistle and names who handles it."""
    note = clean_text(note, False, "报到说明")
    moment = stamp(at or now())

    def _ack(d):
        if d["state"] != D_SUMMONED:
            raise StoreError("本部门已经报到。")
        d.update(state=D_ACK, acknowledged_at=moment)
        return "部门报到", note or "已接单，明确责任人。", ()

    return _dept_step(street_id, wid, dept_id, actor, at, _ack)


def arrive(
    street_id: str, wid: str, dept_id: str, actor: dict, note: str = "", photos=(), at=None
) -> dict:
    """到场处置: the department is on site (处置中)."""
    note = clean_text(note, False, "到场说明")
    photos = check_photos(photos)
    moment = stamp(at or now())

    def _arrive(d):
        if d["state"] == D_SUMMONED:
            raise StoreError("请先确认报到，再登记到场。")
        if d["state"] != D_ACK:
            raise StoreError("本部门已经登记到场。")
        d.update(state=D_ARRIVED, arrived_at=moment)
        return "到场处置", note or "已到场处置。", photos

    return _dept_step(street_id, wid, dept_id, actor, at, _arrive)


def add_progress(
    street_id: str, wid: str, dept_id: str, actor: dict, text: str, photos=(), at=None
) -> dict:
    """A dated progress note of a department on site, with photos."""
    text = clean_text(text, True, "处置进展")
    photos = check_photos(photos)

    def _note(d):
        if d["state"] != D_ARRIVED:
            raise StoreError("到场后、办结前才能记录处置进展。")
        return "处置进展", text, photos

    return _dept_step(street_id, wid, dept_id, actor, at, _note)


def finish(
    street_id: str, wid: str, dept_id: str, actor: dict, note: str, photos=(), at=None
) -> dict:
    """部门办结: the department reports its part done; when all have, 部门已办结."""
    note = clean_text(note, True, "办结情况")
    photos = check_photos(photos)
    moment = stamp(at or now())

    def _finish(d):
        if d["state"] != D_ARRIVED:
            raise StoreError("到场处置后才能办结。")
        d.update(state=D_DONE, done_at=moment)
        return "部门办结", note, photos

    return _dept_step(street_id, wid, dept_id, actor, at, _finish)


def start_verify(street_id: str, wid: str, actor: dict, note: str = "", at=None) -> dict:
    """部门已办结 → 街道核验: the street checks the result on site."""
    note = clean_text(note, False, "核验说明")
    at = at or now()

    def change(w):
        if w["status"] != DEPTS_DONE:
            raise StoreError("各部门都办结后才能核验。")
        return {
            "status": VERIFYING,
            "updated_at": stamp(at),
            "timeline": w["timeline"]
            + [entry(actor, "街道核验", VERIFYING, note or "街道开始核验处置结果。", at)],
        }

    return _change(street_id, wid, change)


def return_for_rework(
    street_id: str, wid: str, actor: dict, reason: str, departments=None, at=None
) -> dict:
    """街道核验 → 退回重办: the named departments (default all) must finish again."""
    reason = clean_text(reason, True, "退回理由")
    at = at or now()

    def change(w):
        if w["status"] != VERIFYING:
            raise StoreError("只有核验中的吹哨可以退回重办。")
        chosen = list(departments or w["departments"])
        if not chosen or any(d not in w["departments"] for d in chosen):
            raise StoreError("请选择要退回的部门。")
        depts = {k: dict(v) for k, v in w["departments"].items()}
        for dept_id in chosen:
            depts[dept_id].update(
                state=D_ARRIVED, done_at=None, returns=depts[dept_id].get("returns", 0) + 1
            )
        timeline = w["timeline"] + [entry(actor, "退回重办", REWORK, reason, at)]
        return {
            "departments": depts,
            "status": REWORK,
            "returns": w.get("returns", 0) + 1,
            "updated_at": stamp(at),
            "timeline": timeline,
        }

    return _change(street_id, wid, change)


def _score(value, what: str, required: bool = True) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StoreError(f"请为{what}打分（1 到 5 分）。") from None
    if isinstance(value, bool) or not 1 <= number <= 5:
        raise StoreError(f"{what}应为 1 到 5 分。")
    return number


def close_whistle(
    street_id: str,
    wid: str,
    actor: dict,
    ratings: dict,
    community_satisfaction=None,
    comment: str = "",
    at=None,
) -> dict:
    """街道核验 → 已结案 with the assessment (一哨一考): the street's 1–5 ratings of each
    department on timeliness, result and attitude and the community's satisfaction;
    the needs it came from are closed too, and their residents rate them on their status
    links (``resident_ratings``). Whistles closed before keep their typed 居民满意度."""
    comment = clean_text(comment, False, "结案意见")
    at = at or now()

    def change(w):
        if w["status"] != VERIFYING:
            raise StoreError("核验通过后才能结案。")
        scores = {}
        for dept_id in w["departments"]:
            given = (ratings or {}).get(dept_id) or {}
            scores[dept_id] = {
                k: _score(given.get(k), f"部门的“{label}”") for k, label in RATING_KEYS.items()
            }
        community = _score(community_satisfaction, "社区满意度", bool(w.get("community_id")))
        assessment = {
            "ratings": scores,
            "community_satisfaction": community,
            "comment": comment,
            "at": stamp(at),
            "by": actor["uid"],
        }
        text = comment or "核验通过，结案。"
        return {
            "status": CLOSED,
            "closed_at": stamp(at),
            "updated_at": stamp(at),
            "assessment": assessment,
            "timeline": w["timeline"] + [entry(actor, "结案评价", CLOSED, text, at)],
        }

    whistle = _change(street_id, wid, change)
    forget_open(street_id, wid)
    _close_needs(whistle, actor, at)
    return whistle


def _close_needs(whistle: dict, actor: dict, at) -> None:
    """Close the needs the whistle came from (already closed ones stay); their residents
    rate them afterwards."""
    note = f"经街道吹哨（{whistle['id']}），部门处置完毕，街道核验结案。"
    for ref in whistle["needs"]:
        cid, nid = ref["community_id"], ref["need_id"]
        try:
            if needs.get_need(cid, nid)["status"] == needs.PENDING:
                needs.start_need(cid, nid, actor["uid"], "已提请街道吹哨处理。", at=at)
            needs.close_need(cid, nid, actor["uid"], note, at=at)
        except StoreError:
            continue  # closed meanwhile, or gone: the whistle's own record stands


def resident_ratings(whistle: dict) -> dict:
    """The residents' ratings of the needs a whistle came from: ``ratings`` (one per rated
    need: satisfaction, comment, at, source label, by), their ``mean`` and ``count``, how
    many were phone follow-ups, and the 居民满意度 typed at closing by older whistles."""
    rows = []
    for ref in whistle.get("needs") or []:
        try:
            need = needs.get_need(ref["community_id"], ref["need_id"])
        except NotFound:
            continue
        evaluation = need.get("evaluation")
        if evaluation:
            rows.append(
                dict(
                    evaluation,
                    community_id=ref["community_id"],
                    need_id=ref["need_id"],
                    source_label=needs.rating_source(evaluation),
                )
            )
    scores = [r["satisfaction"] for r in rows]
    typed = (whistle.get("assessment") or {}).get("resident_satisfaction")
    return {
        "ratings": rows,
        "count": len(rows),
        "mean": round(sum(scores) / len(scores), 2) if scores else None,
        "phone": sum(1 for r in rows if r.get("source") == "phone"),
        "typed_at_closing": typed,
    }


# ---------------------------------------------------------------- time targets


def overdue_steps(whistle: dict, at=None) -> list[dict]:
    """Steps late at ``at``: per department acknowledge/arrive/resolve not done by their
    due time, and the street's close after the resolve time. Each: {step, name, dept, due}."""
    at = at or now()
    if whistle["status"] == CLOSED:
        return []
    due = {k: _parse(v) for k, v in whistle["due"].items()}
    late = []
    for dept_id, d in whistle["departments"].items():
        done = {
            "acknowledge": d["acknowledged_at"],
            "arrive": d["arrived_at"],
            "resolve": d["done_at"],
        }
        for step in ("acknowledge", "arrive", "resolve"):
            if done[step] is None and at > due[step]:
                late.append(
                    {
                        "step": step,
                        "name": STEPS[step],
                        "dept": dept_id,
                        "due": whistle["due"][step],
                    }
                )
                break  # the first missing step is the one to chase
    if not late and at > due["resolve"]:
        late.append(
            {
                "step": "close",
                "name": STEPS["close"],
                "dept": None,
                "due": whistle["due"]["resolve"],
            }
        )
    return late


def was_on_time(whistle: dict, dept_id: str, step: str, at=None) -> bool | None:
    """True/False once the step is decided (done, or its time passed), None while open."""
    field = {"acknowledge": "acknowledged_at", "arrive": "arrived_at", "resolve": "done_at"}[step]
    done, due = whistle["departments"][dept_id][field], whistle["due"][step]
    if done is not None:
        return done <= due
    return False if (at or now()) > _parse(due) else None


def escalate(street_id: str, wid: str, actor: dict, reason: str, at=None) -> dict:
    """Raise an overdue whistle to the next level (at most 3), on the timeline."""
    reason = clean_text(reason, True, "升级理由")
    at = at or now()

    def change(w):
        if w["status"] not in OPEN_STATUSES:
            raise StoreError("已结案的吹哨不能升级。")
        if w["level"] >= 3:
            raise StoreError("已经是最高等级（三级），不能再升级。")
        if not overdue_steps(w, at):
            raise StoreError("没有超时的环节，无需升级。")
        level = w["level"] + 1
        info = level_info(level)
        text = f"升级为{info['name']}：{info['path']} 理由：{reason}"
        record = {
            "at": stamp(at),
            "by": actor["uid"],
            "from": w["level"],
            "to": level,
            "reason": reason,
        }
        return {
            "level": level,
            "updated_at": stamp(at),
            "escalations": w["escalations"] + [record],
            "timeline": w["timeline"] + [entry(actor, "超时升级", w["status"], text, at)],
        }

    return _change(street_id, wid, change)
