"""Sessions through the real login form, and bounded wrk runs on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COOKIE = "portal_session"
TOKEN_RE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


@dataclass
class Session:
    phone: str
    uid: str
    cookie: str  # "portal_session=..."
    token: str  # a CSRF token valid for this session


def fetch(port: int, method: str, path: str, cookie: str = "", form: dict | None = None):
    """(status, headers, body text, new session cookie or the old one)."""
    conn = http_client(port)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    for value in resp.headers.get_all("Set-Cookie") or []:
        if value.startswith(COOKIE + "="):
            cookie = value.split(";", 1)[0]
    conn.close()
    return resp.status, resp.headers, text, cookie


def http_client(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def _token(html: str) -> str:
    match = TOKEN_RE.search(html)
    if not match:
        raise RuntimeError("no csrf_token on the page")
    return match.group(1) or match.group(2)


def login(port: int, phone: str, uid: str, password: str) -> Session:
    """Log in through /portal/login like a browser; then read a token bound to the session."""
    status, _h, html, cookie = fetch(port, "GET", "/portal/login")
    status, headers, _t, cookie = fetch(
        port,
        "POST",
        "/portal/login",
        cookie,
        {"phone": phone, "password": password, "csrf_token": _token(html)},
    )
    if status != 302 or "/login" in (headers.get("Location") or ""):
        raise RuntimeError(f"login of {phone} failed (HTTP {status})")
    # A page with a form puts the CSRF secret into the session (and shows the login flash).
    status, _h, html, cookie = fetch(port, "GET", "/portal/login", cookie)
    return Session(phone, uid, cookie, _token(html))


def login_all(port: int, accounts: list[tuple[str, str]], password: str) -> list[Session]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda a: login(port, a[0], a[1], password), accounts))


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    text = (out.stdout + out.stderr).split()
    return text[1] if len(text) > 1 else "?"


def run_wrk(
    port: int,
    lines: list[tuple[str, str, str, str]],
    workdir: Path,
    name: str,
    *,
    duration: float,
    connections: int,
    threads: int = 2,
    cycle: bool = True,
    expect: int = 200,
) -> dict:
    """One bounded wrk run over a list of requests; returns wrk's figures (latency in ms)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if cycle:  # every wrk thread needs at least one request of its own
        lines = list(lines) * -(-threads // len(lines))
    listing = workdir / f"{name}.tsv"
    listing.write_text("".join("\t".join(line) + "\n" for line in lines), encoding="utf-8")
    duration = max(1, round(duration))  # wrk takes whole seconds
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "wrk.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(listing),
        str(threads),
        "1" if cycle else "0",
        str(expect),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    (workdir / f"{name}.wrk.txt").write_text(out.stdout + out.stderr, encoding="utf-8")
    found = [line for line in out.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if out.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed for {name}: {out.stderr.strip() or out.stdout[-500:]}")
    r = json.loads(found[-1].split(" ", 1)[1])
    seconds = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {
        "name": name,
        "requests": r["requests"],
        "seconds": seconds,
        "rps": r["requests"] / seconds if seconds else 0.0,
        "p50": r["p50"] / 1000,
        "p95": r["p95"] / 1000,
        "p99": r["p99"] / 1000,
        "mean": r["mean"] / 1000,
        "max": r["max"] / 1000,
        "errors": errors,
        "non_2xx_3xx": r["status"],
        "unexpected": r["unexpected"],
        "overflow": r["overflow"],
        "socket_errors": errors - r["status"],
        "connections": connections,
        "threads": threads,
        "duration": duration,
        "kb_per_request": r["bytes"] / max(r["requests"], 1) / 1024,
        "notes": [],
    }


def get_lines(paths_and_cookies) -> list[tuple[str, str, str, str]]:
    return [("GET", path, cookie, "") for path, cookie in paths_and_cookies]


def post_lines(items) -> list[tuple[str, str, str, str]]:
    """items: (path, session) -> POST with the session's cookie and CSRF token."""
    return [
        ("POST", path, s.cookie, "csrf_token=" + urllib.parse.quote(s.token, safe=""))
        for path, s in items
    ]
