"""Findings laid over the original text: segments for inline highlighting, and display labels.

The pages (server-rendered) and the editor's 检测 button (JSON for app.js) share these segments,
so both show a finding over exactly ``text[start:end]`` of the text the engine saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from reviewer.engine.corrections import replacements
from reviewer.vocabulary import GATE_NAMES, GATES, SEVERITIES, SEVERITY_NAMES, level_name


@lru_cache(maxsize=1)
def category_names() -> dict[str, str]:
    """Chinese names of the rule families, from the lexicon's categories table."""
    try:
        from reviewer.engine.lexicon import load_categories

        return {key: cat.title for key, cat in load_categories().items()}
    except Exception:  # noqa: BLE001 - labels are cosmetic; a broken table must not break a page
        return {}


def _get(finding: Any, name: str) -> Any:
    if isinstance(finding, Mapping):
        return finding.get(name)
    return getattr(finding, name, None)


def describe(finding: Any) -> dict[str, Any]:
    """A finding (dict, Finding or row) as a dict with its Chinese labels added."""
    keys = ("id", "field", "start", "end", "text", "category", "gate", "severity", "rule", "suggestion",
            "source", "note", "overrides")
    data = {key: _get(finding, key) for key in keys}
    data["gate_name"] = GATE_NAMES.get(data["gate"], data["gate"] or "未分关")
    data["severity_name"] = SEVERITY_NAMES.get(data["severity"], data["severity"] or "")
    data["category_name"] = category_names().get(data["category"], data["category"] or "")
    data["overrides"] = data["overrides"] or []
    data["replacements"] = replacements(data)  # texts that may replace the span in one click (采用建议)
    return data


def with_overrides(findings: Iterable[Any], matrix: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The findings of the current version, each with the live sign-offs that overrode it (放行).

    ``matrix`` is ``draft_state``'s level -> gate -> sign-off; each override names the level, the
    reviewer and the reason, so a page can say who let a 禁止发布 finding through, and why.
    """
    by_finding: dict[Any, list[dict[str, Any]]] = {}
    for level, gates in sorted(matrix.items()):
        for signoff in gates.values():
            for o in (signoff or {}).get("overrides", []):
                reviewer = signoff.get("reviewer") or {}
                by_finding.setdefault(o["finding_id"], []).append(
                    {"level": int(level), "reviewer": reviewer.get("display_name") or reviewer.get("username"),
                     "reason": o["reason"], "at": signoff.get("created_at")})
    return [{**describe(f), "overrides": by_finding.get(_get(f, "id"), [])} for f in findings]


def tooltip(finding: Mapping[str, Any]) -> str:
    """The hover text of a highlight: gate, severity, rule family and the suggested fix."""
    tip = f"{finding['gate_name']} · {finding['severity_name']} · {finding['category_name']}"
    if finding.get("suggestion"):
        tip += f"\n建议：{finding['suggestion']}"
    if finding.get("note"):
        tip += f"\n说明：{finding['note']}"
    for o in finding.get("overrides") or []:
        tip += f"\n已放行（{level_name(o['level'])} {o['reviewer']}）：{o['reason']}"
    return tip


def segments(text: str, findings: Iterable[Any]) -> list[dict[str, Any]]:
    """Split ``text`` at every finding boundary; each piece carries the worst covering severity.

    Overlapping findings are allowed; a piece's tooltip lists every finding covering it, ``count``
    says how many do, and ``begins`` marks a piece where a finding starts right after another
    highlighted piece, so that two findings in one run (加微信 and 微信wjg2026) are seen as two.
    The first piece of a finding with a database id gets the anchor ``f-<id>`` so lists can link to it.
    """
    length = len(text)
    described = [describe(f) for f in findings]
    spans = [
        f for f in described
        if isinstance(f["start"], int) and isinstance(f["end"], int) and 0 <= f["start"] < f["end"] <= length
    ]
    cuts = sorted({0, length, *(f["start"] for f in spans), *(f["end"] for f in spans)})
    rank = {name: index for index, name in enumerate(SEVERITIES)}
    anchored: set[Any] = set()
    pieces: list[dict[str, Any]] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        covering = [f for f in spans if f["start"] <= left and f["end"] >= right]
        piece: dict[str, Any] = {"text": text[left:right], "severity": None, "tip": "", "anchor": None,
                                 "count": len(covering), "begins": False}
        if covering:
            piece["begins"] = bool(pieces and pieces[-1]["count"]) and any(f["start"] == left for f in covering)
            worst = max(covering, key=lambda f: rank.get(f["severity"], 0))
            piece["severity"] = worst["severity"] if worst["severity"] in rank else "info"
            piece["tip"] = "\n".join(tooltip(f) for f in covering)
            for f in covering:
                if f["id"] is not None and f["start"] == left and f["id"] not in anchored:
                    anchored.add(f["id"])
                    piece["anchor"] = f"f-{f['id']}"
                    break
        pieces.append(piece)
    return pieces


def by_gate(findings: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """Findings grouped under the five gates in their fixed order (empty gates included)."""
    groups: dict[str, list[dict[str, Any]]] = {gate: [] for gate in GATES}
    for finding in findings:
        data = describe(finding)
        groups.setdefault(data["gate"] if data["gate"] in groups else "text", []).append(data)
    return groups


def summary(findings: Iterable[Any]) -> str:
    """A one-line count by severity, e.g. “禁止发布 1 处（已放行 1 处），需复核 2 处”."""
    counts = {name: 0 for name in SEVERITIES}
    overridden = 0
    for finding in findings:
        severity = _get(finding, "severity")
        if severity in counts:
            counts[severity] += 1
        overridden += severity == "block" and bool(_get(finding, "overrides"))
    parts = [f"{SEVERITY_NAMES[s]} {counts[s]} 处" for s in reversed(SEVERITIES) if counts[s]]
    if overridden:
        parts[0] += "（均已审核放行）" if overridden == counts["block"] else f"（已审核放行 {overridden} 处）"
    return "，".join(parts) if parts else "未发现问题"
