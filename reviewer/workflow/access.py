"""Who the actor is in a draft: their roles, the units they see, and how they took part in it.

Rules live in ``reviewer.permissions``; this module gathers the facts those rules read (roles,
units, participation) from the database, fresh on every call, so a changed role applies at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.errors import fail
from reviewer.permissions import allows, role_refusal
from reviewer.storage import (
    Account,
    Draft,
    DraftRemoval,
    DraftVersion,
    OutsourcedStaff,
    SignOff,
    User,
    UserRole,
    UserUnit,
    descendant_unit_ids,
)
from reviewer.workflow.validation import valid_id


def roles_of(session: Session, user: User) -> frozenset[str]:
    """The user's roles, read fresh from the database."""
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))


def require(session: Session, user: User, capability: str) -> frozenset[str]:
    """The user's roles; refuse with ``forbidden_role`` unless one of them holds ``capability``."""
    roles = roles_of(session, user)
    if not allows(roles, capability):
        raise fail("forbidden_role", role_refusal(capability))
    return roles


def visible_unit_ids(session: Session, user: User) -> set[int]:
    """The user's units and every unit below them in the tree."""
    own = session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))
    return descendant_unit_ids(session, own)


def visible_accounts(session: Session, user: User) -> list[Account]:
    """Active accounts of the user's units (and their descendants), by id."""
    units = visible_unit_ids(session, user)
    if not units:
        return []
    return list(session.scalars(
        select(Account).where(Account.unit_id.in_(units), Account.active.is_(True)).order_by(Account.id)
    ))


def get_account(session: Session, actor: User, account_id: Any) -> Account:
    """An active account of the actor's units, else 404 (whether it exists elsewhere or not)."""
    account_id = valid_id(account_id)
    account = session.get(Account, account_id) if account_id else None
    if account is None or not account.active or account.unit_id not in visible_unit_ids(session, actor):
        raise fail("not_found", "账号不存在，或不属于您所在的单位。")
    return account


def get_draft(session: Session, actor: User, draft_id: Any) -> Draft:
    """The draft if it belongs to the actor's units; 404 otherwise, so ids reveal nothing."""
    draft_id = valid_id(draft_id)
    draft = session.get(Draft, draft_id) if draft_id else None
    if draft is None:
        raise fail("not_found", "稿件不存在，或不属于您所在的单位。")
    account = session.get(Account, draft.account_id)
    if account is None or account.unit_id not in visible_unit_ids(session, actor):
        raise fail("not_found", "稿件不存在，或不属于您所在的单位。")
    if session.get(DraftRemoval, draft.id) is not None:  # deleted by an editor (reviewer.workflow.retraction)
        raise fail("not_found", "稿件已删除，删除记录保留在审计日志中。")
    return draft


def current_version(session: Session, draft: Draft) -> DraftVersion:
    """The draft's current version row."""
    version = session.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft.id,
                                                        DraftVersion.number == draft.current_version))
    if version is None:
        raise fail("not_found", "稿件版本不存在。")
    return version


def writer_ids(session: Session, draft: Draft) -> set[int]:
    """Everyone who wrote the draft: its author and the editor of every version."""
    writers = set(session.scalars(select(DraftVersion.editor_id).where(DraftVersion.draft_id == draft.id)))
    writers.add(draft.author_id)
    return writers


def signoffs_of(session: Session, version: DraftVersion) -> list[SignOff]:
    """The live sign-offs of one version (lapsed ones no longer count), oldest first."""
    return list(session.scalars(select(SignOff).where(SignOff.version_id == version.id, SignOff.lapsed_at.is_(None))
                                .order_by(SignOff.id)))


def signing_authority(session: Session, user: User | None, account: Account) -> str | None:
    """Why ``user`` may not sign for ``account`` now (None when they may): checked when it matters.

    A sign-off counts only while its signer is active, holds a role with ``draft.sign`` and still
    belongs to a unit that holds the account.
    """
    name = user.display_name or user.username if user else "签署人"
    if user is None or not user.active:
        return f"{name}的账号已停用"
    if not allows(roles_of(session, user), "draft.sign"):
        return f"{name}已不再担任审核员"
    if account.unit_id not in visible_unit_ids(session, user):
        return f"{name}已不属于主办该账号的单位"
    return None


def participation(session: Session, actor: User, draft: Draft, version: DraftVersion,
                  level: int | None = None, *, signed: list[SignOff] | None = None) -> frozenset[str]:
    """How ``actor`` took part in ``draft`` (the keys of ``permissions.PARTICIPATION``).

    ``level`` is the level the actor is about to sign, so that signing another level of the same
    version counts against them.
    """
    parts: set[str] = set()
    if actor.id in writer_ids(session, draft):
        parts.add("wrote")
    rows = signed if signed is not None else signoffs_of(session, version)
    mine = [s for s in rows if s.reviewer_id == actor.id]
    if mine:
        parts.add("signed_current")
    if mine or session.scalar(select(SignOff.id).join(DraftVersion, DraftVersion.id == SignOff.version_id)
                              .where(DraftVersion.draft_id == draft.id, SignOff.reviewer_id == actor.id)
                              .limit(1)) is not None:
        parts.add("signed_any")
    if level is not None and any(s.level != level for s in mine):
        parts.add("signed_other_level")
    if _outsourced_for(session, actor, draft):
        parts.add("outsourced")
    return frozenset(parts)


def _outsourced_for(session: Session, actor: User, draft: Draft) -> bool:
    """Whether ``actor`` is staff of the operator that runs the draft's account (托管变脱管)."""
    operator_id = session.scalar(select(OutsourcedStaff.operator_id).where(OutsourcedStaff.user_id == actor.id))
    return operator_id is not None and session.scalar(
        select(Account.operator_id).where(Account.id == draft.account_id)) == operator_id
