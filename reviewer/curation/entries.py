"""The lexicon entries kept in the database: checked input, add, edit, disable, and the switch-off of
shipped terms, each bumping the lexicon version and audited (``lexicon.entry``) with before and after.

Entries are written with the TSV columns of the lexicon files (term, category, gate, severity,
suggestion, note), plus ``kind`` (term, allow, disable) and ``unit_id`` (None: the whole
deployment; a unit: its accounts and those below it). A term is stored as written and matched in
its compact view, like the files' terms. Family ``leader_title`` holds a unit's leaders: the term is
the name, the suggestion the correct titles (several separated by 、).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.bootstrap import review_engine
from reviewer.engine import leaders
from reviewer.engine.lexicon import Category
from reviewer.engine.normalize import view
from reviewer.errors import WorkflowError, unstorable_character
from reviewer.storage import LexiconEntry, Unit, User, utcnow
from reviewer.storage.lexicon_tables import bump_version
from reviewer.vocabulary import GATE_NAMES, GATES, LEXICON_ENTRY_KIND_NAMES, SEVERITIES, SEVERITY_NAMES
from reviewer.workflow.validation import labelled_text

#: The fields an entry is written with (the TSV columns, then kind and unit).
FIELDS = ("term", "category", "gate", "severity", "suggestion", "note", "kind", "unit_id")
MAX_TERM = 200
MAX_TEXT = 2000
LEADER_FAMILY = "leader_title"
#: The stable codes of a blank, a not-text and a too-long field of an entry.
FIELD_CODES = ("missing_field", "invalid_field", "field_too_long")


class LexiconInputError(WorkflowError):
    """An entry that cannot be stored as given; ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def categories(session: Session) -> dict[str, Category]:
    """The rule families the running engine knows (shipped ``categories.tsv`` and the folders')."""
    return review_engine(session).categories


def compact_keys(terms: list[str]) -> dict[str, str]:
    """The compact view of many terms at once (an import's): one view of them all joined, cut where
    each began, since a view maps every character on its own. 100,000 terms one by one take seconds."""
    joined = "".join(terms)
    compact = view(joined, "compact")
    bounds = np.cumsum([0, *map(len, terms)])
    cuts = np.searchsorted(compact.positions, bounds).tolist()
    text = compact.text
    return {term: text[a:b] for term, a, b in zip(terms, cuts, cuts[1:], strict=False)}


def compact_key(term: str, known: Mapping[str, str] | None = None) -> str:
    """What a term is matched as: its compact view (two characters at least, or it would fire everywhere).
    ``known``: views worked out already (``compact_keys``)."""
    key = known.get(term) if known is not None else None
    if key is None:
        key = view(term, "compact").text
    if len(key) < 2:
        raise LexiconInputError("term_too_short", f"词条“{term}”归一化后少于两个字符，会造成大量误报。")
    return key


def unstorable(value: str) -> bool:
    """Does the text hold a character no database can store (NUL, a lone surrogate)?"""
    return unstorable_character(value) is not None


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str | None:
    """A field as ``workflow.validation.labelled_text`` checks every typed field, trimmed, on one line."""
    try:
        checked = labelled_text(name, value.strip() if isinstance(value, str) else value, limit, required=required,
                                missing="请填写{label}。", codes=FIELD_CODES)
    except WorkflowError as exc:
        raise LexiconInputError(exc.code, exc.message) from None
    if checked is not None and ("\t" in checked or "\n" in checked):
        raise LexiconInputError("invalid_field", f"{name}不能含有制表符或换行。")
    return checked


def clean(fields: Mapping[str, Any], families: dict[str, Category], keys: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The entry's checked values, or LexiconInputError naming the first problem in Chinese.
    ``keys``: compact views of the terms worked out already (an import's)."""
    kind = fields.get("kind") or "term"
    if kind not in LEXICON_ENTRY_KIND_NAMES:
        raise LexiconInputError("invalid_kind", f"类型“{kind}”无效，应为 {'/'.join(LEXICON_ENTRY_KIND_NAMES)} 之一。")
    term = _text(fields.get("term"), "词条", MAX_TERM, required=True)
    family = _text(fields.get("category"), "类别", 100, required=kind != "allow")
    if kind == "allow":
        family = None
    elif family not in families:
        known = "、".join(f"{code}（{fam.title}）" for code, fam in families.items())
        raise LexiconInputError("unknown_category", f"未知类别“{family}”，应为 {known} 之一。")
    gate = _text(fields.get("gate"), "审核关口", 20)
    severity = _text(fields.get("severity"), "严重程度", 20)
    if gate is not None and gate not in GATES:
        raise LexiconInputError("invalid_gate", f"审核关口“{gate}”无效，应为 {'/'.join(GATES)}（{'、'.join(GATE_NAMES.values())}）之一。")
    if severity is not None and severity not in SEVERITIES:
        raise LexiconInputError("invalid_severity",
                                f"严重程度“{severity}”无效，应为 {'/'.join(SEVERITIES)}（{'、'.join(SEVERITY_NAMES.values())}）之一。")
    suggestion = _text(fields.get("suggestion"), "修改建议", MAX_TEXT)
    note = _text(fields.get("note"), "说明", MAX_TEXT)
    unit_id = fields.get("unit_id")
    if unit_id in ("", None):
        unit_id = None
    elif (isinstance(unit_id, str) and unit_id.isdigit()) or (isinstance(unit_id, float) and unit_id.is_integer()):
        unit_id = int(unit_id)  # a form's "7" and JSON's 7.0 are the unit 7
    elif not isinstance(unit_id, int) or isinstance(unit_id, bool):
        raise LexiconInputError("invalid_unit", "适用单位必须是单位编号。")
    if family == LEADER_FAMILY and kind == "term":
        if len(term) < 2:
            raise LexiconInputError("term_too_short", "领导姓名至少两个字。")
        titles = {t.strip() for t in (suggestion or "").split("、") if t.strip()}
        if not titles:
            raise LexiconInputError("missing_field", "领导职务条目须在“修改建议”中写明正确职务（多个用、分隔）。")
        unknown = sorted(titles - set(leaders.titles()))
        if unknown:
            raise LexiconInputError("unknown_title", f"职务“{'、'.join(unknown)}”不在职务表中。")
        if unit_id is None:
            raise LexiconInputError("unit_required", "领导职务条目须指定单位。")
    if kind == "disable" and unit_id is not None:
        raise LexiconInputError("unit_not_allowed", "停用随包词条对整个部署生效，不能指定单位。")
    return {"kind": kind, "term": term, "key": compact_key(term, keys), "family": family, "gate": gate, "severity": severity,
            "suggestion": suggestion, "note": note, "unit_id": unit_id}


def admin_units(session: Session, actor: User) -> set[int]:
    """The units whose entries ``actor`` manages: their own units and those below."""
    from reviewer.admin.register import admin_unit_ids

    return admin_unit_ids(session, actor.id)


def _check_unit(session: Session, actor: User, unit_id: int | None) -> None:
    if unit_id is None:
        return
    if session.get(Unit, unit_id) is None or unit_id not in admin_units(session, actor):
        raise LexiconInputError("unknown_unit", "该单位不存在或不在您管理的单位之内。")


def _duplicate(session: Session, values: dict[str, Any], other_than: int | None = None) -> LexiconEntry | None:
    query = select(LexiconEntry).where(LexiconEntry.kind == values["kind"], LexiconEntry.key == values["key"],
                                       LexiconEntry.enabled.is_(True))
    query = query.where(LexiconEntry.family.is_(None) if values["family"] is None else LexiconEntry.family == values["family"])
    query = query.where(LexiconEntry.unit_id.is_(None) if values["unit_id"] is None else LexiconEntry.unit_id == values["unit_id"])
    if other_than is not None:
        query = query.where(LexiconEntry.id != other_than)
    return session.scalars(query.limit(1)).first()


def _record(session: Session, actor: User, action: str, before: dict | None, after: dict | None,
            unit_id: int | None, version: int) -> None:
    audit.record(session, "lexicon.entry", actor_id=actor.id, actor_name=actor.username, unit_id=unit_id,
                 details={"action": action, "before": before, "after": after, "lexicon_version": version})


def add_entry(session: Session, actor: User, fields: Mapping[str, Any]) -> LexiconEntry:
    """Store one entry (a term of a shipped family and term overrides the shipped one); audited."""
    values = clean(fields, categories(session))
    _check_unit(session, actor, values["unit_id"])
    if _duplicate(session, values) is not None:
        raise LexiconInputError("duplicate_entry", f"“{values['term']}”已在词库管理中（同一类型、类别与适用范围）。")
    entry = LexiconEntry(**values, enabled=True, created_by=actor.username)
    session.add(entry)
    session.flush()
    _record(session, actor, "create", None, entry.to_dict(), entry.unit_id, bump_version(session))
    return entry


def get_entry(session: Session, actor: User, entry_id: Any) -> LexiconEntry:
    """A database entry the actor manages (a unit's entries only for its admins), else not_found."""
    entry = session.get(LexiconEntry, entry_id) if isinstance(entry_id, int) and 0 < entry_id < 2**31 else None
    if entry is None or (entry.unit_id is not None and entry.unit_id not in admin_units(session, actor)):
        raise WorkflowError("not_found", "没有这个词条，或它不属于您管理的单位。")
    return entry


def update_entry(session: Session, actor: User, entry_id: Any, fields: Mapping[str, Any]) -> LexiconEntry:
    """Change an entry's columns (kind stays); audited with before and after."""
    entry = get_entry(session, actor, entry_id)
    before = entry.to_dict()
    merged = {**{k: before[k] for k in FIELDS}, **{k: v for k, v in fields.items() if k in FIELDS}, "kind": entry.kind}
    values = clean(merged, categories(session))
    _check_unit(session, actor, values["unit_id"])
    if _duplicate(session, values, other_than=entry.id) is not None:
        raise LexiconInputError("duplicate_entry", f"“{values['term']}”已在词库管理中（同一类型、类别与适用范围）。")
    for name, value in values.items():
        setattr(entry, name, value)
    if "enabled" in fields:
        entry.enabled = bool(fields["enabled"])
    entry.updated_at = utcnow()
    session.flush()
    after = entry.to_dict()
    if after != before:
        _record(session, actor, "update", before, after, entry.unit_id, bump_version(session))
    return entry


def set_enabled(session: Session, actor: User, entry_id: Any, enabled: bool) -> LexiconEntry:
    """Switch a database entry off (or on again); a switched-off ``disable`` row lets the shipped term fire again."""
    entry = get_entry(session, actor, entry_id)
    if entry.enabled == enabled:
        return entry
    before = entry.to_dict()
    if enabled and _duplicate(session, {"kind": entry.kind, "key": entry.key, "family": entry.family,
                                         "unit_id": entry.unit_id}, other_than=entry.id) is not None:
        raise LexiconInputError("duplicate_entry", f"“{entry.term}”已有启用中的相同词条。")
    entry.enabled, entry.updated_at = enabled, utcnow()
    session.flush()
    _record(session, actor, "enable" if enabled else "disable", before, entry.to_dict(), entry.unit_id,
            bump_version(session))
    return entry


def disable_shipped(session: Session, actor: User, family: str, term: str, note: str | None = None) -> LexiconEntry:
    """Switch off a shipped (family, term) for the whole deployment: kept by key, so it survives upgrades."""
    return add_entry(session, actor, {"kind": "disable", "category": family, "term": term, "note": note})


def database_entries(session: Session, actor: User) -> list[LexiconEntry]:
    """The database entries the actor sees: the deployment's and those of the units they manage."""
    scope = sorted(admin_units(session, actor)) or [-1]
    return list(session.scalars(select(LexiconEntry).where((LexiconEntry.unit_id.is_(None))
                                                           | LexiconEntry.unit_id.in_(scope))
                                .order_by(LexiconEntry.id)))
