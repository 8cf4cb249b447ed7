"""Where a need is: the 楼门院 text, a typed address and, when an admin configured a tile
server, a point picked on a map (``needmap.js``).

``MAP_TILE_URL`` (config, env ``PORTAL_MAP_TILE_URL``) is a tile address with ``{z}``, ``{x}``
and ``{y}``, such as ``https://tiles.example.org/{z}/{x}/{y}.png`` or a path on this site
(``/tiles/{z}/{x}/{y}.png``). Empty (the default): no map at all, and the pages load
nothing from another host. Set: the need forms show the map, and their pages' CSP lets
images come from the tile server's origin (nothing else changes).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from ..security import PORTAL_CSP

# The map opens on 东城区 (the district the portal serves).
CENTER = (39.9288, 116.4164)
ZOOM = 15


def tile_url() -> str:
    """The configured tile address, or "" when there is none (or it is not usable)."""
    url = str(current_app.config.get("MAP_TILE_URL") or "").strip()
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        return ""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    return url if url.startswith("/") and not url.startswith("//") else ""


def map_settings() -> dict | None:
    """What the map needs (data-* attributes of its element), None when there is no map."""
    url = tile_url()
    if not url:
        return None
    return {
        "tiles": url,
        "attribution": str(
            current_app.config.get("MAP_ATTRIBUTION") or "地图图块：管理员配置的地图服务"
        ),
        "lat": CENTER[0],
        "lng": CENTER[1],
        "zoom": ZOOM,
    }


def allow_tiles(response):
    """The response, its CSP letting images come from the tile server (when one is set)."""
    parts = urlsplit(tile_url())
    if parts.scheme in ("http", "https") and parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}"
        response.headers["Content-Security-Policy"] = PORTAL_CSP.replace(
            "img-src 'self' data:", f"img-src 'self' data: {origin}"
        )
    return response
