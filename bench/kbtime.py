"""Knowledge-base build times: the full KB beside an empty mkdocs-material site, same run.

Each build runs in a fresh interpreter (as ``python run.py build`` does), timed
from process start to exit, into a temporary folder: the product's ``site/`` is
only touched by ``python run.py build`` itself, which ``make build`` also runs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_BUILD_KB = """
import sys
from pathlib import Path
from kb.build import build
build(site_dir=Path(sys.argv[1]), force=True)
"""

_BUILD_EMPTY = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
build(load_config(sys.argv[1], site_dir=sys.argv[2], strict=True))
"""

EMPTY_CONFIG = """site_name: 空站点
docs_dir: docs
theme:
  name: material
  language: zh
"""


def _timed(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {(out.stderr or out.stdout)[-800:]}")
    return took, (out.stdout + out.stderr).strip()


def measure(repeats: int = 3) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp:
        tmp = Path(tmp)
        (tmp / "empty" / "docs").mkdir(parents=True)
        (tmp / "empty" / "mkdocs.yml").write_text(EMPTY_CONFIG, encoding="utf-8")
        (tmp / "empty" / "docs" / "index.md").write_text("# 空站点\n", encoding="utf-8")
        full, empty = [], []
        for n in range(repeats):  # alternate, so that neither gets a warmer machine
            empty.append(
                _timed(
                    [
                        sys.executable,
                        "-c",
                        _BUILD_EMPTY,
                        str(tmp / "empty" / "mkdocs.yml"),
                        str(tmp / f"empty-site-{n}"),
                    ]
                )[0]
            )
            full.append(_timed([sys.executable, "-c", _BUILD_KB, str(tmp / f"kb-site-{n}")])[0])
        pages = sum(1 for _ in (tmp / "kb-site-0").rglob("*.html"))
    # The product's own command: the first call builds site/ if stale, the next ones skip.
    first, first_out = _timed([sys.executable, "run.py", "build"])
    unchanged = []
    outputs = []
    for _ in range(3):
        took, out = _timed([sys.executable, "run.py", "build"])
        unchanged.append(took)
        outputs.append(out)
    skipped = all("跳过" in out for out in outputs)
    return {
        "full": min(full),
        "full_all": full,
        "empty": min(empty),
        "empty_all": empty,
        "ratio": min(full) / min(empty),
        "pages": pages,
        "unchanged": statistics.median(unchanged),
        "unchanged_all": unchanged,
        "unchanged_skipped": skipped,
        "first_run_build": first,
        "first_run_output": first_out,
    }


if __name__ == "__main__":
    print(measure())
