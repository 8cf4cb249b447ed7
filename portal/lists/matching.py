"""A community's need matched with resources beyond the community's own list (区域化党建):
its street's resources (a 驻区单位's pledge at street level among them) and the
district's, besides its own. The picker is on the need's page (``needs.need``); these
are its two actions. The store decides what is inside the community's reach: another
street's or another community's resource is a 404, never a match.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for

from forms.area_lists import RefForm

from .. import admin as _admin
from .. import auth, store
from .needs import bp


def _match_or_404(cid: str, nid: str, ref: tuple[str, str, str]) -> dict:
    """A resource outside the community's reach, named by hand, is a 404 (the store's
    NotFound), not a refusal flashed on the need's page."""
    try:
        return store.match_community_need(cid, nid, ref, g.user["uid"])
    except store.NotFound:
        abort(404)


def _ref_name(entry: dict) -> str:
    item = entry["item"] or {}
    return f"【{entry['level_name']}】{entry['scope_name']} · {item.get('name', '')}"


@bp.route("/needs/<nid>/match", methods=["POST"])
def match_need(cid: str, nid: str):
    """Match a resource of the community's, its street's or the district's list."""
    community = auth.admin_community_or_404(cid)
    store.get_need(cid, nid)
    form = RefForm()
    value = form.ref.data or ""
    form.ref.choices = [(value, value)] if value else []

    def done(need):
        entry = store.resolve_area_ref("resource", need["matches"][-1])
        _admin.audit(community, "需求匹配资源", f"需求 {nid}", None, _ref_name(entry))
        flash(f"已匹配资源：{entry['item']['name']}。", "success")

    _admin.form_action(
        form,
        lambda f: _match_or_404(cid, nid, f.parts()),
        done,
        "请选择要匹配的资源。",
    )
    return redirect(url_for(".need", cid=cid, nid=nid))


@bp.route("/needs/<nid>/unmatch", methods=["POST"])
def unmatch_need(cid: str, nid: str):
    """Take a matched resource off the need."""
    community = auth.admin_community_or_404(cid)
    need = store.get_need(cid, nid)
    form = RefForm()
    form.ref.choices = [
        (f"{m['level']}:{m['scope']}:{m['id']}", "") for m in need.get("matches") or []
    ]

    def done(_need):
        _admin.audit(community, "需求取消匹配", f"需求 {nid}", f"资源 {form.ref.data}", None)
        flash("已取消匹配。", "success")

    _admin.form_action(
        form,
        lambda f: store.unmatch_community_need(cid, nid, f.parts()),
        done,
        "请选择要取消匹配的资源。",
    )
    return redirect(url_for(".need", cid=cid, nid=nid))
