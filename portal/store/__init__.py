"""The portal's store: the one package that touches TinyDB.

Views and templates call the named functions re-exported here; none of them
builds a query. Layout of the data folder::

    places.json                      communities
    accounts/<0-f>.json              accounts, sharded by phone number
    people/<uid[:2]>/<uid>.json      where a person's report-ins and sign-ups are kept
    communities/<cid>/main.json      report-ins, posts, shifts of one community;
                                     its needs, resources and projects (三个清单)
    communities/<cid>/signups-<YYYY-MM>.json   sign-ups for that month's shifts
    audit/<YYYY-MM>.json             audit log of admin actions
    certificates/<YYYY>.json         service record certificates by serial
    throttle/<kind>.json             rate-limit counters shared by all workers
    uploads/<cid>/<random>.jpg       photos of needs, re-encoded without EXIF
    notifications/<0-f>/<uid>.json   each person's inbox
    whistles/<street>/<YYYY-MM>.json whistles raised by a street that month (吹哨)
    whistles/<street>/open.json      the street's open whistles; requests.json: communities' requests
    uploads/w-<street>/<random>.jpg  photos of whistles
    resets.json                      hashed one-time password reset codes
    locks/                           lock files (flock)
"""
from __future__ import annotations

from pathlib import Path

# The names below are the store's interface: views and templates use only these.
from . import _files, backup, stats, throttle, whistle_stats
from ._common import NotFound, StoreError, now, root, set_root, valid_id
from ._files import CorruptFile
from .accounts import (DELETED_NAME, all_users, anonymise_user, authenticate, change_password,
                       confirm_skills, create_user, find_user_by_phone, get_user, has_any_user,
                       list_admins, new_calendar_token, record_consent, set_disabled,
                       set_password, update_profile, users_by_ids)
from .attendance import (ABSENT, ATTENDANCE_NAMES, PRESENT, adjust_hours, blocked_members,
                         clear_no_show_block, confirm_hours, confirmed_hours_between,
                         get_signup, hours_rows, mark_attendance, no_show_block, shift_hours,
                         summarize_hours, user_no_shows)
from .audit import audit_months, list_audit, record_audit
from .certificates import (community_quarter_summaries, get_certificate, issue_certificate,
                           mask_name, member_quarter_summary, quarter_of, quarter_range,
                           service_record, user_certificates)
from .listing import open_post_count, open_posts
from .matching import SLOT_NAMES, recommend_shifts
from .need_photos import delete_need_photo, need_photo_path, save_need_photo
from .need_stats import needs_stats, top_need_category
from .needs import (add_need_note, close_need, create_need, create_post_for_need, get_need,
                    list_needs, need_by_token, reopen_need, start_need)
from .notifications import KINDS as NOTIFICATION_KINDS
from .notifications import (erase_inbox, get_notification, inbox, mark_read, notify,
                            remind_upcoming, unread_count)
from .places import (add_community, community_index, get_community, get_street,
                     list_communities, list_streets)
from .posts import (copy_post, create_post, get_post, get_shift, list_posts, post_shifts,
                    set_post_status, shift_end, shift_slot, shift_start, wanted_skills)
from .privacy import delete_account, personal_data
from .projects import (create_project, get_project, link_need, link_post, link_resource,
                       list_projects, set_project_status, unlink_need, unlink_post,
                       unlink_resource)
from .reports import (community_member_ids, confirm_report_in, current_report_state,
                      get_report_in, list_report_ins, report_history, return_report_in,
                      submit_report_in, withdraw_report_in)
from .resets import erase_reset_codes, issue_reset_code, redeem_reset_code
from .resources import create_resource, get_resource, list_resources, update_resource
from .shift_changes import cancel_shift, cancelled_shifts, get_cancelled_shift, update_shift
from .signups import (cancel_signup, district_open_shifts, roster, shift_counts, sign_up,
                      user_signups)
from .whistle_flow import (acknowledge, add_progress, arrive, close_whistle, escalate, finish,
                           overdue_steps, return_for_rework, start_verify)
from .whistle_requests import decline_request, get_request, list_requests, request_whistle
from .whistles import (create_whistle, delete_whistle_photo, get_whistle, list_whistles,
                       open_whistles, save_whistle_photo, whistle_photo_path)


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
    if not (folder / _files.DISTRICT_STAMP).exists():
        _files.touch_district_stamp(folder)
    return folder


def is_empty() -> bool:
    return not data_files()
