"""Every entry an admin can see in one list (shipped files and the database), filtered and paged;
import of a file with a preview and per-line errors, applied all or nothing; export as TSV.

An import is a TSV file whose first non-comment line is a header naming the columns (``term``
first; ``category gate severity suggestion note`` and ``kind`` as wanted), or a plain list of
one term per line, whose family (or allow list) is chosen in the form. Nothing is stored while
one line is wrong: the preview names every bad line (第 N 行) and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.bootstrap import review_engine
from reviewer.curation import entries as entry_admin
from reviewer.engine.live import background_build, drop_in_slices
from reviewer.storage import LexiconEntry, Unit, User
from reviewer.storage.lexicon_tables import bump_version, entry_dict, store_entries
from reviewer.vocabulary import LEXICON_SOURCE_NAMES

EXPORT_COLUMNS = ("term", "category", "gate", "severity", "suggestion", "note", "kind", "source", "unit_id")
IMPORT_COLUMNS = frozenset(EXPORT_COLUMNS)
MAX_IMPORT_LINES = 20000
PAGE = 50
#: Entries of one import written out in full in its audit entry (the count is always there).
AUDITED_ROWS = 5000


@dataclass(frozen=True)
class Row:
    """One entry as the admin pages list it, whatever its source."""

    source: str  # shipped, deployment, unit
    kind: str  # term, allow, disable
    term: str
    category: str | None
    gate: str | None
    severity: str | None
    suggestion: str | None
    note: str | None
    origin: str
    unit_id: int | None = None
    id: int | None = None
    enabled: bool = True
    state: str = ""  # shipped rows: 已停用 / 已被本部署覆盖

    def cells(self) -> list[str]:
        values = [self.term, self.category or "", self.gate or "", self.severity or "", self.suggestion or "",
                  self.note or "", self.kind, self.source, str(self.unit_id or "")]
        return [v.replace("\t", " ").replace("\n", " ") for v in values]


def all_rows(session: Session, actor: User) -> list[Row]:
    """Shipped entries and allow phrases (as the running engine has them), then the database's."""
    engine = review_engine(session)
    dropped = engine.overlay.disabled if engine.overlay is not None else frozenset()
    db_rows = entry_admin.database_entries(session, actor)
    replaced = {(e.family, e.key) for e in db_rows if e.kind == "term" and e.unit_id is None and e.enabled}
    visible = {str(u) for u in entry_admin.admin_units(session, actor)}
    rows = []
    for e in engine.lexicon.entries:
        if e.scope and e.scope not in visible:
            continue
        state = "已停用" if (e.category, e.term) in dropped else "已被本部署覆盖" if (e.category, e.term) in replaced else ""
        rows.append(Row("unit" if e.scope else "shipped", "term", e.term, e.category, e.gate, e.severity, e.suggestion,
                        e.note, e.origin, int(e.scope) if e.scope.isdigit() else None, state=state))
    rows.extend(Row("shipped", "allow", p, None, None, None, None, None, engine.lexicon.allow_origins.get(p, "allow.tsv"))
                for p in engine.lexicon.allow)
    for e in db_rows:
        rows.append(Row("unit" if e.unit_id else "deployment", e.kind, e.term, e.family, e.gate, e.severity,
                        e.suggestion, e.note, f"词库管理#{e.id}", e.unit_id, e.id, e.enabled))
    return rows


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    gate: str = ""
    severity: str = ""
    source: str = ""
    kind: str = ""

    def keep(self, row: Row, families: dict[str, Any]) -> bool:
        family = families.get(row.category or "")
        gate = row.gate or (family.gate if family else "")
        severity = row.severity or (family.severity if family else "")
        return ((not self.q or self.q in row.term or self.q in (row.note or ""))
                and (not self.category or row.category == self.category)
                and (not self.gate or gate == self.gate) and (not self.severity or severity == self.severity)
                and (not self.source or row.source == self.source) and (not self.kind or row.kind == self.kind))


def search(session: Session, actor: User, filters: Filters) -> list[Row]:
    """The rows that pass ``filters``, database entries first (they are what admins edit)."""
    families = entry_admin.categories(session)
    rows = [r for r in all_rows(session, actor) if filters.keep(r, families)]
    return sorted(rows, key=lambda r: (r.source == "shipped", -(r.id or 0)))


def export_tsv(rows: Iterable[Row]) -> str:
    """The rows as a TSV file with header, the format ``import`` reads back."""
    out = io.StringIO()
    out.write("\t".join(EXPORT_COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row.cells()) + "\n")
    return out.getvalue()


@dataclass
class Preview:
    """What an import would store, and every line that stops it (第 N 行：why)."""

    entries: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.entries) and not self.errors


def preview(session: Session, actor: User, text: str, *, kind: str = "term", category: str | None = None,
            unit_id: int | None = None) -> Preview:
    """Check every line of an import without storing anything."""
    result = Preview()
    families = entry_admin.categories(session)
    if unit_id is not None and (session.get(Unit, unit_id) is None or unit_id not in entry_admin.admin_units(session, actor)):
        result.errors.append((0, "适用单位不存在或不在您管理的单位之内。"))
        return result
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        result.errors.append((0, f"文件过大：{len(lines)} 行，一次最多导入 {MAX_IMPORT_LINES} 行。"))
        return result
    seen: dict[tuple, int] = {}
    stored = {(kind_, family, key) for kind_, family, key in session.execute(
        select(LexiconEntry.kind, LexiconEntry.family, LexiconEntry.key).where(
            LexiconEntry.enabled.is_(True),
            LexiconEntry.unit_id.is_(None) if unit_id is None else LexiconEntry.unit_id == unit_id))}
    parsed = _lines(lines, result, kind, category)
    if parsed is None:
        return result
    terms = {f["term"].strip() for _, f in parsed if isinstance(f.get("term"), str)}
    keys = entry_admin.compact_keys([t for t in terms if len(t) <= entry_admin.MAX_TERM and not entry_admin.unstorable(t)])
    for number, fields in parsed:
        fields["unit_id"] = unit_id
        try:
            values = entry_admin.clean(fields, families, keys)
        except entry_admin.LexiconInputError as exc:
            result.errors.append((number, exc.message))
            continue
        same = (values["kind"], values["family"], values["key"])
        if same in seen:
            result.errors.append((number, f"与第 {seen[same]} 行重复。"))
            continue
        seen[same] = number
        if same in stored:
            result.errors.append((number, f"“{values['term']}”已在词库管理中。"))
            continue
        result.entries.append((number, values))
    if not result.entries and not result.errors:
        result.errors.append((0, "文件中没有词条。"))
    result.errors.sort(key=lambda error: error[0])
    drop_in_slices(parsed)
    drop_in_slices(lines)
    return result


def _lines(lines: list[str], result: Preview, kind: str, category: str | None) -> list[tuple[int, dict[str, Any]]] | None:
    """Each entry line's number and fields as written; a bad line's error goes to ``result``; None when
    the header is wrong (nothing else can be read)."""
    header: list[str] | None = None
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if header is None and "\t" in line and cells[0].strip() == "term":
            header = [c.strip() for c in cells]
            unknown = [c for c in header if c not in IMPORT_COLUMNS]
            if unknown:
                result.errors.append((number, f"表头含未知列“{'、'.join(unknown)}”，可用列为 {' '.join(EXPORT_COLUMNS)}。"))
                return None
            continue
        if header is None:
            if "\t" in line:
                result.errors.append((number, "含制表符：TSV 文件须以 term 开头的表头行开始；纯词表每行只写一个词条。"))
                continue
            fields: dict[str, Any] = {"term": line.strip(), "category": category, "kind": kind}
        else:
            if len(cells) > len(header):
                result.errors.append((number, f"列数过多（{len(cells)} 列，表头只有 {len(header)} 列）。"))
                continue
            fields = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
            fields["kind"] = fields.get("kind") or kind
            if not fields.get("category") and fields["kind"] != "allow":
                fields["category"] = category
        parsed.append((number, fields))
    return parsed


@dataclass
class Imported:
    """What an import stored: how many entries, and the first ``AUDITED_ROWS`` of them, in the
    file's order, as rows (``id``, ``term``, ``family`` ...), as the audit entry lists them.

    Not a row per entry: 100,000 rows alive when garbage collection resumes after the import
    would make its first collections walk them all, holding every check being served for 40-55 ms.
    """

    count: int
    first: list[sqlalchemy.Row]


def apply_import(session: Session, actor: User, text: str, *, kind: str = "term", category: str | None = None,
                 unit_id: int | None = None, file_name: str | None = None) -> Imported:
    """Store every entry of the file in one transaction, or nothing when any line is wrong.

    The service goes on checking meanwhile: garbage collection is paused and the interpreter is
    handed back to requests within a millisecond (``background_build``), since 100,000 lines make
    more objects than a collection can walk without stalling it, and what the import made is
    freed a slice at a time before collection resumes. Nothing is frozen: a freeze here would keep
    whatever garbage the request holds at that moment for good.
    """
    with background_build(freeze=False):
        checked = preview(session, actor, text, kind=kind, category=category, unit_id=unit_id)
        if checked.errors:
            number, message = checked.errors[0]
            where = f"第 {number} 行：" if number else ""
            raise entry_admin.LexiconInputError("import_invalid", f"导入未进行，{len(checked.errors)} 处错误。{where}{message}")
        values = [values for _, values in checked.entries]
        drop_in_slices(checked.entries)
        stored = store_entries(session, values, actor.username)
        drop_in_slices(values)
        result = Imported(len(stored), stored[:AUDITED_ROWS])
        drop_in_slices(stored)
        version = bump_version(session)
        audit.record(session, "lexicon.import", actor_id=actor.id, actor_name=actor.username, unit_id=unit_id,
                     details={"file": file_name, "lines": result.count, "before": None,
                              "after": [entry_dict(e) for e in result.first], "lexicon_version": version})
    return result


def source_names() -> dict[str, str]:
    """The sources' Chinese names, for filters."""
    return dict(LEXICON_SOURCE_NAMES)
