"""Errors a user can cause, each with a stable code and a Chinese message to show them."""

from __future__ import annotations


class ReviewerError(Exception):
    """Base of every error reviewer reports to a person: ``code`` is stable, ``message`` is Chinese."""

    code = "error"
    status = 400

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
    status = 422
