"""The portal's store: the one package that touches TinyDB.

Views, templates, the mail and demo modules use only the names in ``__all__``
below; none of them imports a module of this package or builds a query. Inside,
one module or subpackage per feature, beside the shared parts:

    base.py        document keys, ids, the clock, refusals
    backend.py     the backend interface: documents by key, transactions, locks, blobs
    file_backend.py, _files.py   the embedded backend: TinyDB files in a data folder
    _postgres.py, pg_schema.py   the PostgreSQL backend (several app servers)
    places.py      streets and communities        people.py   a person's pointers
    audit.py       the admins' audit log          throttle.py rate limits
    backup.py      consistent snapshots            photos.py   re-encoded photos
    notifications.py  each person's inbox          stats.py    dashboard figures
    reminders.py   shift reminders, short shifts   outbox.py   e-mail waiting to be sent
    jobs.py        runs of the scheduled jobs      retention.py  photos and codes past their time
    reports.py     在职党员报到 (report-in, move, return, withdraw)
    skill_requests.py  申请确认专长: requests to confirm a skill, per community
    posts.py       分类设岗: posts and their shifts
    accounts/      users, reset codes, personal data (export, deletion)
    signups/       sign-up with a waiting list, shift changes, open lists, 为我推荐
    records/       attendance and hours, certificates and quarterly summaries
    lists/         三个清单: needs (and their figures), resources, projects; levels.py: the
                   street's and the district's lists (三级平台)
    whistles/      街道吹哨、部门报到: the list, raising, the flow, requests, figures
    grids.py, grid_members.py, grid_import.py   网格 and 楼门院: structure, placement, import
    appointments.py  appointed roles (网格员, 楼门院长, 小巷管家, 社区专员)   lanes.py 街巷
    hotline/       接诉即办: work orders (model, counters, orders, flow, escalate, feedback,
                   intake, importing); docs/HOTLINE.md
    hotline_rates.py, order_classes.py, proactive.py, monthly_topic.py   接诉即办 三率,
                   未诉先办 hot spots and tasks, 每月一题 across channels
    patrols.py     小巷管家巡查: patrols of lanes, findings, a finding turned into a need
    units.py       驻区单位: the registry, contacts, pledges, projects, needs, members
    council/       议事厅 and 五民工作法: halls and residents, proposals, comments and
                   meetings, votes with their ballots, projects' progress and ratings

Documents by key (the file backend keeps ``<key>.json`` in the data folder;
PostgreSQL one row per key)::

    places                           communities
    accounts/<0-f>                   accounts, sharded by phone number
    people/<uid[:2]>/<uid>           where a person's report-ins and sign-ups are kept
    communities/<cid>/main           report-ins, posts, shifts of one community;
                                     its needs, resources and projects (三个清单)
    communities/<cid>/signups-<YYYY-MM>   sign-ups for that month's shifts
    audit/<YYYY-MM>                  audit log of admin actions
    certificates/<YYYY>              service record certificates by serial
    throttle/<kind>                  rate-limit counters shared by all workers
    notifications/<0-f>/<uid>        each person's inbox
    whistles/<street>/<YYYY-MM>      whistles raised by a street that month (吹哨)
    whistles/<street>/open           the street's open whistles; requests: communities' requests
    hotline/orders/<YYYY-MM>/<NN>    接诉即办 orders received that month (bucket NN of 64)
    hotline/queue/<unit>/<NN>, hotline/numbers/<NN>, hotline/counts/<YYYY-MM>   lists, 工单编号, figures
    proactive/<sid>, topics/<YYYY-MM>   主动治理任务 of a street; 每月一题 chosen per scope
    streets/<sid>/patrols-<YYYY-MM>  小巷管家 patrols started that month, with their findings
    streets/<sid>/lists, district/lists   the street's and the district's 三个清单 (街道级, 区级)
    units/registry, units/<id>/main   驻区单位 and their contacts; what each unit did
    communities/<cid>/council        议事厅: residents, proposals, comments, meetings, votes
    communities/<cid>/ballots-<vid>-<0-f>  one vote's ballots, in 16 parts by voter digest
    resets                           hashed one-time password reset codes
    outbox/queue, sent-<YYYY-MM>     e-mail waiting (or failed) and sent
    jobs/runs, workers               the scheduled jobs' runs, the workers' heartbeats

Blobs: ``uploads/<cid>/<random>.jpg`` (needs' photos, re-encoded without EXIF) and
``uploads/w-<street>/<random>.jpg`` (whistles'). Lines: ``outbox/delivered``,
``outbox/failed``.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

# The names below are the store's interface: views and templates use only these.
from . import backend as docs
from . import backup, stats, throttle
from .backup import backups as list_backups
from .backup import restore as restore_backup
from .backup import snapshot as make_backup
from .backup import rotate as rotate_backups
from .backend import Backend, BackendUnavailable, use
from .base import NotFound, StoreError, now, valid_id
from ._files import CorruptFile
from .file_backend import FileBackend
from .appointments import COMMUNITY_ROLES as APPOINTED_COMMUNITY_ROLES
from .appointments import ROLE_NAMES as APPOINTMENT_ROLE_NAMES
from .appointments import STREET_ROLES as APPOINTED_STREET_ROLES
from .appointments import appoint, appointments_of, list_appointments
from .appointments import change_targets as change_appointment
from .appointments import holds as holds_appointment
from .appointments import revoke as revoke_appointment
from .grid_import import COLUMNS as GRID_IMPORT_COLUMNS
from .grid_import import apply_import as apply_grid_import
from .grid_import import plan_import as plan_grid_import
from .grid_members import check_place, grid_tree, place_member
from .grid_members import coverage as grid_coverage
from .grid_members import tree_version as grid_tree_version
from .grids import KINDS as BUILDING_KINDS
from .grids import (
    add_building,
    add_grid,
    building_label,
    delete_building,
    delete_grid,
    get_building,
    get_grid,
    update_building,
    update_grid,
)
from .grids import structure as grid_structure
from .lanes import add_lane, get_lane, list_lanes, rename_lane
from .hotline.counters import FIELDS as HOTLINE_COUNT_FIELDS
from .hotline.counters import counted_units as hotline_counted_units
from .hotline.counters import recount as hotline_recount
from .hotline.counters import unit_counts as hotline_counts
from .hotline.escalate import decide_extension as decide_hotline_extension
from .hotline.escalate import raise_whistle as raise_hotline_whistle
from .hotline.escalate import request_extension as request_hotline_extension
from .hotline.escalate import whistle_items as hotline_whistle_items
from .hotline.feedback import issue_status_link as issue_hotline_link
from .hotline.feedback import link_issued_at as hotline_link_issued_at
from .hotline.feedback import may_reveal as may_reveal_hotline_phone
from .hotline.feedback import order_of_need as hotline_order_of_need
from .hotline.feedback import public_view as hotline_public_view
from .hotline.feedback import rate_by_resident as rate_hotline_order
from .hotline.feedback import record_followup as record_hotline_followup
from .hotline.feedback import reveal_phone as reveal_hotline_phone
from .hotline.flow import answer as answer_hotline_order
from .hotline.flow import close as close_hotline_order
from .hotline.flow import contact as contact_hotline_caller
from .hotline.flow import dispatch as dispatch_hotline_order
from .hotline.flow import dispatch_targets as hotline_dispatch_targets
from .hotline.flow import dispatch_suggested as dispatch_hotline_suggested
from .hotline.flow import suggested_target as hotline_suggested_target
from .hotline.flow import duty_choices as hotline_duty_choices
from .hotline.flow import return_order as return_hotline_order
from .hotline.flow import sign as sign_hotline_order
from .hotline.importing import COLUMNS as HOTLINE_IMPORT_COLUMNS
from .hotline.importing import apply_import as apply_hotline_import
from .hotline.importing import plan_import as plan_hotline_import
from .hotline.importing import drop_staged as drop_staged_hotline_import
from .hotline.importing import stage_rows as stage_hotline_import
from .hotline.importing import staged_rows as staged_hotline_import
from .hotline.intake import create_manual as create_hotline_order
from .hotline.intake import from_finding as hotline_order_from_finding
from .hotline.intake import from_need as hotline_order_from_need
from .hotline.model import RATINGS as HOTLINE_RATINGS
from .hotline.model import STATES as HOTLINE_STATES
from .hotline.model import category as hotline_category
from .hotline.model import config as hotline_config
from .hotline.model import in_scope as hotline_in_scope
from .hotline.model import mask_phone as mask_hotline_phone
from .hotline.model import route_units as hotline_route_units
from .hotline.model import urgency as hotline_urgency
from .hotline.orders import get_order as get_hotline_order
from .hotline.orders import list_open as list_hotline_open
from .hotline.orders import page_open as page_hotline_open
from .hotline.orders import order_by_token as hotline_order_by_token
from .hotline.orders import order_for as hotline_order_for
from .hotline.orders import order_id_by_number as hotline_order_id_by_number
from .hotline.orders import order_months as hotline_order_months
from .hotline.orders import orders_of_month as hotline_orders_of_month
from .hotline_rates import RANK_RULE as HOTLINE_RANK_RULE
from .hotline_rates import RATE_DEFINITIONS as HOTLINE_RATE_DEFINITIONS
from .hotline_rates import basis as hotline_rates_basis
from .hotline_rates import community_table as hotline_community_rates
from .hotline_rates import department_table as hotline_department_rates
from .hotline_rates import public_figures as hotline_public_figures
from .hotline_rates import street_table as hotline_street_rates
from .hotline_rates import trend as hotline_rates_trend
from .hotline_rates import unit_figures as hotline_unit_rates
from .monthly_topic import get_topic as get_monthly_topic
from .monthly_topic import record_topic_result as record_monthly_topic_result
from .monthly_topic import set_topic as set_monthly_topic
from .monthly_topic import top_topic as top_monthly_topic
from .monthly_topic import topic_counts as monthly_topic_counts
from .monthly_topic import topic_trend as monthly_topic_trend
from .proactive import get_task as get_proactive_task
from .proactive import hotspots as hotline_hotspots
from .proactive import list_tasks as list_proactive_tasks
from .proactive import open_task as open_proactive_task
from .proactive import record_result as record_proactive_result
from .proactive import task_effect as proactive_task_effect
from .proactive import threshold as hotspot_threshold
from .patrols import categories as patrol_categories
from .patrols import add_finding as add_patrol_finding
from .patrols import finding_to_need as patrol_finding_to_need
from .patrols import get_finding as get_patrol_finding
from .patrols import purge_patrol_photos
from .patrols import (
    delete_patrol_photo,
    end_patrol,
    get_patrol,
    list_patrols,
    open_patrol,
    own_patrol,
    patrol_months,
    patrol_photo,
    patrol_stats,
    save_patrol_photo,
    start_patrol,
    steward_lane_ids,
    steward_streets,
)
from .liaison import community_overview as liaison_community_overview
from .liaison import overviews as liaison_overviews
from .liaison import guides as guides_community
from .liaison import (
    liaison_communities,
    liaison_overview,
    liaison_request,
    liaison_requests,
    liaison_whistle,
    overdue_need_days,
    overdue_needs,
)
from .lists.grid_needs import LEVEL_NAMES as NEED_LEVEL_NAMES
from .lists.grid_needs import close_in_grid as close_need_in_grid
from .lists.grid_needs import grid_needs, pass_up as pass_need_up
from .lists.grid_needs import routing_figures as grid_routing_figures
from .lists.grid_needs import add_up_routing as add_up_grid_routing
from .lists.grid_needs import routing_by_month as grid_routing_by_month
from .migrate import copy_store, digests as store_digests
from .pg_schema import SchemaError
from .settings import shared_secret_key
from .accounts.users import (
    DELETED_NAME,
    MAX_SESSIONS,
    PhoneTaken,
    all_users,
    anonymise_user,
    authenticate,
    change_password,
    confirm_skills,
    create_user,
    end_all_sessions,
    end_session,
    find_user_by_phone,
    get_user,
    has_any_user,
    list_admins,
    new_calendar_token,
    record_consent,
    session_is_live,
    set_disabled,
    set_password,
    start_session,
    update_profile,
    users_by_ids,
)
from .records.attendance import (
    ABSENT,
    ATTENDANCE_NAMES,
    PRESENT,
    adjust_hours,
    blocked_members,
    clear_no_show_block,
    confirm_hours,
    confirmed_hours_between,
    get_signup,
    hours_rows,
    mark_attendance,
    no_show_block,
    shift_hours,
    summarize_hours,
    user_no_shows,
)
from .audit import audit_months, list_audit, record_audit
from .records.certificates import (
    approve_certificate,
    community_certificates,
    community_quarter_summaries,
    decline_certificate,
    get_certificate,
    issue_certificate,
    mask_name,
    member_quarter_summary,
    normalize_serial,
    quarter_of,
    quarter_range,
    service_record,
    set_certificate_auto_approve,
    user_certificates,
    verified_certificate,
)
from .records.certificates import STATUS_NAMES as CERTIFICATE_STATUS_NAMES
from .records.certificates import auto_approves as certificate_auto_approves
from .signups.listing import open_post_count, open_posts
from .signups.matching import SLOT_NAMES, recommend_posts, recommend_shifts
from .photos import (
    MAX_NEED_PHOTOS,
    PHOTO_FORMATS_TEXT,
    PHOTO_MAX_BYTES,
    delete_need_photo,
    need_photo,
    need_photos,
    save_need_photo,
)
from .lists.need_stats import needs_stats
from .lists.needs import (
    add_need_note,
    close_need,
    create_need,
    create_post_for_need,
    get_need,
    list_needs,
    need_by_token,
    rate_need_by_resident,
    rating_source,
    recategorise_need,
    record_phone_followup,
    reopen_need,
    start_need,
)
from .notifications import KINDS as NOTIFICATION_KINDS
from .notifications import (
    erase_inbox,
    get_notification,
    inbox,
    has_key as has_notification_key,
    mail_notifications,
    mark_read,
    notification_settings,
    notify,
    save_notification_settings,
    unread_count,
)
from .reminders import REMINDER_HOURS, remind_upcoming, shift_reminders, underfilled_shifts
from .outbox import MAX_ATTEMPTS as OUTBOX_MAX_ATTEMPTS
from .outbox import (
    outbox_messages,
    outbox_summary,
    prune_sent as prune_sent_mail,
    retry_message as retry_outbox_message,
    sent_messages,
)
from .outbox import discard as outbox_discard
from .outbox import due_messages as outbox_due
from .outbox import reconcile as outbox_reconcile
from .outbox import record_delivered as outbox_delivered
from .outbox import record_failed as outbox_failed
from .outbox import delivering as outbox_delivering
from .outbox import sender_lock as outbox_sender_lock
from .jobs import claim as claim_job
from .jobs import finish as finish_job
from .jobs import heartbeat as worker_heartbeat
from .jobs import job_runs, last_runs, list_workers, period_done
from .retention import purge_need_photos, purge_reset_codes, purge_whistle_photos
from .places import (
    add_community,
    community_index,
    get_community,
    get_street,
    list_communities,
    list_streets,
)
from .posts import (
    copy_post,
    create_post,
    get_post,
    get_shift,
    list_posts,
    post_shifts,
    set_post_status,
    shift_end,
    shift_slot,
    required_skills,
    shift_start,
    wanted_skills,
)
from .accounts.privacy import delete_account, personal_data
from .lists.projects import (
    create_project,
    get_project,
    link_need,
    link_post,
    link_resource,
    list_projects,
    set_project_status,
    unlink_need,
    unlink_post,
    unlink_resource,
)
from .reports import (
    community_member_ids,
    confirm_report_in,
    current_report_state,
    get_report_in,
    list_report_ins,
    report_history,
    return_report_in,
    submit_report_in,
    withdraw_report_in,
)
from .skill_requests import (
    SKILL_CONFIRMED,
    SKILL_DECLINED,
    SKILL_PENDING,
    decide_skill_request,
    get_skill_request,
    list_skill_requests,
    member_skill_requests,
    request_skill,
)
from .accounts.resets import erase_reset_codes, issue_reset_code, redeem_reset_code
from .lists.resources import create_resource, get_resource, list_resources, update_resource
from .units import LEVELS as UNIT_LEVELS
from .units import appoint_contact as appoint_unit_contact
from .units import contact_history as unit_contact_history
from .units import join_project as unit_join_project
from .units import pledge_resource as unit_pledge_resource
from .units import pledge_targets as unit_pledge_targets
from .units import revoke_contact as revoke_unit_contact
from .units import take_need as unit_take_need
from .units import (
    choose_unit,
    chosen_unit,
    get_unit,
    list_units,
    register_unit,
    unit_activity,
    unit_choices,
    unit_communities,
    unit_contact,
    unit_member_hours,
    unit_quarter_letter,
    units_of_contact,
)
from .lists.levels import LEVEL_NAMES as AREA_LEVEL_NAMES
from .lists.levels import (
    area_entries,
    area_scope_name,
    create_area_need,
    create_area_project,
    create_area_resource,
    get_area_need,
    get_area_project,
    get_area_resource,
    link_area_project,
    list_area_needs,
    list_area_projects,
    list_area_resources,
    match_area_need,
    resolve_area_ref,
    set_area_project_status,
    unlink_area_project,
    unmatch_area_need,
    update_area_need,
    update_area_resource,
)
from .lists.need_matches import (
    match_community_need,
    need_match_candidates,
    need_matches,
    unmatch_community_need,
)
from .signups.shift_changes import (
    cancel_shift,
    cancelled_shifts,
    get_cancelled_shift,
    update_series,
    update_shift,
)
from .signups.listing import district_open_shifts
from .signups.signup import (
    cancel_signup,
    roster,
    shift_counts,
    sign_up,
    user_signups,
)
from .whistles.flow import (
    acknowledge,
    add_progress,
    arrive,
    close_whistle,
    escalate,
    finish,
    overdue_steps,
    resident_ratings,
    return_for_rework,
    start_verify,
)
from .whistles.requests import (
    decline_request,
    get_request,
    list_requests,
    need_requests,
    request_whistle,
)
from .whistles.core import (
    create_whistle,
    delete_whistle_photo,
    get_whistle,
    list_whistles,
    open_whistles,
    save_whistle_photo,
    whistle_photo,
)

from .lists.needs import RAISERS as NEED_RAISERS
from .lists.needs import STATUSES as NEED_STATUSES
from .lists.needs import URGENCIES as NEED_URGENCIES
from .lists.needs import NEED_LAT_RANGE, NEED_LNG_RANGE
from .lists.resources import KINDS as RESOURCE_KINDS
from .lists.resources import PROVIDERS as RESOURCE_PROVIDERS
from .stats import (
    add_up_figures,
    figures_by_community,
    figures_by_street,
    hours_by_category,
    hours_by_category_and_month,
    hours_by_month,
    last_months,
    month_label,
    no_show_rate,
    pending_report_ins_by_community,
    posts_fill_rate,
    reported_members_by_community,
)
from .throttle import attempt as throttle_attempt
from .throttle import blocked as throttle_blocked
from .throttle import clear as throttle_clear
from .throttle import clear_account as throttle_clear_account
from .throttle import give_back as throttle_give_back
from .throttle import hit as throttle_hit
from .throttle import settle as throttle_settle
from .throttle import take as throttle_take
from .whistles.catalog import DEPTS_DONE as WHISTLE_DEPTS_DONE
from .whistles.catalog import R_PENDING as REQUEST_PENDING
from .whistles.catalog import REPORTED as WHISTLE_REPORTED
from .whistles.catalog import STATUSES as WHISTLE_STATUSES
from .whistles.catalog import STEPS as WHISTLE_STEPS
from .whistles.catalog import departments, get_department, get_item, whistle_data
from .whistles.stats import (
    department_scorecard,
    item_counts,
    month_list,
    monthly_report,
    period_of,
    street_figures,
    top_whistle_item,
)

from .council.board import council_figures, hall_board
from .council.board import board_fragment as council_board_fragment
from .council.board import hall_counts as council_hall_counts
from .council.board import halls_fragment as council_halls_fragment
from .council.discussion import comment as comment_proposal
from .council.discussion import (
    comments_of,
    find_meeting_by_code,
    get_meeting,
    hide_comment,
    list_meetings,
    meetings_of_proposal,
    record_minutes,
    schedule_meeting,
    signin_window,
)
from .council.discussion import sign_in as meeting_sign_in
from .council.doing import add_progress as add_project_progress
from .council.doing import has_rated, progress_of, rating_open, rating_summary
from .council.doing import rate as rate_project
from .council.doing import start_project as start_council_project
from .council.doing import project_posts as council_project_posts
from .council.halls import CONFIRMED as RESIDENT_CONFIRMED
from .council.halls import MODES as COUNCIL_VOTE_MODES
from .council.halls import PENDING as RESIDENT_PENDING
from .council.halls import confirm_resident, head_covers, heads_buildings, register_home
from .council.halls import electorate as council_electorate
from .council.halls import hall_of as council_hall
from .council.halls import in_scope as council_in_scope
from .council.halls import scope_of as council_scope_of
from .council.halls import list_halls as council_halls
from .council.halls import list_residents as council_residents
from .council.halls import may_confirm as may_confirm_resident
from .council.halls import remove_resident
from .council.halls import resident as council_resident
from .council.halls import rules as council_rules
from .council.halls import set_vote_mode as set_council_vote_mode
from .council.halls import vote_mode as council_vote_mode
from .council.proposals import STAGES as COUNCIL_STAGES
from .council.proposals import decline as decline_proposal
from .council.proposals import get_proposal, list_proposals, proposal_photo, propose
from .council.proposals import merge as merge_proposal
from .council.proposals import stage_of as proposal_stage
from .council.proposals import support as support_proposal
from .council.proposals import threshold as support_threshold
from .council.votes import CHOICES as VOTE_CHOICES
from .council.votes import cast_vote, close_due_votes, close_vote, get_vote, open_vote
from .council.votes import mode_name as vote_mode_name
from .council.votes import my_choice as my_vote_choice
from .council.votes import recount as recount_vote
from .council.votes import window_over as vote_window_over

# Every backend this process opened, so that ``close_backends`` can let go of their
# connections (tests open hundreds; a server closes its own at exit).
_opened: weakref.WeakSet[Backend] = weakref.WeakSet()


def open_backend(target, backup_dir=None) -> Backend:
    """The backend for ``target``: a ``postgresql://`` URL, or a data folder (files)."""
    text = os.fspath(target)
    backend: Backend
    if isinstance(text, str) and text.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresBackend

        backend = PostgresBackend(text, backup_dir=backup_dir)
    else:
        backend = FileBackend(text, backup_dir=backup_dir)
    _opened.add(backend)
    return backend


def close_backends() -> None:
    """Close the connections of every backend this process opened."""
    for backend in list(_opened):
        backend.close()


def open_store(target, backup_dir=None) -> Backend:
    """Open the store at ``target`` (a data folder or a ``postgresql://`` URL), finish what
    a crash interrupted, check it, and bind it to the running context. Raises CorruptFile
    on the first bad file, SchemaError on a database of another schema version."""
    backend = open_backend(target, backup_dir)
    backend.check()
    use(backend)
    return backend


def current_backend() -> Backend:
    return docs.current()


def is_empty() -> bool:
    return docs.current().is_empty()


def store_health() -> dict:
    """{"error": None or the cause, "free_bytes", "backend"}: can the store save now."""
    return docs.current().health()


# The store's interface: views, templates, mail and demo use only these names.
__all__ = [
    "HOTLINE_COUNT_FIELDS",
    "hotline_counted_units",
    "hotline_recount",
    "hotline_counts",
    "decide_hotline_extension",
    "raise_hotline_whistle",
    "request_hotline_extension",
    "hotline_whistle_items",
    "issue_hotline_link",
    "hotline_link_issued_at",
    "may_reveal_hotline_phone",
    "hotline_order_of_need",
    "hotline_public_view",
    "rate_hotline_order",
    "record_hotline_followup",
    "reveal_hotline_phone",
    "answer_hotline_order",
    "close_hotline_order",
    "contact_hotline_caller",
    "dispatch_hotline_order",
    "hotline_dispatch_targets",
    "dispatch_hotline_suggested",
    "hotline_suggested_target",
    "hotline_duty_choices",
    "return_hotline_order",
    "sign_hotline_order",
    "HOTLINE_IMPORT_COLUMNS",
    "apply_hotline_import",
    "plan_hotline_import",
    "drop_staged_hotline_import",
    "stage_hotline_import",
    "staged_hotline_import",
    "create_hotline_order",
    "hotline_order_from_finding",
    "hotline_order_from_need",
    "HOTLINE_RATINGS",
    "HOTLINE_STATES",
    "hotline_category",
    "hotline_config",
    "hotline_in_scope",
    "mask_hotline_phone",
    "hotline_route_units",
    "hotline_urgency",
    "get_hotline_order",
    "list_hotline_open",
    "page_hotline_open",
    "hotline_order_by_token",
    "hotline_order_for",
    "HOTLINE_RANK_RULE",
    "HOTLINE_RATE_DEFINITIONS",
    "hotline_rates_basis",
    "hotline_community_rates",
    "hotline_department_rates",
    "hotline_public_figures",
    "hotline_street_rates",
    "hotline_rates_trend",
    "hotline_unit_rates",
    "get_monthly_topic",
    "record_monthly_topic_result",
    "set_monthly_topic",
    "top_monthly_topic",
    "monthly_topic_counts",
    "monthly_topic_trend",
    "get_proactive_task",
    "hotline_hotspots",
    "list_proactive_tasks",
    "open_proactive_task",
    "record_proactive_result",
    "proactive_task_effect",
    "hotspot_threshold",
    "hotline_order_id_by_number",
    "hotline_order_months",
    "hotline_orders_of_month",
    "ABSENT",
    "acknowledge",
    "approve_certificate",
    "certificate_auto_approves",
    "CERTIFICATE_STATUS_NAMES",
    "community_certificates",
    "decline_certificate",
    "normalize_serial",
    "set_certificate_auto_approve",
    "verified_certificate",
    "add_community",
    "add_need_note",
    "add_progress",
    "add_up_figures",
    "adjust_hours",
    "all_users",
    "anonymise_user",
    "arrive",
    "ATTENDANCE_NAMES",
    "audit_months",
    "authenticate",
    "list_backups",
    "rotate_backups",
    "has_notification_key",
    "mail_notifications",
    "notification_settings",
    "save_notification_settings",
    "REMINDER_HOURS",
    "shift_reminders",
    "underfilled_shifts",
    "OUTBOX_MAX_ATTEMPTS",
    "outbox_messages",
    "outbox_summary",
    "outbox_discard",
    "outbox_due",
    "outbox_reconcile",
    "outbox_delivered",
    "outbox_failed",
    "outbox_delivering",
    "outbox_sender_lock",
    "prune_sent_mail",
    "retry_outbox_message",
    "sent_messages",
    "claim_job",
    "finish_job",
    "worker_heartbeat",
    "job_runs",
    "last_runs",
    "list_workers",
    "period_done",
    "purge_need_photos",
    "purge_reset_codes",
    "purge_whistle_photos",
    "make_backup",
    "restore_backup",
    "blocked_members",
    "cancel_shift",
    "cancel_signup",
    "cancelled_shifts",
    "change_password",
    "clear_no_show_block",
    "close_need",
    "close_whistle",
    "community_index",
    "community_member_ids",
    "community_quarter_summaries",
    "confirm_hours",
    "confirm_report_in",
    "confirm_skills",
    "confirmed_hours_between",
    "copy_post",
    "CorruptFile",
    "create_need",
    "create_post",
    "create_post_for_need",
    "create_project",
    "create_resource",
    "create_user",
    "create_whistle",
    "current_report_state",
    "Backend",
    "BackendUnavailable",
    "current_backend",
    "FileBackend",
    "open_backend",
    "purge_patrol_photos",
    "NEED_LEVEL_NAMES",
    "close_need_in_grid",
    "grid_needs",
    "pass_need_up",
    "add_up_grid_routing",
    "grid_routing_by_month",
    "grid_routing_figures",
    "APPOINTED_COMMUNITY_ROLES",
    "APPOINTMENT_ROLE_NAMES",
    "APPOINTED_STREET_ROLES",
    "appoint",
    "appointments_of",
    "list_appointments",
    "change_appointment",
    "holds_appointment",
    "revoke_appointment",
    "GRID_IMPORT_COLUMNS",
    "apply_grid_import",
    "plan_grid_import",
    "check_place",
    "grid_tree",
    "place_member",
    "grid_coverage",
    "grid_tree_version",
    "BUILDING_KINDS",
    "add_building",
    "add_grid",
    "building_label",
    "delete_building",
    "delete_grid",
    "get_building",
    "get_grid",
    "update_building",
    "update_grid",
    "grid_structure",
    "add_lane",
    "get_lane",
    "list_lanes",
    "rename_lane",
    "patrol_categories",
    "add_patrol_finding",
    "patrol_finding_to_need",
    "get_patrol_finding",
    "delete_patrol_photo",
    "end_patrol",
    "get_patrol",
    "list_patrols",
    "open_patrol",
    "own_patrol",
    "patrol_months",
    "patrol_photo",
    "patrol_stats",
    "save_patrol_photo",
    "start_patrol",
    "steward_lane_ids",
    "steward_streets",
    "liaison_community_overview",
    "liaison_overviews",
    "guides_community",
    "liaison_communities",
    "liaison_overview",
    "liaison_request",
    "liaison_requests",
    "liaison_whistle",
    "overdue_need_days",
    "overdue_needs",
    "copy_store",
    "store_digests",
    "close_backends",
    "store_health",
    "SchemaError",
    "shared_secret_key",
    "init_database",
    "use",
    "decline_request",
    "delete_account",
    "delete_need_photo",
    "delete_whistle_photo",
    "DELETED_NAME",
    "end_all_sessions",
    "end_session",
    "department_scorecard",
    "departments",
    "district_open_shifts",
    "erase_inbox",
    "erase_reset_codes",
    "escalate",
    "figures_by_community",
    "figures_by_street",
    "find_user_by_phone",
    "finish",
    "get_cancelled_shift",
    "get_certificate",
    "get_community",
    "get_department",
    "get_item",
    "get_need",
    "get_notification",
    "get_post",
    "get_project",
    "get_report_in",
    "get_request",
    "get_resource",
    "get_shift",
    "get_signup",
    "get_street",
    "get_user",
    "get_whistle",
    "has_any_user",
    "hours_by_category",
    "hours_by_category_and_month",
    "hours_by_month",
    "hours_rows",
    "inbox",
    "is_empty",
    "issue_certificate",
    "issue_reset_code",
    "item_counts",
    "last_months",
    "link_need",
    "link_post",
    "link_resource",
    "list_admins",
    "list_audit",
    "list_communities",
    "list_needs",
    "list_posts",
    "list_projects",
    "list_report_ins",
    "list_requests",
    "list_resources",
    "list_streets",
    "list_whistles",
    "mark_attendance",
    "mark_read",
    "mask_name",
    "MAX_SESSIONS",
    "member_quarter_summary",
    "month_label",
    "month_list",
    "monthly_report",
    "need_by_token",
    "rate_need_by_resident",
    "rating_source",
    "record_phone_followup",
    "need_photo",
    "need_requests",
    "need_photos",
    "NEED_LAT_RANGE",
    "NEED_LNG_RANGE",
    "MAX_NEED_PHOTOS",
    "PHOTO_FORMATS_TEXT",
    "PHOTO_MAX_BYTES",
    "NEED_RAISERS",
    "NEED_STATUSES",
    "NEED_URGENCIES",
    "needs_stats",
    "new_calendar_token",
    "no_show_block",
    "no_show_rate",
    "NotFound",
    "NOTIFICATION_KINDS",
    "notify",
    "now",
    "open_post_count",
    "open_posts",
    "open_store",
    "open_whistles",
    "overdue_steps",
    "resident_ratings",
    "pending_report_ins_by_community",
    "period_of",
    "personal_data",
    "PhoneTaken",
    "post_shifts",
    "posts_fill_rate",
    "PRESENT",
    "quarter_of",
    "quarter_range",
    "recategorise_need",
    "recommend_posts",
    "recommend_shifts",
    "record_audit",
    "record_consent",
    "redeem_reset_code",
    "remind_upcoming",
    "reopen_need",
    "report_history",
    "reported_members_by_community",
    "REQUEST_PENDING",
    "request_whistle",
    "RESOURCE_KINDS",
    "RESOURCE_PROVIDERS",
    "return_for_rework",
    "return_report_in",
    "required_skills",
    "SKILL_CONFIRMED",
    "SKILL_DECLINED",
    "SKILL_PENDING",
    "decide_skill_request",
    "get_skill_request",
    "list_skill_requests",
    "member_skill_requests",
    "request_skill",
    "roster",
    "save_need_photo",
    "save_whistle_photo",
    "service_record",
    "session_is_live",
    "set_disabled",
    "set_password",
    "set_post_status",
    "set_project_status",
    "shift_counts",
    "shift_end",
    "shift_hours",
    "shift_slot",
    "shift_start",
    "sign_up",
    "SLOT_NAMES",
    "start_session",
    "start_need",
    "start_verify",
    "StoreError",
    "street_figures",
    "submit_report_in",
    "summarize_hours",
    "throttle_attempt",
    "throttle_blocked",
    "throttle_clear",
    "throttle_clear_account",
    "throttle_give_back",
    "throttle_hit",
    "throttle_settle",
    "throttle_take",
    "top_whistle_item",
    "unlink_need",
    "unlink_post",
    "unlink_resource",
    "unread_count",
    "update_profile",
    "update_resource",
    "update_series",
    "update_shift",
    "user_certificates",
    "user_no_shows",
    "user_signups",
    "users_by_ids",
    "valid_id",
    "wanted_skills",
    "whistle_data",
    "WHISTLE_DEPTS_DONE",
    "whistle_photo",
    "WHISTLE_REPORTED",
    "WHISTLE_STATUSES",
    "WHISTLE_STEPS",
    "withdraw_report_in",
    "AREA_LEVEL_NAMES",
    "area_entries",
    "area_scope_name",
    "create_area_need",
    "create_area_project",
    "create_area_resource",
    "get_area_need",
    "get_area_project",
    "get_area_resource",
    "link_area_project",
    "list_area_needs",
    "list_area_projects",
    "list_area_resources",
    "match_area_need",
    "match_community_need",
    "need_match_candidates",
    "need_matches",
    "unmatch_community_need",
    "resolve_area_ref",
    "set_area_project_status",
    "unlink_area_project",
    "unmatch_area_need",
    "update_area_need",
    "update_area_resource",
    "UNIT_LEVELS",
    "appoint_unit_contact",
    "unit_contact_history",
    "unit_join_project",
    "unit_pledge_resource",
    "unit_pledge_targets",
    "revoke_unit_contact",
    "unit_take_need",
    "choose_unit",
    "chosen_unit",
    "get_unit",
    "list_units",
    "register_unit",
    "unit_activity",
    "unit_choices",
    "unit_communities",
    "unit_contact",
    "unit_member_hours",
    "unit_quarter_letter",
    "units_of_contact",
    # 议事厅 and 五民工作法
    "council_figures",
    "council_board_fragment",
    "hall_board",
    "council_hall_counts",
    "council_halls_fragment",
    "comment_proposal",
    "comments_of",
    "find_meeting_by_code",
    "get_meeting",
    "hide_comment",
    "list_meetings",
    "meetings_of_proposal",
    "record_minutes",
    "schedule_meeting",
    "signin_window",
    "meeting_sign_in",
    "add_project_progress",
    "has_rated",
    "progress_of",
    "rating_open",
    "rating_summary",
    "rate_project",
    "start_council_project",
    "council_project_posts",
    "RESIDENT_CONFIRMED",
    "COUNCIL_VOTE_MODES",
    "RESIDENT_PENDING",
    "confirm_resident",
    "head_covers",
    "heads_buildings",
    "register_home",
    "council_electorate",
    "council_hall",
    "council_in_scope",
    "council_scope_of",
    "council_halls",
    "council_residents",
    "may_confirm_resident",
    "remove_resident",
    "council_resident",
    "council_rules",
    "set_council_vote_mode",
    "council_vote_mode",
    "COUNCIL_STAGES",
    "decline_proposal",
    "get_proposal",
    "list_proposals",
    "propose",
    "proposal_photo",
    "merge_proposal",
    "proposal_stage",
    "support_proposal",
    "support_threshold",
    "VOTE_CHOICES",
    "cast_vote",
    "close_vote",
    "close_due_votes",
    "get_vote",
    "open_vote",
    "vote_mode_name",
    "my_vote_choice",
    "recount_vote",
    "vote_window_over",
]


def init_database(url: str) -> list[int]:
    """Create or upgrade the PostgreSQL schema (``run.py init-db``); the versions applied."""
    from ._postgres import init_database as init

    return init(url)
