"""Importing grids and buildings from a spreadsheet: the template to download, the upload,
a preview that lists every change and every row's problem in Chinese, and the import
(all or nothing). Routes are added to ``grids_admin``.

The preview carries the rows it read (as JSON in the confirmation form): the admin imports
exactly what they saw, and the store checks every row again before writing any.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from flask import flash, g, redirect, render_template, url_for

from forms.grids import IMPORT_MAX_BYTES, ConfirmImportForm, ImportForm

from .. import admin as _admin
from .. import auth, store
from ..records.exports import export_response
from .admin import bp

EXAMPLE_ROWS = [  # 示例: what a filled-in template looks like
    ["1", "第一网格", "王某某", "1号楼", "楼", "48", "李某某"],
    ["1", "", "", "西四北三条7号院", "院", "12", ""],
    ["2", "第二网格", "张某某", "3号楼2单元", "单元", "24", "赵某某"],
]


class UnreadableFile(ValueError):
    """The file cannot be read as the template (wrong format, wrong columns)."""


@bp.route("/template.<fmt>")
def template(cid: str, fmt: str):
    """The template with its header and three example rows (示例)."""
    community = auth.admin_community_or_404(cid)
    if fmt not in ("xlsx", "csv"):
        return redirect(url_for(".import_page", cid=cid))
    return export_response(
        f"网格导入模板-{community['name']}", fmt, list(store.GRID_IMPORT_COLUMNS), EXAMPLE_ROWS
    )


def _rows_from_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [row for row in csv.reader(io.StringIO(text))]
    raise UnreadableFile("无法识别文件的编码，请另存为 UTF-8 的 CSV，或直接使用 .xlsx 模板。")


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("无法打开这个 .xlsx 文件，请确认它是用模板填写并保存的表格。") from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else str(v).strip() for v in values])
    book.close()
    return rows


def read_rows(filename: str, data: bytes) -> list[dict]:
    """The template's rows as dicts by column, empty rows left out."""
    table = _rows_from_xlsx(data) if filename.lower().endswith(".xlsx") else _rows_from_csv(data)
    if not table:
        raise UnreadableFile("表格是空的。")
    header = [h.strip() for h in table[0]]
    missing = [c for c in store.GRID_IMPORT_COLUMNS if c not in header]
    if missing:
        raise UnreadableFile("表头缺少这些列：" + "、".join(missing) + "。请使用页面上的模板。")
    rows = []
    for values in table[1:]:
        row = {
            c: (values[header.index(c)] if header.index(c) < len(values) else "")
            for c in store.GRID_IMPORT_COLUMNS
        }
        rows.append({k: (v or "").strip() for k, v in row.items()})
    while rows and not any(rows[-1].values()):
        rows.pop()
    if not rows:
        raise UnreadableFile("表格里除了表头没有内容。")
    return rows


@bp.route("/import", methods=["GET", "POST"])
def import_page(cid: str):
    """Upload the filled-in template; a valid file leads to the preview."""
    community = auth.admin_community_or_404(cid)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(IMPORT_MAX_BYTES + 1)
        try:
            if len(data) > IMPORT_MAX_BYTES:
                raise UnreadableFile("表格不能超过 2 MB，请分批导入。")
            rows = read_rows(upload.filename, data)
        except UnreadableFile as exc:
            form.file.errors.append(str(exc))
        else:
            plan = store.plan_grid_import(cid, rows)
            return render_template(
                "grids_admin/preview.html",
                community=community,
                plan=plan,
                rows=rows,
                confirm=ConfirmImportForm(data={"rows": json.dumps(rows, ensure_ascii=False)}),
            )
    return render_template("grids_admin/import.html", community=community, form=form)


@bp.route("/import/confirm", methods=["POST"])
def import_confirm(cid: str):
    community = auth.admin_community_or_404(cid)
    form = ConfirmImportForm()

    def run(f):
        try:
            rows = json.loads(f.rows.data)
        except ValueError:
            raise store.StoreError("导入内容已损坏，请重新上传表格。") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise store.StoreError("导入内容已损坏，请重新上传表格。")
        return store.apply_grid_import(cid, rows, g.user["uid"])

    def done(plan):
        summary = (
            f"新增网格 {len(plan['new_grids'])} 个、修改 {len(plan['changed_grids'])} 个；"
            f"新增楼门院 {len(plan['new_buildings'])} 个、修改 {len(plan['changed_buildings'])} 个"
        )
        _admin.audit(community, "导入网格和楼门院", "网格结构", None, summary)
        flash(f"导入完成：{summary}。", "success")

    _admin.form_action(form, run, done)
    return redirect(url_for(".index", cid=cid))
