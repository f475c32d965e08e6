"""The difference between two versions of a text, as pieces a template renders with <ins>/<del>.

Chinese has no spaces between words, so changed lines are compared character by character;
unchanged lines are matched first so long bodies stay fast.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

Op = Literal["equal", "insert", "delete"]

#: Above this many characters a changed block is shown as removed + added, not character by character.
CHAR_DIFF_LIMIT = 6000


def _chars(old: str, new: str) -> list[tuple[Op, str]]:
    if len(old) + len(new) > CHAR_DIFF_LIMIT:
        return [("delete", old), ("insert", new)]
    pieces: list[tuple[Op, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("equal", old[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(("delete", old[i1:i2]))
        if j2 > j1:
            pieces.append(("insert", new[j1:j2]))
    return pieces


def diff_pieces(old: str | None, new: str | None) -> list[tuple[Op, str]]:
    """(op, text) pieces turning ``old`` into ``new``; adjacent pieces of one op are merged."""
    old_lines = (old or "").splitlines(keepends=True)
    new_lines = (new or "").splitlines(keepends=True)
    raw: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines).get_opcodes():
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            raw.append(("equal", before))
        elif tag == "replace":
            raw.extend(_chars(before, after))
        elif tag == "delete":
            raw.append(("delete", before))
        else:
            raw.append(("insert", after))
    merged: list[tuple[Op, str]] = []
    for op, text in raw:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def changed(pieces: list[tuple[Op, str]]) -> bool:
    """True when the pieces contain any insertion or deletion."""
    return any(op != "equal" for op, _ in pieces)
