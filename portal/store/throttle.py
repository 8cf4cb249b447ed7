"""Rate limits that hold across processes (gunicorn workers share the data folder).

A per-process counter (like Flask-Limiter's memory storage) would let each
worker grant the full limit; here the counts live in small files under the
data folder's lock, one file per kind of limit, pruned on every write.
"""

from __future__ import annotations

import hashlib
import time

from . import _files
from .base import root


def _path(kind: str):
    return root() / "throttle" / f"{kind}.json"


def _key(value: str) -> str:
    # Keys may be phone numbers or addresses: store only a digest of them.
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def hit(kind: str, value: str, limit: int, window: float, now: float | None = None) -> bool:
    """Count one attempt; False when ``value`` already had ``limit`` attempts in ``window`` s."""
    now = time.time() if now is None else now
    key = _key(value)
    with _files.transaction(_path(kind)) as db:
        table = db.table("hits")
        data = {doc["k"]: doc for doc in table.all()}
        recent = [t for t in data.get(key, {}).get("t", []) if t > now - window]
        allowed = len(recent) < limit
        if allowed:
            recent.append(now)
        # Rewrite the (small) table pruned of old entries, so it never grows with history.
        table.truncate()
        rows = [
            {"k": k, "t": [t for t in d["t"] if t > now - window]}
            for k, d in data.items()
            if k != key
        ]
        rows = [r for r in rows if r["t"]] + ([{"k": key, "t": recent}] if recent else [])
        table.insert_multiple(rows)
    return allowed


def blocked(kind: str, value: str, limit: int, window: float, now: float | None = None) -> bool:
    """Whether ``value`` has used up ``limit`` attempts in ``window`` s (counts nothing)."""
    now = time.time() if now is None else now
    for doc in _files.read_tables(_path(kind)).get("hits", {}).values():
        if doc["k"] == _key(value):
            return len([t for t in doc["t"] if t > now - window]) >= limit
    return False


def clear(kind: str, value: str) -> None:
    """Forget ``value``'s attempts (e.g. after a successful login)."""
    key = _key(value)
    with _files.transaction(_path(kind)) as db:
        db.table("hits").remove(lambda doc: doc["k"] == key)
