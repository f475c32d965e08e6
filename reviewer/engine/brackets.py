"""The format rule for brackets and quotes: every opener closed within its paragraph, nothing extra."""

from __future__ import annotations

import re

import numpy as np

from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category
from reviewer.engine.normalize import View


def _mask(chars: str) -> np.ndarray:
    mask = np.zeros(0x110000, dtype=bool)
    mask[[ord(c) for c in chars]] = True
    return mask


#: Pairs checked by the bracket rule, in the plain view (full-width forms are already folded).
_PAIRS = {")": "(", "]": "[", "}": "{", "】": "【", "》": "《", "”": "“", "’": "‘", "」": "「", "』": "『", "〕": "〔", "〉": "〈"}
_OPENERS = frozenset(_PAIRS.values())


def unbalanced(original: str, plain: View, category: Category) -> list[Finding]:
    """Unbalanced brackets and quotes, paragraph by paragraph (a quote never spans a blank line)."""
    if not _HAS_BRACKET[plain.codes].any():
        return []
    findings = []
    stack: list[tuple[int, str]] = []

    def flag(i: int, note: str) -> None:
        start, end = plain.span(i, i + 1)
        findings.append(
            Finding(start, end, original[start:end], "format", category.gate, category.severity,
                    "format.unbalanced", "检查括号、引号是否成对", note, "pattern")
        )

    for m in _BRACKET_OR_BREAK.finditer(plain.text):
        ch, i = m.group(), m.start()
        if ch == "\n":
            for j, _ in stack:
                flag(j, "括号或引号没有闭合")
            stack.clear()
        elif ch in _OPENERS:
            stack.append((i, ch))
        elif stack and stack[-1][1] == _PAIRS[ch]:
            stack.pop()
        else:
            flag(i, "多余的右括号或右引号")
    for j, _ in stack:
        flag(j, "括号或引号没有闭合")
    return findings


_BRACKET_OR_BREAK = re.compile("[\n" + re.escape("".join(_PAIRS) + "".join(_OPENERS)) + "]")
_HAS_BRACKET = _mask("".join(_PAIRS) + "".join(_OPENERS))
