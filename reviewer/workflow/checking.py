"""Running the review engine on a draft's fields, exactly as saving it would.

The engine comes from the session (bound at start-up by ``reviewer.bootstrap``); each reviewed
field gets its own report, with offsets into that field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.bootstrap import review_engine
from reviewer.engine.findings import Finding, Report, verdict
from reviewer.errors import ReviewerError, fail
from reviewer.storage import Account, Unit, User
from reviewer.vocabulary import FINDING_FIELDS
from reviewer.workflow import validation
from reviewer.workflow.access import get_account

#: Per reviewed field, whether the classifier runs on it. It judges a whole piece against the
#: account's duty; on a title's few characters it guesses (a plain title such as 路线巡检稿件 came out
#: off-topic for a 文旅 account), and the body already carries the piece, so titles get the lexicon
#: and patterns only.
CLASSIFY_FIELD: dict[str, bool] = {"title": False, "body": True}


@dataclass(frozen=True)
class TextCheck:
    """The engine's report for each reviewed field; each finding's offsets point into its own field."""

    reports: dict[str, Report]
    lexicon_version: int = 0  # the database lexicon version the engine judged with

    @property
    def findings(self) -> list[tuple[str, Finding]]:
        """(field, finding) pairs in display order: title first, then body."""
        return [(name, f) for name, report in self.reports.items() for f in report.findings]

    @property
    def verdict(self) -> str:
        """The verdict over every field: a block in the title blocks the piece like one in the body."""
        return verdict([f for _, f in self.findings])


def duty_of(account: Account) -> str | None:
    """The duty the classifier judges an account's texts against: its description, else its department."""
    return account.duty or account.department


def unit_path(session: Session, unit_id: int | None) -> tuple[str, ...]:
    """The unit and every unit above it, as the engine names lexicon scopes: whose own entries apply."""
    path: list[str] = []
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        path.append(str(unit_id))
        unit_id = session.scalar(select(Unit.parent_id).where(Unit.id == unit_id))
    return tuple(path)


def account_fields(session: Session, texts: dict[str, str | None], kind: str, account: Account) -> TextCheck:
    """Review the fields of a text of ``account``: its duty, and its units' own lexicon entries."""
    return review_fields(session, texts, kind, duty_of(account), unit_path(session, account.unit_id))


def review_fields(session: Session, texts: dict[str, str | None], kind: str, duty: str | None,
                  units: tuple[str, ...] = ()) -> TextCheck:
    """Review every given field of ``texts`` (None fields are skipped)."""
    engine = review_engine(session)
    reports: dict[str, Report] = {}
    try:
        for name in FINDING_FIELDS:
            if texts.get(name) is not None:
                reports[name] = engine.review(texts[name], kind=kind, duty=duty, classify=CLASSIFY_FIELD[name],
                                              units=units)
    except ReviewerError as exc:
        raise fail("invalid_input", exc.message) from exc
    return TextCheck(reports, engine.lexicon_version)


def check_text(session: Session, actor: User, account_id: Any, title: Any, body: Any, kind: Any, *,
               duty: str | None = None) -> TextCheck:
    """Review unsaved text exactly as saving it would, without storing anything.

    With an account (one of the actor's units, else 404) the classifier judges against that
    account's duty, as it will when the draft is saved; without one, against ``duty`` if given.
    A title or body given as None is not reviewed (a blank one passes); a reply's citizen message
    never is.
    """
    kind = validation.kind(kind)
    texts = {"title": title, "body": body}
    for name, value in texts.items():
        validation.text(name, value, required=False)
    if account_id is not None:
        return account_fields(session, texts, kind, get_account(session, actor, account_id))
    return review_fields(session, texts, kind, duty)
