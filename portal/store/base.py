"""What every store module shares: the data folder, ids, the clock, refusals."""

from __future__ import annotations

import functools
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Beijing time; China has no daylight saving, so a fixed offset is exact.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")

_root: Path | None = None


class StoreError(Exception):
    """A refusal with a message for the user (in Chinese); nothing was changed."""


class NotFound(StoreError):
    """The object does not exist, or is outside the caller's scope."""


def set_root(path) -> Path:
    global _root
    _root = Path(path).resolve()
    _root.mkdir(parents=True, exist_ok=True)
    return _root


def root() -> Path:
    if _root is None:
        raise RuntimeError("store not opened: call store.open_store(data_dir) first")
    return _root


def now() -> datetime:
    """The current Beijing wall-clock time, naive, to the second."""
    return datetime.now(CST).replace(tzinfo=None, microsecond=0)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def new_id(nbytes: int = 5) -> str:
    return secrets.token_hex(nbytes)


def valid_id(value: str) -> bool:
    """Ids come from URLs: accept only our own shape so no path can be built from them."""
    return isinstance(value, str) and bool(ID_RE.match(value))


# Paths are built on every read of the hot paths; building them once per (folder,
# name) keeps pathlib's parsing out of each request. The folder is part of the key
# because tests switch folders.
@functools.lru_cache(maxsize=65536)
def _under(base: Path, *parts: str) -> Path:
    return base.joinpath(*parts)


def places_path() -> Path:
    return _under(root(), "places.json")


def account_path(shard: str) -> Path:
    return _under(root(), "accounts", f"{shard}.json")


def community_path(cid: str) -> Path:
    if not valid_id(cid):
        raise NotFound("没有找到这个社区。")
    return _under(root(), "communities", cid, "main.json")


_MONTH_RE = re.compile(r"^(\d{4}-\d{2}|standing)$")


def signups_path(cid: str, month: str) -> Path:
    """Sign-ups are kept per community and per month of the shift: a write never
    touches more than one community's month, however long the history grows."""
    if not valid_id(cid) or not _MONTH_RE.match(month):
        raise NotFound("没有找到这个班次。")
    return _under(root(), "communities", cid, f"signups-{month}.json")


def person_path(uid: str) -> Path:
    if not valid_id(uid):
        raise NotFound("没有找到这个用户。")
    return _under(root(), "people", uid[:2], f"{uid}.json")


def user_lock_path(uid: str) -> Path:
    return _under(root(), "locks", f"user-{uid}.lock")
