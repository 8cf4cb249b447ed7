"""Copy a whole store to another backend, and prove the copy (``run.py migrate-store``).

The source is read as one consistent snapshot; the target must be empty (a copy never
merges into data that is already there). After the copy both are read again and
compared: the same keys, and per document a checksum of its content (independent of
key order, which PostgreSQL's JSONB does not keep); per blob and set of lines, of its
bytes. Run it with the servers stopped (or read-only), so that the source does not
change between the copy and the check.
"""

from __future__ import annotations

import hashlib

from .backend import Backend, Snapshot, checksum


def _digests(snap: Snapshot) -> dict[str, dict[str, str]]:
    return {
        "documents": {key: checksum(tables) for key, tables in snap.documents()},
        "blobs": {key: hashlib.sha256(data).hexdigest() for key, data in snap.blobs()},
        "lines": {
            key: hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
            for key, lines in snap.lines()
        },
    }


def digests(backend: Backend) -> dict[str, dict[str, str]]:
    """Per kind, every key's checksum: what a copy must reproduce."""
    with backend.snapshot() as snap:
        return _digests(snap)


def copy_store(source: Backend, target: Backend) -> dict:
    """Copy everything from source into the empty target and verify it.

    Returns {"documents", "blobs", "lines"} counts. Raises ValueError (in Chinese) when
    the target is not empty or the copy differs from the source."""
    if not target.is_empty():
        raise ValueError("目标不是空的：迁移只写入空的数据目录或新建的空数据库。")
    with source.snapshot() as snap:
        target.load(snap)
    expected, found = digests(source), digests(target)
    for kind in ("documents", "blobs", "lines"):
        if expected[kind].keys() != found[kind].keys():
            missing = sorted(expected[kind].keys() - found[kind].keys())[:5]
            extra = sorted(found[kind].keys() - expected[kind].keys())[:5]
            raise ValueError(f"迁移校验失败：{kind} 的条目不一致（缺少 {missing}，多出 {extra}）。")
        differ = [k for k in expected[kind] if expected[kind][k] != found[kind][k]]
        if differ:
            raise ValueError(
                f"迁移校验失败：{len(differ)} 个 {kind} 内容不一致，例如 {differ[0]}。"
            )
    return {kind: len(expected[kind]) for kind in expected}
