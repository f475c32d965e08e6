"""Inspection: whole account histories checked against the notices, account by account.

Owns reading exported histories (``records``: CSV, JSONL, XLSX, streamed, bad rows kept apart
with file:line and the reason), the account rules (``accounts``: updates, originals, late and rude
replies, ad footers, findings) with thresholds and the official wording as data
(``lexicons/inspection.toml``), and the report (``report``: the 检查不合格名单 and its summary).

May import: reviewer.inspection, reviewer.engine, reviewer.config, reviewer.errors, reviewer.vocabulary
"""
