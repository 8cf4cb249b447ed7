"""Rate limits that hold across processes (gunicorn workers share the data folder).

A per-process counter (like Flask-Limiter's memory storage) would let each
worker grant the full limit; here the counts live in small files under the
data folder's lock, one file per kind of limit, pruned on every write.

Every check also counts, in the same transaction (``take``, ``attempt``): an
attempt is recorded *before* the password or code is checked, so concurrent
requests see each other's attempts and no more than the limit are ever checked.
A success gives its attempt back (``give_back``, ``settle``).

Login and reset (``attempt``) count per account, per address, and per (address,
account) pair, and lock like this, so that knowing a phone number is not enough to
lock its owner out:

* an address with ``address_limit`` failures in the window may try no account;
* an address with ``account_limit`` failures on one account may not try that account;
* once an account has ``account_limit`` failures (from anywhere), an address that
  already failed on it may not try it again, but an address with no failure on it
  still gets one try, so the owner's correct password from their own phone or
  computer gets through. An attacker spread over many addresses thus gets one guess
  per address and window, instead of locking the owner out; the owner who is locked
  out of their own address can ask the community for a reset code, whose success
  clears the account's lock (``clear_account``).
"""

from __future__ import annotations

import hashlib
import time

from . import backend as docs


def _path(kind: str) -> str:
    return f"throttle/{kind}"


def _key(value: str) -> str:
    # Keys may be phone numbers or addresses: store only a digest of them.
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _recent(row: dict | None, now: float, window: float) -> list[float]:
    return [t for t in (row or {}).get("t", []) if t > now - window]


def _load(table) -> dict[str, dict]:
    return {doc["k"]: dict(doc) for doc in table.all()}


def _save(table, rows: dict[str, dict], now: float, window: float) -> None:
    """Rewrite the (small) table pruned of old entries, so it never grows with history."""
    table.truncate()
    kept = []
    for row in rows.values():
        row["t"] = _recent(row, now, window)
        if row["t"]:
            kept.append(row)
    table.insert_multiple(kept)


def take(kind: str, value: str, limit: int, window: float, now: float | None = None):
    """Check and count one attempt in one step: its ticket (a float, for ``give_back``), or
    None (nothing counted) when ``value`` already had ``limit`` attempts in ``window`` s."""
    now = time.time() if now is None else now
    key = _key(value)
    with docs.transaction_one(_path(kind)) as db:
        table = db.table("hits")
        rows = _load(table)
        if len(_recent(rows.get(key), now, window)) >= limit:
            return None
        rows.setdefault(key, {"k": key, "t": []})["t"].append(now)
        _save(table, rows, now, window)
    return now


def hit(kind: str, value: str, limit: int, window: float, now: float | None = None) -> bool:
    """Count one attempt; False when ``value`` already had ``limit`` attempts in ``window`` s."""
    return take(kind, value, limit, window, now) is not None


def give_back(kind: str, value: str, ticket: float) -> None:
    """Uncount the attempt ``take`` recorded as ``ticket`` (e.g. it succeeded)."""
    key = _key(value)
    with docs.transaction_one(_path(kind)) as db:
        table = db.table("hits")
        found = table.get(lambda doc: doc["k"] == key)
        if found is not None and ticket in found["t"]:
            times = list(found["t"])
            times.remove(ticket)
            table.update({"t": times}, doc_ids=[found.doc_id])


def blocked(kind: str, value: str, limit: int, window: float, now: float | None = None) -> bool:
    """Whether ``value`` has used up ``limit`` attempts in ``window`` s (counts nothing)."""
    now = time.time() if now is None else now
    for doc in docs.read(_path(kind)).get("hits", {}).values():
        if doc["k"] == _key(value):
            return len([t for t in doc["t"] if t > now - window]) >= limit
    return False


def clear(kind: str, value: str) -> None:
    """Forget ``value``'s attempts (e.g. after a successful login)."""
    key = _key(value)
    with docs.transaction_one(_path(kind)) as db:
        db.table("hits").remove(lambda doc: doc["k"] == key)


# --- per account, per address and per pair (login, reset) -------------------------------


def _keys(account: str, address: str) -> tuple[str, str, str]:
    """Row keys of the account, of the (address, account) pair and of the address."""
    return _key("a\n" + account), _key("p\n" + address + "\n" + account), _key("d\n" + address)


def attempt(
    kind: str,
    account: str,
    address: str,
    *,
    account_limit: int,
    address_limit: int,
    window: float,
    now: float | None = None,
) -> float | None:
    """Check and count one attempt on ``account`` from ``address`` in one step (see the
    module's docstring for the rules): its ticket for ``settle``, or None when refused."""
    now = time.time() if now is None else now
    a, p, d = _keys(account, address)
    with docs.transaction_one(_path(kind)) as db:
        table = db.table("hits")
        rows = _load(table)
        on_account, on_pair, on_address = (
            len(_recent(rows.get(k), now, window)) for k in (a, p, d)
        )
        if (
            on_address >= address_limit
            or on_pair >= account_limit
            or (on_account >= account_limit and on_pair > 0)
        ):
            return None  # refused: nothing to write
        for k in (a, p, d):
            rows.setdefault(k, {"k": k, "t": []})["t"].append(now)
        rows[p]["a"] = a  # so that clear_account finds the account's pairs
        _save(table, rows, now, window)
    return now


def settle(kind: str, account: str, address: str, ticket: float, ok: bool) -> None:
    """After the check: a failure stays counted; a success clears the account's count and
    this address's count on it, and gives the address its attempt back. Other addresses'
    failures on the account stay (their lock is not lifted by the owner's login)."""
    if not ok:
        return
    a, p, d = _keys(account, address)
    with docs.transaction_one(_path(kind)) as db:
        table = db.table("hits")
        table.remove(lambda doc: doc["k"] in (a, p))
        found = table.get(lambda doc: doc["k"] == d)
        if found is not None and ticket in found["t"]:
            times = list(found["t"])
            times.remove(ticket)
            table.update({"t": times}, doc_ids=[found.doc_id])


def clear_account(kind: str, account: str) -> None:
    """Lift every lock on ``account`` (its count and every address's count on it), e.g. after
    the owner proved who they are with a reset code. Address counts stay."""
    a = _key("a\n" + account)
    with docs.transaction_one(_path(kind)) as db:
        db.table("hits").remove(lambda doc: doc["k"] == a or doc.get("a") == a)
