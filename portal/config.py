"""Configuration: defaults, the data folder and its generated secret key."""

from __future__ import annotations

import contextlib
import gc
import os
import secrets
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "SITE_DIR": str(ROOT / "site"),
    "CANCEL_DEADLINE_HOURS": 2,
    # Failed logins allowed per account and per address within the window (seconds); an
    # address that failed this often on one account is locked for it, and a locked account
    # gives each other address one try (see portal/store/throttle.py).
    "LOGIN_LIMIT_PER_ACCOUNT": 5,
    "LOGIN_LIMIT_PER_ADDRESS": 30,
    "LOGIN_WINDOW": 15 * 60,
    # Registrations refused (the phone has an account) per address within the window.
    "REGISTER_LIMIT_PER_ADDRESS": 10,
    "REGISTER_WINDOW": 60 * 60,
    # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are trusted
    # (env PORTAL_PROXY_HOPS); 0 trusts none: the address is the connection's.
    "PROXY_HOPS": 0,
    # Absences that block new sign-ups until an admin clears them: this many within these days.
    "NO_SHOW_LIMIT": 2,
    "NO_SHOW_DAYS": 90,
    # Days after a need is closed during which its resident may rate it on the status link.
    "RESIDENT_RATING_DAYS": int(os.environ.get("PORTAL_RESIDENT_RATING_DAYS", "14")),
    # A request at most: three photos of 25 MB (NEED_PHOTO_MAX_BYTES) and the form; a larger
    # photo is refused by the view beside its field, every typed field kept (portal/uploads.py).
    "MAX_CONTENT_LENGTH": 80 * 1024 * 1024,
    # Map tiles for picking where a need is ({z}/{x}/{y}); empty: no map, address only.
    "MAP_TILE_URL": os.environ.get("PORTAL_MAP_TILE_URL", ""),
    # Flask-WTF only honours the forms' Meta.locales (Chinese) with this off.
    "WTF_I18N_ENABLED": False,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("PORTAL_HTTPS") == "1",
    "SESSION_COOKIE_NAME": "portal_session",
    "PERMANENT_SESSION_LIFETIME": 7 * 24 * 3600,
    # A session's cookie is re-signed (its expiry slid forward) at most this often, in
    # seconds, instead of on every response: signing is a tenth of a signed-in page's cost.
    "SESSION_REFRESH_AFTER": 600,
    "CONSENT_VERSION": "2026-11",
    # E-mail copies of notifications: off unless SMTP_HOST is set (env PORTAL_SMTP_HOST).
    "SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", ""),
    "SMTP_PORT": int(os.environ.get("PORTAL_SMTP_PORT", "25")),
    "SMTP_FROM": os.environ.get("PORTAL_SMTP_FROM", "noreply@localhost"),
    "SMTP_TIMEOUT": 10,
    # Links in e-mail sent by the worker (no request to take the address from).
    "PUBLIC_URL": os.environ.get("PORTAL_PUBLIC_URL", "http://127.0.0.1:5000"),
    # Scheduled jobs (python run.py worker; inside python run.py by default): nightly backups
    # kept, and how long photos of closed needs and whistles and expired reset codes are
    # kept (示例 values: set them to the district's rules).
    "BACKUP_KEEP": int(os.environ.get("PORTAL_BACKUP_KEEP", "14")),
    # Where backups go: <data folder>/backups on the file store; on PostgreSQL this
    # folder (env PORTAL_BACKUP_DIR, default ./backups).
    "BACKUP_DIR": os.environ.get("PORTAL_BACKUP_DIR") or None,
    "PHOTO_RETENTION_DAYS": int(os.environ.get("PORTAL_PHOTO_RETENTION_DAYS", "365")),
    "RESET_CODE_RETENTION_DAYS": int(os.environ.get("PORTAL_RESET_CODE_RETENTION_DAYS", "7")),
}


def proxy_hops(environ=os.environ) -> int:
    """PORTAL_PROXY_HOPS: how many reverse proxies (nginx …) stand in front of the app."""
    text = (environ.get("PORTAL_PROXY_HOPS") or "0").strip()
    if not text.isdigit():
        raise RuntimeError(
            f"环境变量 PORTAL_PROXY_HOPS 应为 0 或正整数（前面反向代理的层数），当前为 {text!r}。"
        )
    return int(text)


def database_url(environ=os.environ) -> str:
    """PORTAL_DATABASE_URL: a postgresql:// URL selects the PostgreSQL store; empty: files."""
    return (environ.get("PORTAL_DATABASE_URL") or "").strip()


def default_data_dir() -> str:
    return os.environ.get("PORTAL_DATA_DIR") or str(ROOT / "data")


def load_secret_key(data_dir: Path) -> str:
    """The key in <data>/secret_key, created (mode 600) on first run; never a default."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a worker starting at
        # the same moment sees no file or the whole key, never an empty one, and the
        # first link wins (os.link refuses an existing name).
        fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):  # another worker made it first
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"密钥文件 {path} 内容无效，请删除后重新启动以生成新密钥。")
    return key


def tune_garbage_collector() -> None:
    """For a serving process: run the cyclic garbage collector less often.

    The store keeps parsed documents in memory, hundreds of thousands of small dicts and
    lists without cycles among them. At Python's default thresholds (700, 10, 10) the
    collector walks them thousands of times a minute: about a tenth of a page's time and
    more of a sign-up's, measured at district scale. Every 50,000 allocations instead of
    700 still frees the cycles requests leave behind (contexts, template frames), a
    little later and a few megabytes at most."""
    gc.set_threshold(50_000, 20, 100)
