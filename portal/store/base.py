"""What every store module shares: document keys, ids, the clock, refusals."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

# Beijing time; China has no daylight saving, so a fixed offset is exact.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


class StoreError(Exception):
    """A refusal with a message for the user (in Chinese); nothing was changed."""


class NotFound(StoreError):
    """The object does not exist, or is outside the caller's scope."""


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


# Keys of the documents that many modules share. Ids come from URLs and are checked
# here, so no key (and no file name of the file backend) can be built from a bad one.


def places_key() -> str:
    return "places"


def account_key(shard: str) -> str:
    return f"accounts/{shard}"


def community_key(cid: str) -> str:
    if not valid_id(cid):
        raise NotFound("没有找到这个社区。")
    return f"communities/{cid}/main"


_MONTH_RE = re.compile(r"^(\d{4}-\d{2}|standing)$")


def signups_key(cid: str, month: str) -> str:
    """Sign-ups are kept per community and per month of the shift: a write never
    touches more than one community's month, however long the history grows."""
    if not valid_id(cid) or not _MONTH_RE.match(month):
        raise NotFound("没有找到这个班次。")
    return f"communities/{cid}/signups-{month}"


def signups_prefix(cid: str) -> str:
    """The start of the keys of every month of a community's sign-ups."""
    if not valid_id(cid):
        raise NotFound("没有找到这个社区。")
    return f"communities/{cid}/signups-"


def person_key(uid: str) -> str:
    if not valid_id(uid):
        raise NotFound("没有找到这个用户。")
    return f"people/{uid[:2]}/{uid}"
