"""Suggestions that are the corrected wording itself, so an editor can put one in place in one click.

For the corrective families listed in ``lexicons/corrections.toml`` (political expressions,
outdated agency names, typos) a lexicon entry's suggestion is the standard form of exactly the
words its span covers; several standard forms are separated by ``/``. Other suggestions say what
to do (“删除促销内容”) and are never offered as a replacement.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CorrectionRules:
    """Which findings' suggestions replace their evidence span, and how alternatives are separated."""

    families: frozenset[str]
    sources: frozenset[str]
    separator: str


@lru_cache(maxsize=1)
def rules() -> CorrectionRules:
    """The shipped ``lexicons/corrections.toml``, read once."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("corrections.toml").read_text("utf-8"))
    return CorrectionRules(frozenset(data["families"]), frozenset(data["sources"]), data["separator"])


def _get(finding: Any, name: str) -> Any:
    return finding.get(name) if isinstance(finding, Mapping) else getattr(finding, name, None)


def replacements(finding: Any) -> list[str]:
    """The texts that may replace ``finding``'s span (a Finding or its dict), in the lexicon's order; [] if none."""
    table = rules()
    suggestion = _get(finding, "suggestion")
    if not suggestion or _get(finding, "category") not in table.families or _get(finding, "source") not in table.sources:
        return []
    return [part.strip() for part in suggestion.split(table.separator) if part.strip()]


def apply(text: str, start: int, end: int, replacement: str) -> str:
    """``text`` with ``text[start:end]`` replaced: what 采用建议 does to the editor's field."""
    return text[:start] + replacement + text[end:]
