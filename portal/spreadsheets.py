"""Reading a filled-in import template (the grids', the hotline's): an uploaded .xlsx or
CSV file becomes rows keyed by the template's columns, or a Chinese reason why not.

The checks are the file's, not the data's: size, format, encoding, the header. Each
row's content is checked by the store's plan of the import, which names the row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import IO


class UnreadableFile(ValueError):
    """The file cannot be read as the template (size, format, encoding, columns)."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps numbers (a phone, a count) as floats
    return str(value).strip()


def _table(filename: str, data: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise UnreadableFile(
                "无法打开这个 .xlsx 文件，请确认它是用模板填写并保存的表格。"
            ) from exc
        rows = [
            [_cell(v) for v in values] for values in book.worksheets[0].iter_rows(values_only=True)
        ]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return list(csv.reader(io.StringIO(data.decode(encoding))))
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文件的编码，请另存为 UTF-8 的 CSV，或直接使用 .xlsx 模板。")


def read_rows(filename: str, data: bytes, columns: tuple[str, ...] | list[str]) -> list[dict]:
    """The template's rows as dicts by column, empty rows at the end left out."""
    table = _table(filename, data)
    if not table:
        raise UnreadableFile("表格是空的。")
    header = [h.strip() for h in table[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise UnreadableFile("表头缺少这些列：" + "、".join(missing) + "。请使用页面上的模板。")
    places = [header.index(c) for c in columns]
    rows = [
        {
            c: (values[i].strip() if i < len(values) else "")
            for c, i in zip(columns, places, strict=True)
        }
        for values in table[1:]
    ]
    while rows and not any(rows[-1].values()):
        rows.pop()
    if not rows:
        raise UnreadableFile("表格里除了表头没有内容。")
    return rows


def read_upload(
    upload: IO[bytes], filename: str, columns: tuple[str, ...] | list[str], max_bytes: int
) -> list[dict]:
    """``read_rows`` of an uploaded file, refused above ``max_bytes`` without reading on."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableFile(f"表格不能超过 {max_bytes // (1024 * 1024)} MB，请分批导入。")
    return read_rows(filename, data, columns)
