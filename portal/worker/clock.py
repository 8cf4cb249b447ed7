"""The worker's clock: the real Beijing time, or a test's.

``PORTAL_CLOCK_FILE`` names a file holding ``YYYY-MM-DD HH:MM:SS`` (read on every tick,
so a test can move time forward for running workers); ``PORTAL_CLOCK`` is a fixed time.
Neither is set in production.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .. import store

FORMAT = "%Y-%m-%d %H:%M:%S"


def now() -> datetime:
    text = ""
    path = os.environ.get("PORTAL_CLOCK_FILE")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            text = ""
    text = text or os.environ.get("PORTAL_CLOCK", "").strip()
    return datetime.strptime(text, FORMAT) if text else store.now()
