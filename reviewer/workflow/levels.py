"""One action per level: a reviewer signs several (usually all five) gates of one level at once.

本级五关全部通过 approves every gate but the exceptions the reviewer marks (a gate returned with
its comment, or a gate left for later); 退回修改 returns the draft with comments on several gates
and on selected words of the text. Each gate is checked by ``commands.check_signoff``, so a level
action is refused exactly as the same sign-offs one by one would be, and a refusal names its gate.
Everything is written and audited in the caller's transaction, or nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError, fail
from reviewer.storage import Account, DraftVersion, ReviewNote, SignOff, User, utcnow
from reviewer.vocabulary import DECISIONS, FIELD_NAMES, FINDING_FIELDS, GATE_NAMES, GATES, level_name
from reviewer.workflow import lifecycle, validation
from reviewer.workflow.access import current_version, get_draft, require
from reviewer.workflow.commands import (
    CheckedSignOff,
    SignOffRequest,
    _audit_context,
    _expect_version,
    _touch,
    check_signoff,
    record_signoff,
    settle,
)

#: Most comments on selected words one level action may carry.
MAX_NOTES = 50


@dataclass(frozen=True)
class LevelRequest:
    """A reviewer's decisions on the gates of one level, as a client sends them.

    ``gates`` maps a gate to ``{"decision": "approve"|"reject", "comment", "overrides", "consents"}``;
    a gate left out is not signed now. ``comment`` is the level's summary; ``notes`` are comments on
    selected words: ``{"field": "title"|"body", "start", "end", "comment", "gate"}``.
    """

    version: Any
    level: Any
    gates: Any
    comment: Any = None
    notes: Any = None


class LevelRefused(WorkflowError):
    """Some gates of a level action were refused: ``by_gate`` holds each gate's own refusal."""

    def __init__(self, by_gate: dict[str, WorkflowError]) -> None:
        first = next(iter(by_gate.values()))
        text = "；".join(f"{GATE_NAMES[g]}：{e.message}" for g, e in by_gate.items())
        super().__init__(first.code, f"本级未能签署，{len(by_gate)} 关需要处理。{text}",
                         race=any(e.race for e in by_gate.values()))
        self.by_gate = by_gate


@dataclass(frozen=True)
class _Note:
    gate: str
    field: str
    start: int
    end: int
    quote: str
    comment: str


def _decisions(value: Any) -> dict[str, dict]:
    if not isinstance(value, dict) or not value:
        raise fail("invalid_input", "请至少为一关选择“通过”或“退回”。")
    decisions: dict[str, dict] = {}
    for gate in GATES:
        if gate not in value:
            continue
        entry = value[gate]
        if not isinstance(entry, dict) or entry.get("decision") not in DECISIONS:
            raise fail("invalid_input", f"{GATE_NAMES[gate]}的结论无效，应为 approve（通过）或 reject（退回）。")
        decisions[gate] = entry
    unknown = [str(g)[:20] for g in value if g not in GATES]
    if unknown:
        raise fail("invalid_input", f"审核关口“{unknown[0]}”无效，应为 " + "、".join(f"{g}（{GATE_NAMES[g]}）" for g in GATES) + "。")
    return decisions


def _notes(value: Any, version: DraftVersion) -> list[_Note]:
    """Comments on selected words, each pointing at the words it quotes in this version."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_NOTES:
        raise fail("invalid_input", f"划选原文的意见应为列表，最多 {MAX_NOTES} 条。")
    notes = []
    for number, note in enumerate(value, 1):
        if not isinstance(note, dict):
            raise fail("invalid_input", f"第 {number} 条划选意见格式无效。")
        field, start, end, gate = note.get("field"), note.get("start"), note.get("end"), note.get("gate") or "text"
        if field not in FINDING_FIELDS or gate not in GATES:
            raise fail("invalid_input", f"第 {number} 条划选意见的字段或关口无效。")
        text = getattr(version, field) or ""
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)) or not 0 <= start < end <= len(text):
            raise fail("invalid_input", f"第 {number} 条划选意见所指的位置不在此版本的{FIELD_NAMES[field]}里，请重新划选。")
        comment = validation.text("comment", note.get("comment"))
        notes.append(_Note(gate, field, start, end, text[start:end], comment.strip()))
    return notes


def _gate_comment(gate: str, entry: dict, notes: list[_Note]) -> Any:
    """A returned gate's comment; when only words were marked, the comment quotes them."""
    comment = entry.get("comment")
    if entry["decision"] == "reject" and (comment is None or (isinstance(comment, str) and not comment.strip())):
        mine = [n for n in notes if n.gate == gate]
        if mine:
            return "；".join(f"“{n.quote}”：{n.comment}" for n in mine)
    return comment


def sign_level(session: Session, actor: User, draft_id: Any, request: LevelRequest, *,
               ip: str | None = None) -> list[SignOff]:
    """Sign the gates of one level at once, each checked as a single sign-off would be."""
    require(session, actor, "draft.sign")
    draft = get_draft(session, actor, draft_id)
    decisions = _decisions(request.gates)
    summary = validation.text("comment", request.comment, required=False)
    _expect_version(draft, request.version)  # a stale version is the answer before any detail of the request
    notes = _notes(request.notes, current_version(session, draft))
    checked: list[CheckedSignOff] = []
    refused: dict[str, WorkflowError] = {}
    for gate, entry in decisions.items():
        single = SignOffRequest(request.version, request.level, gate, entry["decision"], _gate_comment(gate, entry, notes),
                                entry.get("overrides"), entry.get("consents"))
        try:
            checked.append(check_signoff(session, actor, draft, single, ip=ip))
        except WorkflowError as exc:
            refused[gate] = exc
    if refused:
        distinct = {(e.code, e.message) for e in refused.values()}
        if len(refused) == len(decisions) > 1 and len(distinct) == 1:
            raise next(iter(refused.values()))  # one reason for every gate: the level itself is refused
        raise LevelRefused(refused)
    returning = [c for c in checked if c.decision == "reject"]
    _touch(session, draft, status=lifecycle.AFTER_REJECT if returning else lifecycle.SIGNABLE)
    rows = [record_signoff(session, actor, draft, c, ip=ip) for c in checked]
    version, level = checked[0].version, checked[0].level
    now = utcnow()
    if summary:
        session.add(ReviewNote(version_id=version.id, level=level, reviewer_id=actor.id, comment=summary.strip(),
                               created_at=now))
    session.add_all(ReviewNote(version_id=version.id, level=level, reviewer_id=actor.id, gate=n.gate, field=n.field,
                               start=n.start, end=n.end, quote=n.quote, comment=n.comment, created_at=now) for n in notes)
    session.flush()
    context = _audit_context(actor, session.get(Account, draft.account_id), draft, version.number, ip)
    audit.record(session, "signoff.level", level=level,
                 details={"signed": [{"gate": c.gate, "decision": c.decision} for c in checked], "comment": summary,
                          "notes": [{"gate": n.gate, "field": n.field, "start": n.start, "end": n.end, "quote": n.quote,
                                     "comment": n.comment} for n in notes]}, **context)
    if returning:
        audit.record(session, "draft.return", level=level,
                     details={"comment": "；".join(f"{GATE_NAMES[c.gate]}：{c.comment}" for c in returning)}, **context)
    else:
        settle(session, draft, version)
    return rows


def describe_level(rows: list[SignOff]) -> str:
    """“第 1 级：政治关、法律关通过；文字关退回”: what a level action did, for the page's message."""
    if not rows:
        return ""
    parts = []
    for decision in DECISIONS:
        gates = [GATE_NAMES[r.gate] for r in rows if r.decision == decision]
        if gates:
            parts.append("、".join(gates) + ("通过" if decision == "approve" else "退回"))
    return f"{level_name(rows[0].level)}：" + "；".join(parts)
