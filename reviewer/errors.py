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
