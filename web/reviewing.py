"""The review page (issue 16): one action per level, re-review from what changed, comments on words.

Routes on the pages blueprint (``pages.review``, ``pages.signoff``, ``pages.sign_level``): the page
shows the five gates of one level as boxes of one form; 本级五关全部通过 signs them all at once
with the exceptions the reviewer marks, 退回修改 returns the draft with comments on several gates
and on selected words. Both call ``workflow.sign_level``; a refusal comes back in place, on the
gate it concerns, with everything typed kept. Opening a version records it (``workflow.record_view``),
so the next version shows what changed since this reviewer last looked and since the last signature.
"""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from reviewer import workflow
from reviewer.errors import WorkflowError
from reviewer.vocabulary import DECISION_NAMES, GATE_NAMES, GATES, STATUS_NAMES
from reviewer.web.diff import changed, diff_pieces
from reviewer.web.errors import status_of
from reviewer.web.pages import _act, _draft_or_error, _int, _ip, _refused, _shown, bp
from reviewer.web.security import current_actor, db, requires

_OVERRIDE = re.compile(r"override_(\d{1,12})")
_CONSENT = re.compile(r"consent_approver_(\d{1,12})")
_NOTE = re.compile(r"note_comment_(\d{1,3})")
#: What a gate box may say: approve it, return it, or leave it for later (an exception to 全部通过).
CHOICES = ("approve", "reject", "later")
DIFF_FIELDS = (("title", "标题"), ("body", "正文"), ("citizen_message", "群众留言"))


def _diff(state: dict, old: int | None) -> dict | None:
    """The change from version ``old`` to the current one, field by field (None when there is none)."""
    if old is None or old >= state["version"]:
        return None
    versions = {v["number"]: v for v in state["versions"]}
    before, now = versions.get(old), versions[state["version"]]
    if before is None:
        return None
    fields = [(label, pieces) for key, label in DIFF_FIELDS
              if changed(pieces := diff_pieces(before.get(key), now.get(key)))]
    return {"old": old, "fields": fields}


def _changes(state: dict, baseline: Any, seen_from: int | None) -> list[dict]:
    """What changed since the version this reviewer saw last, and since the last signed version."""
    seen = seen_from if seen_from is not None else baseline.seen
    out = []
    for old, label in ((seen, "自您上次查看的第 {} 版以来"), (baseline.signed, "自上次签署的第 {} 版以来")):
        found = _diff(state, old)
        if found and all(c["old"] != old for c in out):
            out.append({**found, "label": label.format(old)})
        elif found:
            out[0]["label"] += "（也是上次签署的版本）"
    return out


def _review_page(draft_id: int, level: Any = None, *, errors: dict[str, str] | None = None,
                 codes: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                 level_error: str | None = None, seen_from: int | None = None, status: int = 200) -> Any:
    row = _draft_or_error(draft_id)
    state = workflow.draft_state(db(), row)
    actions = workflow.allowed_actions(db(), current_actor(), row)
    levels = actions.review_levels
    if level is None:
        level = levels[0] if levels else state["open_level"]
    baseline = workflow.record_view(db(), current_actor(), row, ip=_ip())
    notes = [n for n in workflow.notes_of(db(), row) if n["version"] == state["version"]]
    return render_template(
        "pages/review.html", state=state, level=level, open_levels=levels, refusal=actions.reasons.get("review"),
        can_sign=level in levels, **_shown(state),
        signed=state["matrix"].get(str(level), {}) if level is not None else {},
        errors=errors or {}, codes=codes or {}, values=values or {}, level_error=level_error,
        changes=_changes(state, baseline, seen_from), earlier=workflow.earlier_reasons(db(), row),
        level_notes=[n for n in notes if n["level"] == level], choices=CHOICES,
    ), status


@bp.route("/drafts/<int:draft_id>/review")
@requires("draft.sign")
def review(draft_id: int) -> Any:
    """审核: the draft, what changed since last time, and the five gates of the chosen level in one form."""
    level = _int(request.args.get("level"))
    return _review_page(draft_id, level if isinstance(level, int) else None)


def _reasons(form: Any, gate_of: dict[int, str] | None = None, gate: str | None = None
             ) -> tuple[dict[str, str], dict[str, dict]]:
    """The override reasons and consent records typed (for the findings of ``gate`` when given)."""
    def wanted(finding_id: str) -> bool:
        return gate_of is None or gate_of.get(int(finding_id)) == gate

    overrides = {m.group(1): value for key, value in form.items() if (m := _OVERRIDE.fullmatch(key)) and wanted(m.group(1))}
    consents = {m.group(1): {"approver": form.get(f"consent_approver_{m.group(1)}", ""),
                             "approved_on": form.get(f"consent_date_{m.group(1)}", "")}
                for key in form if (m := _CONSENT.fullmatch(key)) and wanted(m.group(1))}
    return overrides, consents


def _typed_notes(form: Any) -> list[dict[str, Any]]:
    """The comments on selected words, as the page's script added them to the form."""
    notes = []
    for key in sorted((k for k in form if _NOTE.fullmatch(k)), key=lambda k: int(_NOTE.fullmatch(k).group(1))):
        n = _NOTE.fullmatch(key).group(1)
        comment = form.get(key, "")
        if not comment.strip():
            continue
        notes.append({"field": form.get(f"note_field_{n}"), "start": _int(form.get(f"note_start_{n}")),
                      "end": _int(form.get(f"note_end_{n}")), "gate": form.get(f"note_gate_{n}") or "text",
                      "quote": form.get(f"note_quote_{n}", ""), "comment": comment})
    return notes


@bp.route("/drafts/<int:draft_id>/level", methods=["POST"])
@requires("draft.sign")
def sign_level(draft_id: int) -> Any:
    """本级签署: 本级五关全部通过 (with per-gate exceptions) or 退回修改 (comments on gates and on words)."""
    form = request.form
    level, version, returning = _int(form.get("level")), _int(form.get("version")), form.get("action") == "return"
    row = _draft_or_error(draft_id)
    gate_of = {f["id"]: f["gate"] for f in workflow.draft_state(db(), row)["findings"]}
    notes = _typed_notes(form)
    kept: dict[str, Any] = {"summary": form.get("summary", ""), "notes": notes}
    gates: dict[str, dict] = {}
    for gate in GATES:
        choice = form.get(f"decision_{gate}")
        if choice is None:
            continue  # signed already, or not offered
        comment = form.get(f"comment_{gate}", "")
        overrides, consents = _reasons(form, gate_of, gate)
        kept[gate] = {"decision": choice, "comment": comment, "overrides": overrides, "consents": consents}
        if returning:
            choice = "reject" if choice == "reject" or comment.strip() or any(n["gate"] == gate for n in notes) else "later"
        if choice == "approve":
            gates[gate] = {"decision": "approve", "comment": comment or None, "overrides": overrides, "consents": consents}
        elif choice == "reject":
            gates[gate] = {"decision": "reject", "comment": comment or None}
    page_level = level if isinstance(level, int) else None
    if returning and not gates:
        return _review_page(draft_id, page_level, values=kept, status=422,
                            level_error="退回修改时，请至少在一关写明审核意见，或划选原文写下意见。")
    request_ = workflow.LevelRequest(version, level, gates, form.get("summary") or None,
                                     [{k: v for k, v in n.items() if k != "quote"} for n in notes])
    try:
        rows = _act(workflow.sign_level, draft_id, request_, ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        if exc.code == "not_found":
            raise
        stale = exc.code == "stale_version" and isinstance(version, int)
        by_gate = getattr(exc, "by_gate", {})
        if by_gate and not stale:
            return _review_page(draft_id, page_level, errors={g: e.message for g, e in by_gate.items()},
                                codes={g: e.code for g, e in by_gate.items()}, values=kept, status=status_of(exc))
        return _review_page(draft_id, None if stale else page_level, values=kept, level_error=exc.message,
                            seen_from=version if stale else None, status=status_of(exc))
    flash(f"已签署{workflow.describe_level(rows)}。", "success")
    return _after(draft_id, level)


def _after(draft_id: int, level: Any, anchor: str = "level-form") -> Any:
    row = _draft_or_error(draft_id)
    if row.status != "in_review":
        flash(f"稿件状态已变为“{STATUS_NAMES[row.status]}”。", "info")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    return redirect(url_for("pages.review", draft_id=draft_id, level=level) + f"#{anchor}")


@bp.route("/drafts/<int:draft_id>/signoff", methods=["POST"])
@requires("draft.sign")
def signoff(draft_id: int) -> Any:
    """签署一关: approve or return one gate of one level (the form the API's single sign-off mirrors)."""
    form = request.form
    gate, level, decision = form.get("gate", ""), _int(form.get("level")), form.get("decision", "")
    overrides, consents = _reasons(form)
    comment = form.get("comment", form.get(f"comment_{gate}", ""))
    try:
        request_ = workflow.SignOffRequest(_int(form.get("version")), level, gate, decision, comment or None,
                                           overrides, consents)
        _act(workflow.sign_off, draft_id, request_, ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        if exc.code == "not_found":
            raise
        values = {gate: {"decision": decision, "comment": comment, "overrides": overrides, "consents": consents}}
        version = _int(form.get("version"))
        stale = exc.code == "stale_version" and isinstance(version, int)
        return _review_page(draft_id, level if isinstance(level, int) else None, errors={gate: exc.message},
                            codes={gate: exc.code}, values=values, seen_from=version if stale else None,
                            status=status_of(exc))
    flash(f"已签署第 {level} 级{GATE_NAMES.get(gate, gate)}：{DECISION_NAMES.get(decision, decision)}。", "success")
    return _after(draft_id, level, f"gate-{gate}")
