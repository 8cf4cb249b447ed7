"""我要反映问题 / 随手拍: a resident finds their community — by street, or by searching its
name — and goes on to the community's need form. Works without JavaScript: the street
and the search are one GET form, the results are plain links."""

from __future__ import annotations

from flask import render_template, request

from .. import store
from .views import bp

QUERY_MAX = 30


def _matches(communities: list[dict], query: str) -> list[dict]:
    """Communities whose name holds the query (ignoring case and spaces)."""
    wanted = "".join(query.split()).casefold()
    return [c for c in communities if wanted in "".join(c["name"].split()).casefold()]


@bp.route("/report")
def report():
    """Pick the community to report a problem to: the 17 streets, a street's communities,
    or the communities whose name matches ``q`` (within ``street`` when both are given)."""
    streets = store.list_streets()
    names = {s["id"]: s["name"] for s in streets}
    street = request.args.get("street", "")
    if street not in names:
        street = ""
    query = " ".join(request.args.get("q", "").split())[:QUERY_MAX]
    everyone = store.list_communities()
    counts = {s: sum(1 for c in everyone if c["street_id"] == s) for s in names}
    results = None
    if query or street:
        results = [c for c in everyone if not street or c["street_id"] == street]
        if query:
            results = _matches(results, query)
    # A search naming a street ("东四") also points to that street's whole list.
    street_hits = (
        [s for s in streets if query in s["name"] and s["id"] != street and counts[s["id"]]]
        if query
        else []
    )
    return render_template(
        "public/report.html",
        streets=streets,
        street_names=names,
        counts=counts,
        street=street,
        query=query,
        results=results,
        street_hits=street_hits,
    )
