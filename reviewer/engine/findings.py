"""Findings and verdicts: the one data shape every part of reviewer speaks.

The engine produces findings, the workflow stores them, the CLI and the web render them.
The JSON form (``Finding.to_dict``) is a public contract: tests, the API and other tools read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One problem in a text; ``text`` is always ``original[start:end]``.

    A value: nothing changes a finding once made (``dataclasses.replace`` makes a new one). It is
    not declared frozen because a frozen dataclass costs 1.6 µs to build against 0.3 µs, and a
    large lexicon makes tens of findings per text.
    """

    start: int
    end: int
    text: str
    category: str
    gate: str
    severity: str
    rule: str
    suggestion: str | None = None
    source: str = "lexicon"
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


def verdict(findings: Iterable[Finding]) -> str:
    """block if any finding blocks, else review if any needs review, else pass."""
    severities = {f.severity for f in findings}
    if "block" in severities:
        return "block"
    if "review" in severities:
        return "review"
    return "pass"


@dataclass(slots=True)
class Report:
    """What ``review()`` returns: the verdict, the findings in text order and classifier labels."""

    verdict: str
    findings: list[Finding] = field(default_factory=list)
    labels: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
            "labels": dict(self.labels),
        }
