"""The draft lifecycle as data: which statuses allow which act, and where an act leads.

    draft ─submit─► in_review ─all levels approve─► approved ─publish─► published
      ▲               │  ▲                              │
      └──(edit)───────┘  └────────────(edit)────────────┘
    returned ◄─reject── in_review;  returned ─edit, submit─► in_review

May import: reviewer.vocabulary
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Draft statuses in which an edit is allowed, and the status after the edit (an edit of an
#: approved draft sends it back to review: earlier approvals were for another version).
EDIT_STATUS: Mapping[str, str] = MappingProxyType({
    "draft": "draft",
    "returned": "returned",
    "in_review": "in_review",
    "approved": "in_review",
})
#: Statuses from which the current version may be sent to review.
SUBMITTABLE: frozenset[str] = frozenset({"draft", "returned"})
#: The status in which gates are signed, and the one in which a draft may be published.
SIGNABLE: str = "in_review"
PUBLISHABLE: str = "approved"
#: Where a decision leads: a rejection returns the draft; the last approval makes it approved.
AFTER_REJECT: str = "returned"
AFTER_ALL_APPROVED: str = "approved"
AFTER_SUBMIT: str = "in_review"
AFTER_PUBLISH: str = "published"

#: An editor's own moves of a draft that is not published, as data: act -> (statuses it starts
#: from, status after; None: the draft is deleted). 撤回 takes a draft out of review back to
#: editing (sign-offs of its current version lapse); 删除 hides it, keeping every row for the audit
#: trail. A published draft is never withdrawn or deleted this way: it is corrected or taken down.
EDITOR_MOVES: Mapping[str, tuple[frozenset[str], str | None]] = MappingProxyType({
    "withdraw": (frozenset({"in_review", "approved"}), "draft"),
    "delete": (frozenset({"draft", "returned", "in_review", "approved"}), None),
})
#: The status from which a published item is corrected (更正), taken down (撤稿) or checked (双向反馈).
AFTER_PUBLISH_FROM: str = "published"

#: Finding families that are signed off only with the record of who in the unit consented to
#: publishing them, and when: 未经单位同意严禁发布案件、灾情疫情、统计、环保测评数据; 三安全一稳定.
CONSENT_REQUIRED: frozenset[str] = frozenset({"restricted_topic", "stability"})
