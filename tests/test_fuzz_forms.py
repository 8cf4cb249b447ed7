"""Every form, fuzzed: random Unicode, overlong text, HTML, wrong types, missing and repeated
fields. Never a 5xx; a rejection shows Chinese messages and stores nothing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import store
from tests.conftest import csrf_token

pytestmark = pytest.mark.fuzz

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.S)
ERRORS_RE = re.compile(r'<ul class="errors"[^>]*>(.*?)</ul>', re.S)
FLASH_RE = re.compile(r'class="flash[^"]*"[^>]*>(.*?)</', re.S)
EXAMPLES = 50

text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=200, max_size=5000),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "' OR 1=1 --",
            "../../etc/passwd",
            "\x00",
            "１３８００１３８０００",
            "-1",
            "0",
            "99999999999",
            "2026-02-30",
            "25:99",
            "null",
            "[]",
            "{}",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))  # a list = a repeated field


def _snapshot(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data_dir.rglob("*.json")):
        rel = path.relative_to(data_dir)
        if rel.parts[0] in ("throttle", "notifications", "locks", "audit"):
            continue  # counters and inboxes may change on a rejection; the records may not
        digest.update(str(rel).encode() + path.read_bytes())
    return digest.hexdigest()


def _fields(html: str) -> list[str]:
    return sorted({n for n in FIELD_RE.findall(html) if n not in ("csrf_token", "next")})


def _check_rejection_is_chinese(response, client):
    html = response.get_data(as_text=True)
    if response.status_code in (301, 302, 303):
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        for message in FLASH_RE.findall(html):
            assert CJK.search(message), message
        return
    assert "Traceback" not in html
    for block in ERRORS_RE.findall(html):
        for item in re.findall(r"<li>(.*?)</li>", block, re.S):
            assert CJK.search(item), f"not Chinese: {item!r}"


def _fuzz(client, data_dir, url, form_page=None, extra_fields=()):
    page = client.get(form_page or url)
    assert page.status_code == 200, (form_page or url, page.status_code)
    names = _fields(page.get_data(as_text=True)) + list(extra_fields)
    assert names, f"no fields found on {form_page or url}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({}, optional={n: value for n in names}))
    def run(data):
        before = _snapshot(data_dir)
        payload = dict(data, csrf_token=csrf_token(client, form_page or url))
        response = client.post(url, data=payload)
        assert response.status_code < 500, (url, data)
        if response.status_code == 200 or response.status_code >= 400:
            assert _snapshot(data_dir) == before, f"rejected input changed the store: {url} {data}"
        _check_rejection_is_chinese(response, client)

    run()


ANON_FORMS = ["/portal/register", "/portal/login", "/portal/reset", "/portal/needs/new/ca"]


@pytest.mark.parametrize("url", ANON_FORMS)
def test_anonymous_forms(client, data_dir, world, url):
    _fuzz(client, data_dir, url)


@pytest.mark.parametrize("url", ["/portal/password", "/portal/profile", "/portal/me/delete"])
def test_member_forms(client, auth, data_dir, world, url):
    auth.login(world.member["phone"])
    _fuzz(client, data_dir, url)


def test_admin_forms(client, auth, data_dir, world):
    post, shift = world.post()
    report = store.submit_report_in(world.member["uid"], "ca")
    auth.login(world.admin_a["phone"])
    for url in (
        "/portal/admin/c/ca/posts/new",
        "/portal/admin/c/ca/lists/needs/new",
        "/portal/admin/c/ca/lists/resources/new",
        "/portal/admin/c/ca/lists/projects/new",
        f"/portal/admin/c/ca/shifts/{shift['id']}/change",
    ):
        _fuzz(client, data_dir, url)
    # forms that post to an action URL from another page
    _fuzz(
        client,
        data_dir,
        f"/portal/admin/c/ca/report-ins/{report['id']}/return",
        form_page="/portal/admin/c/ca/report-ins",
        extra_fields=["reason"],
    )
    _fuzz(
        client,
        data_dir,
        f"/portal/admin/c/ca/posts/{post['id']}/copy",
        form_page=f"/portal/admin/c/ca/posts/{post['id']}",
        extra_fields=["days"],
    )


def test_area_admin_forms(client, auth, data_dir, world):
    auth.login(world.district["phone"])
    for url in ("/portal/admin/communities/new", "/portal/admin/accounts/"):
        _fuzz(client, data_dir, url)
