"""Which audit entries a reader may see: the units they answer for, like every other view.

Issue 4 confines users to their own units and the units below them; the audit trail follows the
same rule, so an auditor of one county cannot read another county's drafts through the log.
An entry without a unit that is about a user (a login, a token, a password or role change)
belongs to that user's units. Only entries about no one in particular (lexicon and model changes,
command-line exports) concern the whole deployment: admins and auditors of a root unit (the
supervising office, a unit with no parent) see them. Admins, and the command line (which runs
with database access anyway), see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from reviewer.errors import WorkflowError
from reviewer.permissions import UNLIMITED_AUDIT_ROLES
from reviewer.storage import UserUnit

if TYPE_CHECKING:
    from reviewer.audit.exports import AuditFilter
    from reviewer.storage import Account, Draft, User

OUT_OF_SCOPE_MESSAGES: dict[str, str] = {
    "unit_id": "单位不存在，或不在您的审计范围内。",
    "account_id": "账号不存在，或不在您的审计范围内。",
    "draft_id": "稿件不存在，或不在您的审计范围内。",
}


class OutOfScope(WorkflowError):
    """The reader named a unit, account or draft they may not audit (answered as 404)."""

    def __init__(self, message: str) -> None:
        super().__init__("not_found", message)


@dataclass(frozen=True)
class AuditScope:
    """The units whose entries a reader sees (None: all) and whether unit-less entries are included."""

    unit_ids: frozenset[int] | None = None
    deployment_wide: bool = True

    @property
    def unlimited(self) -> bool:
        """True when nothing is hidden from this reader."""
        return self.unit_ids is None

    def clause(self, table: Any) -> ColumnElement[bool] | None:
        """The WHERE condition on the audit table, or None when nothing is hidden.

        An entry of a unit is seen by readers of that unit. An entry without a unit but about a
        user (a login, a token, a password or role change; ``subject_user_id``, or for entries
        older than that column the acting user) is seen by readers of that user's units. Only
        entries about no one in particular (lexicon and model changes, command-line exports) are
        deployment-wide, for readers in a root unit.
        """
        if self.unit_ids is None:
            return None
        units = sorted(self.unit_ids)
        unitless = table.c.unit_id.is_(None)
        subject = func.coalesce(table.c.subject_user_id, table.c.actor_id)
        parts = []
        if units:
            members = select(UserUnit.user_id).where(UserUnit.unit_id.in_(units))
            parts += [table.c.unit_id.in_(units), and_(unitless, subject.in_(members))]
        if self.deployment_wide:
            parts.append(and_(unitless, subject.is_(None)))
        return or_(*parts) if parts else false()

    def to_dict(self) -> dict[str, Any] | str:
        """The scope as recorded in an export's own audit entry."""
        if self.unit_ids is None:
            return "all"
        return {"unit_ids": sorted(self.unit_ids), "deployment_wide": self.deployment_wide}


#: The whole deployment: admins and the command line.
EVERYTHING = AuditScope()


def scope_for(session: Session, user: User, roles: Iterable[str] | None = None) -> AuditScope:
    """The audit scope of ``user`` (``roles`` when the caller already has them, else looked up)."""
    from reviewer.storage import Unit, descendant_unit_ids

    roles = set(roles) if roles is not None else user.role_names()
    if roles & UNLIMITED_AUDIT_ROLES:
        return EVERYTHING
    in_root = session.scalar(
        select(UserUnit.unit_id).join(Unit, Unit.id == UserUnit.unit_id)
        .where(UserUnit.user_id == user.id, Unit.parent_id.is_(None)).limit(1)
    ) is not None
    own = session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))
    return AuditScope(frozenset(descendant_unit_ids(session, own)), deployment_wide=in_root)


def account_in_scope(session: Session, scope: AuditScope, account_id: int) -> Account:
    """The account if its unit is in scope; OutOfScope otherwise, whether it exists or not."""
    from reviewer.storage import Account

    account = session.get(Account, account_id)
    if account is None or (not scope.unlimited and account.unit_id not in (scope.unit_ids or ())):
        raise OutOfScope(OUT_OF_SCOPE_MESSAGES["account_id"])
    return account


def draft_in_scope(session: Session, scope: AuditScope, draft_id: int) -> Draft:
    """The draft if its account's unit is in scope; OutOfScope otherwise, whether it exists or not."""
    from reviewer.storage import Draft

    draft = session.get(Draft, draft_id)
    if draft is None:
        raise OutOfScope(OUT_OF_SCOPE_MESSAGES["draft_id"])
    try:
        account_in_scope(session, scope, draft.account_id)
    except OutOfScope:
        raise OutOfScope(OUT_OF_SCOPE_MESSAGES["draft_id"]) from None
    return draft


def check_filter(session: Session, scope: AuditScope, flt: AuditFilter) -> None:
    """Refuse a filter naming a unit, account or draft outside a limited scope (OutOfScope).

    Unknown ids are refused the same way, so the answer never tells whether another unit's
    id exists. Readers who see everything may filter on any id.
    """
    if scope.unlimited:
        return
    if flt.unit_id is not None and flt.unit_id not in (scope.unit_ids or ()):
        raise OutOfScope(OUT_OF_SCOPE_MESSAGES["unit_id"])
    if flt.account_id is not None:
        account_in_scope(session, scope, flt.account_id)
    if flt.draft_id is not None:
        draft_in_scope(session, scope, flt.draft_id)
