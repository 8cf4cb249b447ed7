"""One-time reset codes: hashed, 24-hour expiry, single use, superseded by a newer code."""

from __future__ import annotations

from datetime import datetime, timedelta

import json

import pytest

from portal import store
from portal.store.accounts import resets

from tests.conftest import PASSWORD, make_user

NOW = datetime(2026, 12, 1, 10, 0)
NEW = "newpass5678"


@pytest.fixture
def member(mem_store):
    store.add_community("dongsi", "重置测试社区", cid="cr")
    return make_user("13822220001", home_cid="cr")


def _issue(member, at=NOW):
    return store.issue_reset_code(member["uid"], "admin-uid", "cr", at=at)


def test_code_shape_and_only_hash_stored(member):
    issued = _issue(member)
    code = issued["code"]
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(resets.ALPHABET)
    assert issued["expires_at"] == "2026-12-02 10:00:00"
    text = json.dumps(store.current_backend().read("resets"))
    assert code.replace("-", "") not in text and code not in text


def test_redeem_sets_password_once(member):
    code = _issue(member)["code"]
    user = store.redeem_reset_code(
        member["phone"], code.lower().replace("-", " "), NEW, at=NOW + timedelta(hours=1)
    )
    assert user["uid"] == member["uid"]
    assert store.authenticate(member["phone"], NEW) and not store.authenticate(
        member["phone"], PASSWORD
    )
    with pytest.raises(store.StoreError, match="已使用"):
        store.redeem_reset_code(member["phone"], code, "another9999", at=NOW + timedelta(hours=2))


def test_code_expires_after_24_hours(member):
    code = _issue(member)["code"]
    with pytest.raises(store.StoreError, match="过期"):
        store.redeem_reset_code(member["phone"], code, NEW, at=NOW + timedelta(hours=24))
    assert store.authenticate(member["phone"], PASSWORD)


def test_wrong_code_wrong_phone_and_newer_code(member):
    first = _issue(member)["code"]
    with pytest.raises(store.StoreError):
        store.redeem_reset_code(member["phone"], "ABCD-EFGH", NEW, at=NOW)
    with pytest.raises(store.StoreError):
        store.redeem_reset_code("13999999999", first, NEW, at=NOW)
    second = _issue(member, at=NOW + timedelta(minutes=5))["code"]
    with pytest.raises(store.StoreError):
        store.redeem_reset_code(member["phone"], first, NEW, at=NOW + timedelta(minutes=6))
    store.redeem_reset_code(member["phone"], second, NEW, at=NOW + timedelta(minutes=6))


def test_no_code_for_disabled_or_deleted_accounts(member):
    store.set_disabled(member["uid"], True)
    with pytest.raises(store.StoreError, match="停用"):
        _issue(member)
    other = make_user("13822220002", home_cid="cr")
    store.delete_account(other["uid"], at=NOW)
    with pytest.raises(store.StoreError, match="注销"):
        _issue(other)
