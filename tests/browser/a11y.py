"""Accessibility checks of the pages the browser journeys visit: axe-core and tap targets.

``check_page(page)`` (called by ``Journey.step`` and by the whistle journey on each page)
runs once per (URL path pattern, viewport, page state) in a test run (the xdist workers
share their claims; ids in paths count as ``*``; a form showing its errors and the KB's
open search are states of their own):

* axe-core (``axe-playwright-python``'s bundled ``axe.min.js``, evaluated into the page:
  nothing is loaded from the network) with axe's default rule set: WCAG 2.0/2.1/2.2 A and
  AA and axe's best practices (not its AAA or experimental rules). A violation of impact
  serious or critical fails the journey, named by rule, impact, target selectors and page.
  Rules left out would be in ``LEFT_OUT`` with the reason; none is.
* on the phone viewport, the tap targets (``TAP_TARGETS``): every visible button, input,
  select, textarea, summary and link that is not part of running text. Each is at least
  44 × 44 CSS px (the size of WCAG 2.5.5, AAA), or else spaced as WCAG 2.5.8 (AA) asks, with
  2.5.5's 44 px instead of 2.5.8's 24: a 44 px circle centred on it touches no other target
  and no other undersized target's circle. Chosen because what the criterion guards against
  is tapping the wrong thing: a 17 px tall link alone on its line with nothing within 22 px
  of its centre (a definition-list entry, a KB tag) is as safe to tap as a 44 px one, while
  two such links stacked 27 px apart, or 35 px pills side by side, fail.
  A checkbox or radio button counts together with its label, since tapping the label ticks
  it; a label standing in for a hidden toggle (the KB theme's header buttons) is a target.
  Links inside running text are left out, as both criteria do ("the target is in a
  sentence or its size is otherwise constrained by the line-height of non-target text"):
  making a link in a sentence 44 px tall would tear the paragraph's lines apart. A link is
  running text when it is displayed inline, is no button and not in a nav, pagination or
  action row, and its block has text beside it (a paragraph, a breadcrumb trail). The
  portal's phone menu is opened and measured too; with a dialog open (the KB's search) only
  the dialog's targets count, since the page under it cannot be tapped.

Every check and finding (all impacts, before the serious/critical filter, with the time the
check took) is also written to ``a11y/report-<worker>.jsonl`` in the run's pytest temp
folder (``/tmp/pytest-of-<user>/pytest-<n>/``), so a run's figures can be counted afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

FAILING_IMPACTS = ("serious", "critical")
MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (Target Size, Enhanced)
PHONE_MAX_WIDTH = 480

# Serious or critical rules left out, with the reason: (rule id, where) -> why, where is
# "kb" (the mkdocs-material pages at /), "portal" (/portal/…) or "*". Empty: what the
# journeys' pages had was fixed in our templates, CSS, KB stylesheet and KB script,
# including what Material does (its search dialog without a name, its scrolling table
# wrappers that a keyboard could not reach, its red and grey below 4.5:1). Moderate and
# minor findings do not fail and are not listed here; the run's report has them.
LEFT_OUT: dict[tuple[str, str], str] = {}

# axe-core options: its default rules (see the module's docstring), violations only.
AXE_OPTIONS = {"resultTypes": ["violations"]}

# Page states that look different at one URL and so are audited on their own, and what of
# the page axe reads in each: all of it, except with the KB's search open, when the page
# under the search overlay is the one checked without it (a journey steps on each page it
# searches from) and only the search box and its results are new.
AXE_CONTEXT = {"search": ".md-search"}
STATE = """() => [
  !!document.querySelector('.form-errors, [aria-invalid="true"]') && 'errors',
  !!document.querySelector('#__search:checked') && 'search',
].filter(Boolean).join('+')"""

# The tap targets smaller than MIN_TARGET and not spaced (see the docstring), on the page
# as it is and in the portal's phone menu (<details class="nav-mobile">) opened.
TAP_TARGETS = """(min) => {
  const SEL = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
            + '[role="button"], [role="link"], [role="tab"]';
  const visible = (el) => {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return null;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return null;
    // off the page (a skip link parked at left: -9999px, a closed off-canvas drawer)
    if (r.right <= 0 || r.left >= document.documentElement.clientWidth) return null;
    if (el.closest('[inert], [aria-hidden="true"]')) return null;
    return r;
  };
  const blockOf = (el) => {
    let b = el.parentElement;
    while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement;
    return b || document.body;
  };
  const squash = (t) => (t || '').replace(/\\s+/g, '');
  const inText = (el) => {
    if (el.tagName !== 'A' || el.closest('nav, .pagination, .actions, .btn')) return false;
    if (el.matches('.btn, [class*="button"]')) return false;
    if (getComputedStyle(el).display !== 'inline') return false;
    return squash(blockOf(el).textContent).length > squash(el.textContent).length;
  };
  // A label standing in for a hidden checkbox (the KB theme's header buttons and menus are
  // labels of hidden toggles) is the target itself.
  const standIn = (el) => el.tagName === 'LABEL' && el.control
    && el.control.matches('input[type="checkbox"], input[type="radio"]') && !visible(el.control);
  const box = (el) => {
    let r = visible(el);
    if (el.matches('input[type="checkbox"], input[type="radio"]')) {
      if (!r) return null;  // a hidden toggle: its labels are measured on their own
      // the control and its label(s) are one target: tapping the label ticks it
      const rects = [r, ...[...(el.labels || [])].map(visible)].filter(Boolean);
      if (!rects.length) return null;
      const left = Math.min(...rects.map((q) => q.left)), top = Math.min(...rects.map((q) => q.top));
      const right = Math.max(...rects.map((q) => q.right)), bottom = Math.max(...rects.map((q) => q.bottom));
      r = {left, top, width: right - left, height: bottom - top};
    }
    return r;
  };
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.classList.length) s += '.' + [...el.classList].slice(0, 2).join('.');
    const parent = el.parentElement && el.parentElement.closest('[id], [class]');
    const where = parent ? parent.tagName.toLowerCase()
      + (parent.id ? '#' + parent.id : '.' + [...parent.classList].slice(0, 1).join('.')) + ' ' : '';
    const text = squash(el.textContent || el.value || el.getAttribute('aria-label') || '').slice(0, 16);
    return where + s + (text ? ` “${text}”` : '');
  };
  const measure = (root) => {
    const targets = [];
    for (const el of root.querySelectorAll(SEL + ', label[for]')) {
      if (el.tagName === 'LABEL' && !standIn(el)) continue;
      const r = box(el);
      if (!r || inText(el)) continue;
      targets.push({el, r, cx: r.left + r.width / 2, cy: r.top + r.height / 2,
                    small: r.width < min - 0.5 || r.height < min - 0.5});
    }
    // WCAG 2.5.8's spacing test at 44 px: a circle of that diameter centred on an
    // undersized target must not touch another target nor another undersized one's circle.
    const radius = min / 2;
    const apart = (t, o) => {
      if (o === t || t.el.contains(o.el) || o.el.contains(t.el)) return true;
      if (o.small && Math.hypot(t.cx - o.cx, t.cy - o.cy) < 2 * radius - 0.5) return false;
      const dx = Math.max(o.r.left - t.cx, 0, t.cx - (o.r.left + o.r.width));
      const dy = Math.max(o.r.top - t.cy, 0, t.cy - (o.r.top + o.r.height));
      return Math.hypot(dx, dy) >= radius - 0.5;
    };
    const small = [];
    let spaced = 0;
    for (const t of targets.filter((t) => t.small)) {
      const near = targets.find((o) => !apart(t, o));
      if (!near) { spaced += 1; continue; }
      small.push(`${describe(t.el)}：${Math.round(t.r.width)}×${Math.round(t.r.height)}`
                 + `，离 ${describe(near.el)} 太近`);
    }
    return {counted: targets.length, spaced, small};
  };
  // An open dialog covers the page: only its own targets can be tapped (the KB's search
  // opens as a checkbox-driven overlay; its backdrop label is not a target).
  const dialog = document.querySelector('dialog[open], [aria-modal="true"]')
    || (document.querySelector('#__search:checked') && document.querySelector('.md-search__inner'));
  if (dialog) return measure(dialog);
  const menu = document.querySelector('details.nav-mobile:not([open])');
  const first = measure(document);
  if (!menu) return first;
  menu.open = true;  // the menu covers the page: its links are measured among themselves
  const opened = measure(menu);
  menu.open = false;
  return {counted: first.counted + opened.counted, spaced: first.spaced + opened.spaced,
          small: [...new Set([...first.small, ...opened.small])]};
}"""

_AXE_SCRIPT: str | None = None
_done: set[tuple[str, str, str]] = set()
_report = None
# A folder all test processes of the run share (set by conftest): it holds the claims (a
# page checked by one xdist worker is not checked again by the other) and the reports.
run_dir: Path | None = None


def _axe_script() -> str:
    global _AXE_SCRIPT
    if _AXE_SCRIPT is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE_SCRIPT = Axe().axe_script
    return _AXE_SCRIPT


def path_pattern(url: str) -> str:
    """The URL's path with its ids as ``*``: /portal/c/3fa2…/posts/9b1e… -> /portal/c/*/posts/*."""
    parts = urlsplit(url).path.split("/")
    return "/".join(
        "*" if re.search(r"\d", p) or re.fullmatch(r"[0-9a-f]{8,}", p) else p for p in parts
    )


def _where(url: str) -> str:
    return "portal" if urlsplit(url).path.startswith("/portal") else "kb"


def _left_out(rule: str, url: str) -> bool:
    return (rule, "*") in LEFT_OUT or (rule, _where(url)) in LEFT_OUT


def _write(record: dict) -> None:
    global _report
    if run_dir is None:
        return
    if _report is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _report = open(run_dir / f"report-{worker}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
    _report.write(json.dumps(record, ensure_ascii=False) + "\n")
    _report.flush()


def _claim(key: tuple[str, str, str]) -> bool:
    """True for the first process of the run that asks for this key."""
    if key in _done:
        return False
    _done.add(key)
    if run_dir is None:
        return True
    claims = run_dir / "claims"
    claims.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1("\n".join(key).encode()).hexdigest()
    try:
        os.close(os.open(claims / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def check_page(page) -> list[str]:
    """The accessibility problems of the page as it is now (nothing when this path
    pattern, viewport and state were checked before in this run)."""
    size = page.viewport_size or {"width": 1280}
    viewport = "phone" if size["width"] <= PHONE_MAX_WIDTH else "desktop"
    url = page.url
    pattern = path_pattern(url)
    key = (pattern, viewport, page.evaluate(STATE))
    if not _claim(key):
        return []
    started = time.monotonic()
    label = f"{url}（{viewport}{'，' + key[2] if key[2] else ''}）"
    problems = []

    page.evaluate(_axe_script())
    result = page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [AXE_CONTEXT.get(key[2]), AXE_OPTIONS],
    )
    for v in result["violations"]:
        targets = [", ".join(map(str, n["target"])) for n in v["nodes"]]
        left_out = _left_out(v["id"], url)
        _write(
            {
                "kind": "axe",
                "pattern": pattern,
                "viewport": viewport,
                "state": key[2],
                "rule": v["id"],
                "impact": v["impact"],
                "nodes": len(targets),
                "targets": targets[:20],
                "left_out": left_out,
            }
        )
        if v["impact"] in FAILING_IMPACTS and not left_out:
            shown = "; ".join(targets[:8]) + (
                f" …（共 {len(targets)} 处）" if len(targets) > 8 else ""
            )
            problems.append(f"无障碍 axe {v['id']}（{v['impact']}）{label}：{v['help']} —— {shown}")

    if viewport == "phone":
        taps = page.evaluate(TAP_TARGETS, MIN_TARGET)
        _write(
            {
                "kind": "tap",
                "pattern": pattern,
                "state": key[2],
                "counted": taps["counted"],
                "spaced": taps["spaced"],
                "small": taps["small"],
            }
        )
        if taps["small"]:
            problems.append(
                f"点按目标小于 {MIN_TARGET}×{MIN_TARGET}px {label}：" + "；".join(taps["small"])
            )
    _write(
        {
            "kind": "page",
            "pattern": pattern,
            "viewport": viewport,
            "state": key[2],
            "seconds": round(time.monotonic() - started, 3),
        }
    )
    return problems
