"""Importing grids and buildings from a spreadsheet: the template to download, the upload,
a preview that lists every change and every row's problem in Chinese, and the import
(all or nothing). Routes are added to ``grids_admin``.

The preview carries the rows it read (as JSON in the confirmation form): the admin imports
exactly what they saw, and the store checks every row again before writing any.
"""

from __future__ import annotations

import json

from flask import flash, g, redirect, render_template, url_for

from forms.grids import IMPORT_MAX_BYTES, ConfirmImportForm, ImportForm

from .. import admin as _admin
from .. import auth, store
from ..records.exports import export_response
from ..spreadsheets import UnreadableFile, read_upload
from .admin import bp

EXAMPLE_ROWS = [  # 示例: what a filled-in template looks like
    ["1", "第一网格", "王某某", "1号楼", "楼", "48", "李某某"],
    ["1", "", "", "西四北三条7号院", "院", "12", ""],
    ["2", "第二网格", "张某某", "3号楼2单元", "单元", "24", "赵某某"],
]


@bp.route("/template.<fmt>")
def template(cid: str, fmt: str):
    """The template with its header and three example rows (示例)."""
    community = auth.admin_community_or_404(cid)
    if fmt not in ("xlsx", "csv"):
        return redirect(url_for(".import_page", cid=cid))
    return export_response(
        f"网格导入模板-{community['name']}", fmt, list(store.GRID_IMPORT_COLUMNS), EXAMPLE_ROWS
    )


@bp.route("/import", methods=["GET", "POST"])
def import_page(cid: str):
    """Upload the filled-in template; a valid file leads to the preview."""
    community = auth.admin_community_or_404(cid)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_upload(upload, upload.filename, store.GRID_IMPORT_COLUMNS, IMPORT_MAX_BYTES)
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
