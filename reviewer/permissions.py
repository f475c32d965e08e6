"""Who may do what: capabilities by role, and the separation-of-duty rules. One table, one place.

The workflow refuses with these rules, the pages and the API admit requests with them, and the
buttons a page offers are computed from them, so a rule cannot be enforced in one place and
forgotten in another. Everything here is data over plain values (role names, the ways a person
took part in a draft); the workflow gathers those facts from the database.

May import: reviewer.vocabulary
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from reviewer.vocabulary import ROLE_NAMES, ROLES

EVERYONE: frozenset[str] = frozenset(ROLES)

#: capability -> the roles that hold it. Every route, command and button names one of these.
CAPABILITIES: Mapping[str, frozenset[str]] = MappingProxyType({
    "session": EVERYONE,                                # change one's own password, see one's home page
    "draft.read": EVERYONE,                             # read the drafts of one's units
    "text.check": EVERYONE,                             # review a text without storing it (API)
    "draft.write": frozenset({"editor"}),               # create, edit, check and submit drafts
    "draft.sign": frozenset({"reviewer"}),              # sign gates at a review level
    "draft.publish": frozenset({"publisher"}),          # record the publication of an approved version
    "audit.read": frozenset({"auditor", "admin"}),      # read, export and verify the audit log
    "admin.manage": frozenset({"admin"}),               # units, accounts, users
    "inspect": frozenset({"supervisor"}),               # run inspections of account histories, read their reports
    "lexicon.manage": frozenset({"admin"}),             # the lexicon's database entries, imports, the feedback queue
    "lexicon.feedback": frozenset({"reviewer"}),        # mark a finding 误报 or a missed span 漏报
    "alerts.handle": frozenset({"supervisor"}),         # sweep, read and clear violation alerts, download rectification reports
    "post.withdraw": frozenset({"publisher"}),          # take a published item down (撤稿), with the reason
    "post.check": frozenset({"publisher"}),             # record the 双向反馈 check of a live post
    "message.read": EVERYONE,                           # read the citizens' messages held by one's units
    "message.handle": frozenset({"editor", "admin"}),   # receive, import, assign, transfer, move messages; draft replies
    "qa.curate": frozenset({"editor", "admin"}),        # add, edit and retire Q&A library entries of one's units
})
#: Roles that read the whole deployment's audit log whatever their units.
UNLIMITED_AUDIT_ROLES: frozenset[str] = frozenset({"admin"})

#: The ways a person can have taken part in a draft, as the workflow reports them.
PARTICIPATION: Mapping[str, str] = MappingProxyType({
    "wrote": "撰写或修改过这篇稿件",
    "signed_current": "签署过此版本的审核",
    "signed_any": "签署过这篇稿件任一版本的审核",
    "signed_other_level": "已在另一审核级别签署过此版本",
    "outsourced": "是该账号托管单位的外包人员",
})

#: act -> (participation that excludes the actor, the refusal shown). Checked in this order.
#: 严禁同一人发布、同一人审核: who wrote a draft never signs it; who wrote or signed any version of it
#: never publishes it, so every published version has at least two people behind it.
SEPARATION: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "sign": (
        ("wrote", "您撰写或修改过这篇稿件，不能审核它（严禁同一人撰稿、同一人审核）。"),
        ("signed_other_level", "您已在另一审核级别签署过此版本，同一人不能签署两个级别。"),
        ("outsourced", "您是该账号托管单位的外包人员，不能审核它（托管变脱管：外包人员不得审核、发布所托管的账号）。"),
    ),
    "publish": (
        ("wrote", "您撰写或修改过这篇稿件，不能发布它（发布须由撰稿、审核以外的人进行）。"),
        ("signed_any", "您签署过这篇稿件的审核，不能再发布它（严禁同一人审核、同一人发布）。"),
        ("outsourced", "您是该账号托管单位的外包人员，不能发布它（托管变脱管：外包人员不得审核、发布所托管的账号）。"),
    ),
})
#: 托管变脱管: the capabilities outsourced staff never hold over an account their operator runs. The
#: admin refuses granting a role that holds one of them (``outsourced_roles``); the workflow refuses
#: the act itself through the ``outsourced`` participation above.
OUTSOURCED_EXCLUDED: tuple[str, ...] = ("draft.sign", "draft.publish")
#: Participation that disqualifies an approval at any level (used when counting approvals).
DISQUALIFIES_APPROVAL: frozenset[str] = frozenset({"wrote"})


def roles_for(capability: str) -> frozenset[str]:
    """The roles holding ``capability``; an unknown capability is a programming error."""
    return CAPABILITIES[capability]


def allows(roles: Iterable[str], capability: str) -> bool:
    """Whether any of ``roles`` holds ``capability``."""
    return bool(roles_for(capability).intersection(roles))


def role_refusal(capability: str) -> str:
    """The Chinese refusal for a user who lacks every role holding ``capability``."""
    names = "或".join(f"“{ROLE_NAMES[r]}”" for r in ROLES if r in roles_for(capability))
    return f"此操作需要{names}角色。"


def separation_refusal(act: str, participation: Iterable[str]) -> str | None:
    """The refusal for ``act`` by someone who took part as ``participation``; None when allowed."""
    taken = set(participation)
    for part, message in SEPARATION.get(act, ()):
        if part in taken:
            return message
    return None


def outsourced_roles() -> frozenset[str]:
    """The roles outsourced staff may not hold over their operator's accounts (reviewer, publisher)."""
    return frozenset().union(*(roles_for(c) for c in OUTSOURCED_EXCLUDED))
