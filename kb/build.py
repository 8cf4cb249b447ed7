"""Build the knowledge base into ``site/`` — only when its sources changed.

The sources are ``content/``, ``mkdocs.yml`` and the build hooks in ``kb/``.
Their fingerprint (a hash over paths, sizes and bytes) is written into the
site folder after a good build; a build with the same fingerprint is skipped,
so ``make run`` starts at once when nothing was edited.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP_NAME = ".build-fingerprint"


def _source_files(root: Path) -> list[Path]:
    files = [root / "mkdocs.yml"]
    for folder in (root / "content", root / "kb"):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            files.extend(Path(dirpath) / f for f in sorted(filenames) if not f.endswith(".pyc"))
    return files


def fingerprint(root: Path = ROOT) -> str:
    """A hash of every source of the KB: any edit, addition or removal changes it."""
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_stale(site_dir: Path, root: Path = ROOT) -> bool:
    """True when site_dir has no build or one made from other sources."""
    stamp = site_dir / STAMP_NAME
    return (
        not (site_dir / "index.html").is_file()
        or not stamp.is_file()
        or stamp.read_text(encoding="utf-8").strip() != fingerprint(root)
    )


def build(site_dir: Path | None = None, root: Path = ROOT, force: bool = False) -> bool:
    """Build the KB if stale (or forced); return True when a build ran.

    Raises mkdocs' errors when the build fails: a broken data file or list
    marker is reported by the hooks as a ``PluginError``, which mkdocs logs
    (file and entry) and turns into ``Abort``. A data error stops the build
    before the old site is touched; no fingerprint is written for a failed
    build, so the next call builds again.
    """
    site_dir = Path(site_dir or root / "site")
    if not force and not is_stale(site_dir, root):
        return False
    # Imported here: a skipped build must not pay for importing mkdocs.
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    print_fp = fingerprint(root)
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
    mkdocs_build(config)
    (site_dir / STAMP_NAME).write_text(print_fp + "\n", encoding="utf-8")
    return True
