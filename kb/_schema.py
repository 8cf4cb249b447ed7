"""Shared pieces of the data-file checks: ``DataError`` and the small helpers that
read one field of an entry (a string, a flag, a bounded integer, a list of
strings, a list of entries with unique ids) and raise ``DataError`` naming the
file and the entry when the field is missing or of the wrong type.
"""

from __future__ import annotations


class DataError(Exception):
    """A data file breaks its schema; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem: str):
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(f"{file}：条目 {entry}：{problem}")


def _need(file: str, entry: str, item: dict, key: str, kind=str):
    """Return item[key] if present and of the right type, else raise DataError."""
    if not isinstance(item, dict):
        raise DataError(file, entry, "条目必须是键值映射")
    value = item.get(key)
    if value is None or not isinstance(value, kind) or (kind is str and not value.strip()):
        raise DataError(file, entry, f"缺少字段 {key} 或类型不对")
    return value


def _unique_ids(file: str, items: list, label: str) -> dict:
    """Map id -> item, refusing a missing or duplicate id."""
    seen: dict = {}
    for n, item in enumerate(items, 1):
        ident = _need(file, f"{label}第 {n} 项", item, "id")
        if ident in seen:
            raise DataError(file, ident, f"{label} id 重复")
        seen[ident] = item
    return seen


def _need_bool(file: str, entry: str, item: dict, key: str = "example") -> bool:
    """A flag such as ``example`` must be written out: a forgotten one is an error, not False."""
    if not isinstance(item.get(key), bool):
        raise DataError(file, entry, f"字段 {key} 必须是 true 或 false")
    return item[key]


def _need_int(
    file: str, entry: str, item: dict, key: str, low: int = 0, high: int | None = None
) -> int:
    """An integer field within [low, high]; YAML booleans are not accepted as numbers."""
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DataError(file, entry, f"缺少字段 {key} 或不是整数")
    if value < low or (high is not None and value > high):
        limit = f"{low}–{high}" if high is not None else f"不小于 {low}"
        raise DataError(file, entry, f"字段 {key} 的值 {value} 超出范围（应为 {limit}）")
    return value


def _need_strings(file: str, entry: str, item: dict, key: str) -> list:
    """A non-empty list of non-empty strings."""
    values = _need(file, entry, item, key, list)
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise DataError(file, entry, f"字段 {key} 必须是非空的文字列表")
    return values
