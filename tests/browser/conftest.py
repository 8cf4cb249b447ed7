"""Shared fixtures of the browser tests: the real server, Debian's chromium, pages.

* ``live_server`` starts ``run.py`` (demo data seeded) on a free port in a
  temporary data folder, waits until ``/portal/`` answers and yields its base URL.
* ``browser`` is Debian's chromium driven by Playwright; without
  ``/usr/bin/chromium`` every test under ``tests/browser/`` is skipped.
* ``page_factory(viewport)`` opens a fresh context and page, records console
  errors, failed requests and every requested URL, and after the test asserts
  that nothing failed and that nothing was requested from another host.
* ``shot(page, name)`` saves a screenshot into ``tests/artifacts/``.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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


@pytest.fixture(autouse=True)
def _need_chromium():
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real server (``run.py``, demo data) on 127.0.0.1 and a free port."""
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")
    data_dir = tmp_path_factory.mktemp("live-data")
    logs = tmp_path_factory.mktemp("live-logs")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    out = open(logs / "stdout.txt", "wb")
    err = open(logs / "stderr.txt", "wb")
    proc = subprocess.Popen([sys.executable, "run.py", "--data-dir", str(data_dir), "--port", str(port)],
                            cwd=ROOT, stdout=out, stderr=err)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"服务器启动失败（退出码 {proc.returncode}）：\n"
                            + (logs / "stderr.txt").read_text(encoding="utf-8", errors="replace"))
            try:
                with urllib.request.urlopen(f"{base}/portal/", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"服务器 {START_TIMEOUT:.0f} 秒内未响应 /portal/：\n"
                            + (logs / "stderr.txt").read_text(encoding="utf-8", errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
        err.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("未安装 /usr/bin/chromium：跳过浏览器测试")
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    chromium = pw.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
              "--disable-gpu"])
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


@pytest.fixture
def page_factory(browser, live_server):
    """``page_factory(viewport=DESKTOP) -> page``; checks the page's traffic after the test."""
    opened = []
    server = urlsplit(live_server).netloc

    def new_page(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN",
                                      base_url=live_server)
        log = PageLog()
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(
            f"{msg.text} @ {msg.location.get('url', '')}"))
        page.on("pageerror", lambda exc: log.console_errors.append(f"pageerror: {exc}"))
        context.on("request", lambda req: log.requests.append(req.url))
        context.on("requestfailed", lambda req: log.failed.append(f"{req.url} ({req.failure})"))
        context.on("response", lambda resp: resp.status >= 400 and log.failed.append(
            f"{resp.url} (HTTP {resp.status})"))
        page.kb_log = log
        opened.append((context, log))
        return page

    yield new_page

    problems = []
    for context, log in opened:
        outside = sorted({u for u in log.requests
                          if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                          and urlsplit(u).netloc != server})
        problems += [f"控制台错误：{e}" for e in log.console_errors]
        problems += [f"请求失败：{f}" for f in log.failed]
        problems += [f"请求了其他主机：{u}" for u in outside]
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def new_page(page_factory):
    """Alias of ``page_factory``."""
    return page_factory


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
