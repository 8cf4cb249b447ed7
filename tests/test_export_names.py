"""Every export route with hostile names: posts and communities named with the characters
a sheet title refuses (``/ \\ : [ ] ? *``) or too long for one. Every xlsx and CSV answers
200 and opens; every export (the personal JSON too) is ``no-store``; the CSV's
Content-Type names its charset once. The routes are found in the URL map, so a new
export cannot ship without passing here.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from datetime import timedelta
from urllib.parse import unquote

import pytest
from flask import url_for
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from portal import store
from tests.conftest import make_user

BAD = "/\\:[]?*"
NAMES = [f"义诊{c}测血压" for c in BAD] + [
    "东四/测试社区",
    "很长的社区名称" * 8,  # 56 characters, more than a sheet's 31
    "[重要]?*:/\\",
    "'引号'",
    "😀" * 20,  # 40 characters, 80 UTF-16 units
]
IDS = [f"char-{n}" for n in range(len(BAD))] + ["community", "long", "all", "quotes", "emoji"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_routes(app) -> dict[str, list[str]]:
    """endpoint -> its URL arguments, for every route whose endpoint says "export"."""
    return {
        rule.endpoint: sorted(rule.arguments)
        for rule in app.url_map.iter_rules()
        if "export" in rule.endpoint
    }


def _world(world, name: str) -> dict:
    """A community and a post named ``name``, a member reported in who served there."""
    community = store.add_community("dongsi", name, cid="cx")
    admin = make_user("13700000031", "community_admin", scope="cx")
    member = make_user("13700000032", "member", name=name[:20], home_cid="cx")
    report = store.submit_report_in(member["uid"], "cx")
    store.confirm_report_in("cx", report["id"], admin["uid"])
    day = (store.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    post = store.create_post(
        "cx",
        admin["uid"],
        title=name,
        category="legal",
        description=name,
        place=name,
        kind="shifts",
        shifts=[{"date": day, "start": "09:00", "end": "11:00", "capacity": 3}],
    )
    shift = store.post_shifts("cx", post["id"])[0]
    row = store.sign_up(
        "cx", shift["id"], member["uid"], at=store.shift_start(shift) - timedelta(days=1)
    )
    store.mark_attendance("cx", shift["id"], row["id"], store.PRESENT, admin["uid"])
    store.confirm_hours("cx", shift["id"], admin["uid"])
    return {
        "community": community,
        "member": member,
        "shift": shift,
        "quarter": store.quarter_of(store.shift_start(shift).date()),
    }


def _urls(app, endpoint: str, arguments: list[str], w: dict) -> list[str]:
    values = {
        "cid": ["cx"],
        "sid": [w["shift"]["id"]],
        "quarter": [w["quarter"]],
        "kind": ["departments", "streets"],
        "fmt": ["xlsx", "csv"],
        "area": ["dongsi", "district"],
        "what": ["needs", "resources", "projects"],
    }
    unknown = set(arguments) - set(values)
    assert not unknown, f"{endpoint}: teach this test the arguments {unknown}"
    combos: list[dict] = [{}]
    for arg in arguments:
        combos = [dict(c, **{arg: v}) for c in combos for v in values[arg]]
    with app.test_request_context():
        return [url_for(endpoint, **c) for c in combos]


def _check_download(url: str, resp) -> None:
    assert resp.status_code == 200, f"{url}: {resp.status_code}"
    assert resp.headers["Cache-Control"] == "no-store", url
    content_type = resp.headers["Content-Type"]
    assert content_type.lower().count("charset") <= 1, f"{url}: {content_type}"
    disposition = unquote(resp.headers.get("Content-Disposition", ""))
    assert "attachment" in disposition and "/" not in disposition.split("filename")[-1], url
    if url.endswith(".xlsx"):
        assert resp.mimetype == XLSX
        book = load_workbook(io.BytesIO(resp.data))
        title = book.worksheets[0].title
        assert title and not set(title) & set(BAD) and len(title.encode("utf-16-le")) <= 62
        assert next(book.worksheets[0].iter_rows(values_only=True))[0]  # the header row
    elif url.endswith(".csv"):
        assert content_type == "text/csv; charset=utf-8", url
        assert resp.data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
        assert rows and rows[0][0]
    else:
        json.loads(resp.data)


@pytest.mark.parametrize("name", NAMES, ids=IDS)
def test_every_export_opens_whatever_the_names(app, world, client, auth, name):
    w = _world(world, name)
    routes = _export_routes(app)
    assert set(routes) == {
        "attendance_admin.export_roster",
        "attendance_admin.export_members",
        "attendance_admin.export_quarterly",
        "whistles.export",
        "hotline_figures.export",
        "area_lists.export",
        "privacy.export_json",
    }, "a new export route: add it here (who may download it) and check it below"
    personal = {"privacy.export_json"}  # a member's own data; the others are admins'
    checked = 0
    for who, endpoints in (
        (world.district["phone"], sorted(set(routes) - personal)),
        (w["member"]["phone"], sorted(personal)),
    ):
        auth.login(who)
        for endpoint in endpoints:
            for url in _urls(app, endpoint, routes[endpoint], w):
                _check_download(url, client.get(url))
                checked += 1
        auth.logout()
    assert checked == 3 * 2 + 2 * 2 + 2 * 2 + 2 * 3 * 2 + 1


def test_the_roster_of_a_post_named_with_a_slash(world, client, auth):
    _world(world, "义诊/测血压")
    shift = store.post_shifts("cx", store.list_posts("cx")[0]["id"])[0]
    auth.login(world.district["phone"])
    resp = client.get(f"/portal/admin/c/cx/export/shifts/{shift['id']}.xlsx")
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.data)).worksheets[0].title.startswith("义诊-测血压-")


@given(st.text(max_size=80))
def test_sheet_title_is_always_accepted(name):
    from portal.records.exports import sheet_title

    title = sheet_title(name)
    assert title and len(title.encode("utf-16-le")) <= 2 * 31
    book = Workbook()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl warns about titles over 31 characters
        book.worksheets[0].title = title
    buffer = io.BytesIO()
    book.save(buffer)
    assert load_workbook(buffer).worksheets[0].title == title
