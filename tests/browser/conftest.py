"""Shared fixtures of the browser tests: the real server, Debian's chromium, pages.

* ``live_server`` starts ``run.py`` (demo data seeded) on a free port in a
  temporary data folder, waits until ``/portal/`` answers and yields its base URL.
* ``browser`` is Debian's chromium driven by Playwright; without
  ``/usr/bin/chromium`` every test under ``tests/browser/`` is skipped.
* ``page_factory(viewport)`` opens a fresh context and page, records console
  errors, failed requests and every requested URL, and after the test asserts
  that nothing failed and that nothing was requested from another host.
* ``shot(page, name)`` saves a screenshot into ``tests/artifacts/``.
* ``live_data_dir`` is the live server's data folder and ``live_store`` the portal's
  store opened on it, for tests that prepare data the server then sees.
* ``journey(name, viewport)`` and the helpers below it serve the journeys of
  ``test_journeys_*.py``: numbered screenshots per step, no sideways scroll, log-in.
* ``check_page(page)`` (``a11y.py``; called by every journey step and by the whistle
  journey) runs axe-core and, on phones, the 44 px tap-target check; its findings fail
  the test like a console error does.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest

from tests.browser import a11y

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def _a11y_run_dir(tmp_path_factory):
    """check_page's folder for the whole run: its claims and reports (the temp folders of
    xdist workers are siblings in the run's folder)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base
    a11y.run_dir = shared / "a11y"


@pytest.fixture(autouse=True)
def _need_chromium():
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")


class LiveServer(NamedTuple):
    base: str  # e.g. http://127.0.0.1:PORT
    data_dir: Path  # the server's data folder (the store is safe across processes)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The real server (``run.py``, demo data) on 127.0.0.1 and a free port."""
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")
    data_dir = tmp_path_factory.mktemp("live-data")
    with run_server(data_dir, tmp_path_factory.mktemp("live-logs")) as base:
        yield LiveServer(base, Path(data_dir))


@contextlib.contextmanager
def run_server(data_dir, logs: Path, *extra: str):
    """``run.py`` on data_dir and a free port of 127.0.0.1; yields its base URL once
    ``/portal/`` answers, stops it afterwards. Its output goes to files in ``logs``."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with open(logs / "stdout.txt", "wb") as out, open(logs / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "run.py", "--data-dir", str(data_dir), "--port", str(port), *extra],
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )
        try:
            _wait_until_up(proc, base, logs / "stderr.txt")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc, base: str, stderr: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"服务器启动失败（退出码 {proc.returncode}）：\n"
                + stderr.read_text(encoding="utf-8", errors="replace")
            )
        try:
            with urllib.request.urlopen(f"{base}/portal/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"服务器 {START_TIMEOUT:.0f} 秒内未响应 /portal/：\n"
                + stderr.read_text(encoding="utf-8", errors="replace")
            )
        time.sleep(0.2)


@pytest.fixture(scope="session")
def live_server(live) -> str:
    """The live server's base URL."""
    return live.base


@pytest.fixture(scope="session")
def live_data_dir(live) -> Path:
    """The live server's data folder, for tests that prepare data through the store."""
    return live.data_dir


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    chromium = pw.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-gpu",
        ],
    )
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


class PageLog:
    """What one page did: console errors, failed requests, every request URL."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.requests: list[str] = []
        self.a11y: list[str] = []  # check_page's findings (axe, tap targets)


STATIC_SUFFIXES = (".js", ".css", ".svg", ".png", ".ico", ".woff2", ".json")


def _icon_cut_short(request) -> bool:
    """A static file (the tab icon, a script, a stylesheet) whose fetch the browser
    abandoned because the test already went on to the next page: nothing a visitor would
    notice. Such a file that fails to load still fails here through its HTTP status, and
    any other failure (refused, reset, DNS) is still counted."""
    path = urlsplit(request.url).path
    return request.failure == "net::ERR_ABORTED" and (
        path.rsplit("/", 1)[-1].startswith("favicon.") or path.endswith(STATIC_SUFFIXES)
    )


@pytest.fixture
def page_factory(browser, live_server):
    """``page_factory(viewport=DESKTOP) -> page``; checks the page's traffic after the test."""
    opened = []
    server = urlsplit(live_server).netloc

    def new_page(viewport: dict | None = None):
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale="zh-CN", base_url=live_server
        )
        log = PageLog()
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and log.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")
            ),
        )
        page.on("pageerror", lambda exc: log.console_errors.append(f"pageerror: {exc}"))
        context.on("request", lambda req: log.requests.append(req.url))
        context.on(
            "requestfailed",
            lambda req: (
                None if _icon_cut_short(req) else log.failed.append(f"{req.url} ({req.failure})")
            ),
        )
        context.on(
            "response",
            lambda resp: (
                resp.status >= 400 and log.failed.append(f"{resp.url} (HTTP {resp.status})")
            ),
        )
        page.kb_log = log
        opened.append((context, log))
        return page

    yield new_page

    problems = []
    for context, log in opened:
        outside = sorted(
            {
                u
                for u in log.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != server
            }
        )
        problems += [f"控制台错误：{e}" for e in log.console_errors]
        problems += [f"请求失败：{f}" for f in log.failed]
        problems += [f"请求了其他主机：{u}" for u in outside]
        problems += log.a11y
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def new_page(page_factory):
    """Alias of ``page_factory``."""
    return page_factory


def check_page(page) -> None:
    """Accessibility of the page as it is now (axe-core; tap targets on phones), once per
    path pattern, viewport and state; findings go to the page's log and fail the test."""
    page.kb_log.a11y += a11y.check_page(page)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- journeys (tests/browser/test_journeys_*.py) ------------------------------------------
#
# A journey is what one audience does from start to end, at one viewport. ``journey(name,
# viewport)`` gives a ``Journey``: its pages accept confirm() questions like a user tapping
# 确定, and ``step(page, label)`` keeps a numbered screenshot of each step and checks that the
# page has no horizontal scroll and passes ``check_page`` (accessibility). Accounts are new
# in every run (``new_phone``), so the phone and desktop runs of a journey never meet in the
# shared live server's store.

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
DEMO_PASSWORD = "demo1234"
DEMO_COMMUNITY = "东四示例社区一"
DEMO_COMMUNITY_ADMIN = "13900000003"
_counter = itertools.count(1)
FITS_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


def unique() -> int:
    """A number no other call in this test session returns."""
    return next(_counter)


def new_phone() -> str:
    """A mobile number that no account of the live server has (demo accounts use 139…)."""
    return f"137{unique():08d}"


class Journey:
    """One journey at one viewport: its pages, numbered screenshots and per-step checks."""

    def __init__(self, page_factory, name: str, viewport: str):
        self.name = name
        self.viewport_name = viewport
        self.viewport = VIEWPORTS[viewport]
        self._factory = page_factory
        self.steps = 0
        self.problems: list[str] = []
        self.pages: list = []

    @property
    def phone(self) -> bool:
        return self.viewport_name == "phone"

    def page(self):
        """A new browser context (a new person, or the same person on another device)."""
        page = self._factory(self.viewport)
        page.on("dialog", lambda dialog: dialog.accept())
        self.pages.append(page)
        return page

    def step(self, page, label: str) -> Path:
        """Screenshot this step; note it when the page scrolls sideways, and what
        ``check_page`` (axe-core, tap targets) finds."""
        page.wait_for_load_state("load")
        self.steps += 1
        # Measured before the screenshot: a full-page shot resizes the viewport for a moment.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        wide, view = page.evaluate(FITS_WIDTH)
        if wide > view:  # let a transition (an overlay opening) settle, then measure again
            try:
                page.wait_for_function(
                    f"() => {{ const [w, v] = {FITS_WIDTH}; return w <= v; }}", timeout=2_000
                )
            except PlaywrightTimeout:
                pass
            wide, view = page.evaluate(FITS_WIDTH)
        # A full-page shot resizes the view for a moment, and chromium answers a resize by
        # scrolling the focused field back into view, late enough to move the page under
        # the next click. Nothing keeps the focus during a shot, then.
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        path = shot(page, f"{self.name}-{self.viewport_name}-{self.steps:02d}-{label}")
        check_page(page)
        if wide > view:
            self.problems.append(
                f"{label}（{page.url}）：页面宽 {wide}px，视口只有 {view}px，"
                f"出现横向滚动；截图 {path.relative_to(ROOT)}"
            )
        return path

    def goto(self, page, path: str, label: str):
        page.goto(path)
        self.step(page, label)
        return page

    def finish(self) -> None:
        problems, self.problems = self.problems, []
        for page in self.pages:  # reported here, in the test, rather than at teardown
            problems += page.kb_log.a11y
            page.kb_log.a11y.clear()
        assert not problems, "\n".join(problems)


@pytest.fixture
def journey(page_factory):
    """``journey(name, viewport)`` -> Journey; its sideways-scroll notes fail the test."""
    made = []

    def make(name: str, viewport: str) -> Journey:
        made.append(Journey(page_factory, name, viewport))
        return made[-1]

    yield make
    left = [p for j in made for p in j.problems]
    assert not left, "\n".join(left)


@pytest.fixture
def live_store(live_data_dir):
    """The portal's store, opened on the live server's data folder (for preparing data)."""
    from portal import store

    store.open_store(live_data_dir)
    return store


def demo_community(store) -> dict:
    return next(c for c in store.list_communities() if c["name"] == DEMO_COMMUNITY)


def flash(page, kind: str = "success"):
    """The flash messages of one kind (success, info, error, warning)."""
    return page.locator(f".flashes .flash-{kind}")


def menu(journey: Journey, page, name) -> None:
    """Follow a main-menu link as the user would: on a phone through the 菜单 button."""
    if journey.phone:
        page.locator("details.nav-mobile > summary").click()
        nav = page.locator("details.nav-mobile nav")
    else:
        nav = page.locator("nav.nav-desktop")
    nav.get_by_role("link", name=name, exact=isinstance(name, str)).click()


def login(
    journey: Journey, page, phone: str, password: str = DEMO_PASSWORD, label: str = "login"
) -> None:
    """Log in through the login form (reached from the menu, as a visitor would)."""
    from playwright.sync_api import expect

    journey.goto(page, "/portal/", f"{label}-portal")
    menu(journey, page, "登录")
    expect(page.locator("h1")).to_have_text("登录")
    form = page.locator("main form")
    form.locator("#phone").fill(phone)
    form.locator("#password").fill(password)
    journey.step(page, f"{label}-filled")
    form.get_by_role("button", name="登录").click()
    expect(flash(page)).to_contain_text("欢迎回来")
    journey.step(page, f"{label}-done")


def new_person(
    store,
    name: str,
    role: str = "member",
    community: dict | None = None,
    skills=("arts",),
    availability=("weekend",),
) -> tuple[dict, str]:
    """(account, phone) of a new member or volunteer who agreed to the current consent text;
    the password is DEMO_PASSWORD."""
    from portal.config import DEFAULTS

    phone = new_phone()
    member = role == "member"
    user = store.create_user(
        phone=phone,
        password=DEMO_PASSWORD,
        name=name,
        role=role,
        work_unit="东城区测试单位" if member else "",
        party_org="测试单位第一党支部" if member else "",
        home_cid=community["id"] if community else None,
        skills=list(skills),
        availability=list(availability),
        consent_version=DEFAULTS["CONSENT_VERSION"],
    )
    return user, phone
