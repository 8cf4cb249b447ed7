"""Configuration: defaults, the data folder and its generated secret key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "SITE_DIR": str(ROOT / "site"),
    "CANCEL_DEADLINE_HOURS": 2,
    # Absences that block new sign-ups until an admin clears them: this many within these days.
    # Failed logins allowed per account and per address within the window (seconds).
    "LOGIN_LIMIT_PER_ACCOUNT": 5,
    "LOGIN_LIMIT_PER_ADDRESS": 30,
    "LOGIN_WINDOW": 15 * 60,
    "NO_SHOW_LIMIT": 2,
    "NO_SHOW_DAYS": 90,
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    # Flask-WTF only honours the forms' Meta.locales (Chinese) with this off.
    "WTF_I18N_ENABLED": False,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("PORTAL_HTTPS") == "1",
    "SESSION_COOKIE_NAME": "portal_session",
    "PERMANENT_SESSION_LIFETIME": 7 * 24 * 3600,
    "CONSENT_VERSION": "2026-11",
    # E-mail copies of notifications: off unless SMTP_HOST is set (env PORTAL_SMTP_HOST).
    "SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", ""),
    "SMTP_PORT": int(os.environ.get("PORTAL_SMTP_PORT", "25")),
    "SMTP_FROM": os.environ.get("PORTAL_SMTP_FROM", "noreply@localhost"),
    "SMTP_TIMEOUT": 10,
}


def default_data_dir() -> str:
    return os.environ.get("PORTAL_DATA_DIR") or str(ROOT / "data")


def load_secret_key(data_dir: Path) -> str:
    """The key in <data>/secret_key, created (mode 600) on first run; never a default."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first: use theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"密钥文件 {path} 内容无效，请删除后重新启动以生成新密钥。")
    return key
