"""Post cards of the public lists, each drawn once per entry of the cached list.

``store.open_posts`` hands out the same entry objects until something in the district's
open shifts changes (or the minute turns); then it builds new ones. A card depends on
nothing but its entry, the two display options and the script root, so its HTML is
kept beside the entry and a page of fifteen cards costs fifteen lookups instead of
fifteen renders. The cache holds the entry itself, so its ``id`` cannot be reused by
another object while the card is kept; it is emptied when it grows past KEPT_ENTRIES.
"""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

KEPT_ENTRIES = 8192  # more than the district's open posts (≈3,400 at district scale)

_kept: dict[int, tuple[dict, dict[tuple, Markup]]] = {}


def post_card_html(entry: dict, show_community: bool = True, limit: int = 3) -> Markup:
    """The card of one open post (``public/_post_card.html``)."""
    variant = (request.script_root, bool(show_community), int(limit))
    kept = _kept.get(id(entry))
    if kept is None or kept[0] is not entry:
        if len(_kept) >= KEPT_ENTRIES:
            _kept.clear()
        kept = _kept[id(entry)] = (entry, {})
    html = kept[1].get(variant)
    if html is None:
        html = kept[1][variant] = Markup(
            render_template(
                "public/_post_card.html",
                entry=entry,
                show_community=variant[1],
                limit=variant[2],
            )
        )
    return html
