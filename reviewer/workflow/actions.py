"""What a person may do with a draft right now, and why not: the buttons a page offers.

Computed from the same rules the commands enforce (``reviewer.permissions`` and the lifecycle),
so a page never offers an action the workflow would refuse, and a refusal names its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from reviewer.permissions import allows, role_refusal, separation_refusal
from reviewer.storage import Draft, User
from reviewer.vocabulary import STATUS_NAMES
from reviewer.workflow import lifecycle
from reviewer.workflow.access import current_version, participation, roles_of
from reviewer.workflow.approval import approval, open_levels, sign_refusal


@dataclass(frozen=True)
class Actions:
    """Each action the actor may take now; ``reasons`` says why each other one is not offered."""

    edit: bool = False
    submit: bool = False
    review_levels: list[int] = field(default_factory=list)
    publish: bool = False
    reasons: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> object:
        """Templates read ``actions.edit`` and ``actions["edit"]`` alike."""
        return getattr(self, name)


def allowed_actions(session: Session, actor: User, draft: Draft) -> Actions:
    """The actions ``actor`` may take on ``draft`` now, with the reason for each one withheld."""
    roles = roles_of(session, actor)
    reasons: dict[str, str] = {}
    status_name = STATUS_NAMES[draft.status]

    def gate(name: str, capability: str, status_ok: bool, status_reason: str) -> bool:
        if not allows(roles, capability):
            reasons[name] = role_refusal(capability)
            return False
        if not status_ok:
            reasons[name] = status_reason
            return False
        return True

    edit = gate("edit", "draft.write", draft.status in lifecycle.EDIT_STATUS, "稿件已发布，不能再修改。")
    submit = gate("submit", "draft.write", draft.status in lifecycle.SUBMITTABLE,
                  f"稿件当前状态为“{status_name}”，不能提交审核。")
    levels: list[int] = []
    if gate("review", "draft.sign", draft.status in (lifecycle.SIGNABLE, lifecycle.PUBLISHABLE),
            f"稿件当前状态为“{status_name}”，不在审核中。"):
        version = current_version(session, draft)
        refusal = sign_refusal(session, actor, draft, version)
        if refusal:
            reasons["review"] = refusal
        else:
            levels = open_levels(session, actor, draft)
    publish = gate("publish", "draft.publish", draft.status == lifecycle.PUBLISHABLE,
                   f"稿件当前状态为“{status_name}”，尚不能发布。")
    if publish:
        version = current_version(session, draft)
        refusal = separation_refusal("publish", participation(session, actor, draft, version))
        if refusal is None and approval(session, draft, version).missing:
            refusal = "此版本尚未完成全部审核。"
        if refusal:
            reasons["publish"] = refusal
            publish = False
    return Actions(edit=edit, submit=submit, review_levels=levels, publish=publish, reasons=reasons)
