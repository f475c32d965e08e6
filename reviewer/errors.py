"""Errors a user can cause, each with a stable code and a Chinese message to show them.

Domain errors say what went wrong, never how to answer it: the web layer maps each code to an
HTTP status (``reviewer.web.errors``) and the command line to an exit code.

May import: (nothing of reviewer)
"""

from __future__ import annotations


class ReviewerError(Exception):
    """Base of every error reviewer reports to a person: ``code`` is stable, ``message`` is Chinese."""

    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InputError(ReviewerError):
    """The text or its options cannot be reviewed as given."""

    code = "invalid_input"


class WorkflowError(ReviewerError):
    """A refused action of the review workflow or of administration.

    ``race`` is True when another transaction won a race, so re-running the whole action on fresh
    state is safe (see ``reviewer.workflow.commands.retrying``).
    """

    def __init__(self, code: str, message: str, *, race: bool = False) -> None:
        super().__init__(message, code)
        self.race = race


def fail(code: str, message: str, *, race: bool = False) -> WorkflowError:
    """The refusal ``code`` with its Chinese ``message`` (a shorthand for raising)."""
    return WorkflowError(code, message, race=race)


#: The same rule as a JSON Schema pattern, for the API's published contract.
STORABLE_PATTERN = "^[^\\x00\\ud800-\\udfff]*$"
#: Characters Python's ``str.strip()`` takes away, spelled out: a JSON Schema pattern is read as an
#: ECMA-262 expression by clients and as a Python one here, and the two disagree on ``\\s``
#: (Python's holds \\x1c-\\x1f). What counts as blank is what the server strips.
_BLANKS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
#: A text that is not blank, as a JSON Schema pattern (it holds one character ``strip()`` keeps).
NOT_BLANK_PATTERN = f"[^{_BLANKS}]"


def unstorable_character(text: str) -> str | None:
    """A description of the first character no database can keep (NUL, a lone surrogate), else None.

    PostgreSQL refuses NUL in text and neither database can encode a lone UTF-16 surrogate in
    UTF-8; SQLite would store NUL silently, and such data could never move to PostgreSQL. So both
    are refused at the edge, the same way on both databases.
    """
    for position, char in enumerate(text, 1):
        code = ord(char)
        if code == 0:
            return f"第 {position} 个字符是空字符（NUL）"
        if 0xD800 <= code <= 0xDFFF:
            return f"第 {position} 个字符是无法编码的代理字符（U+{code:04X}）"
    return None


def strings_in(value: object):
    """Every string inside a JSON-like value (dict keys included), for the check above."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)
