"""接诉即办: hotline work orders through district, street, community and grid.

Modules: ``model`` (keys, units, time limits, the open-list entry), ``counters`` (the
per-month figures of each unit), ``orders`` (reading, scope, the one write path every
step goes through), ``flow`` (dispatch, sign, contact, answer, return, close),
``escalate`` (extensions, 升级吹哨), ``feedback`` (the resident's link, rating, 电话回访,
重办), ``intake`` (manual entry, from a need or a patrol finding) and ``importing`` (the
hotline batch import). docs/HOTLINE.md lists the API and the documents.
"""
