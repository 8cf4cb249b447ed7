"""The portal's store: the one package that touches TinyDB.

Views and templates call the named functions re-exported here; none of them
builds a query. Layout of the data folder::

    places.json                      communities
    accounts/<0-f>.json              accounts, sharded by phone number
    communities/<cid>/main.json      report-ins, posts, shifts of one community
    communities/<cid>/signups-<YYYY-MM>.json   sign-ups for that month's shifts
    locks/                           lock files (flock)
"""
from __future__ import annotations

from pathlib import Path

from . import _files
from ._common import NotFound, StoreError, now, root, set_root, valid_id
from ._files import CorruptFile
from .accounts import (authenticate, change_password, confirm_skills, create_user,
                       find_user_by_phone, get_user, has_any_user, update_profile, users_by_ids)
from .matching import SLOT_NAMES, recommend_shifts, shift_slot
from .places import (add_community, community_index, get_community, get_street,
                     list_communities, list_streets)
from .posts import (copy_post, create_post, get_post, get_shift, list_posts, post_shifts,
                    set_post_status, shift_end, shift_start)
from .reports import (community_member_ids, confirm_report_in, current_report_state,
                      get_report_in, list_report_ins, report_history, return_report_in,
                      submit_report_in, withdraw_report_in)
from .signups import (cancel_signup, district_open_shifts, roster, shift_counts, sign_up,
                      user_signups)


def data_files(folder: Path | None = None) -> list[Path]:
    """Every store file under the data folder (not temp or lock files)."""
    base = Path(folder) if folder else root()
    return sorted(p for p in base.rglob("*.json") if not p.name.startswith("."))


def open_store(data_dir) -> Path:
    """Point the store at data_dir and check every file; raise CorruptFile on the first bad one."""
    folder = set_root(data_dir)
    _files.forget_caches()
    for path in data_files(folder):
        _files.check_file(path)
    return folder


def is_empty() -> bool:
    return not data_files()
