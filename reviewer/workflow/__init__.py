"""The review workflow: drafts, versions, findings, sign-offs and publication.

Owns the two-person, multi-level, five-gate review: ``validation`` (input), ``access`` (roles,
units, participation), ``approval`` (how far a version got), ``actions`` (what a person may do
now), ``checking`` (the engine on a draft's fields), ``commands`` (the changes, audited in the same
transaction) and ``reads`` (what pages and the API show), with ``listing`` (paged, searchable
lists), ``todo`` (what waits for a person), ``signsheet`` (the printable 审核签批单) and ``stats``
(the units' review statistics), ``levels`` (one action signing the gates of a level) and
``rereview`` (the version a reviewer saw last, earlier override reasons, level comments). The browser pages, the JSON API and the
command line call these functions and nothing else. The names below are the package's interface.

May import: reviewer.workflow, reviewer.registry, reviewer.engine, reviewer.audit, reviewer.storage, reviewer.bootstrap, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""

from reviewer.errors import WorkflowError
from reviewer.workflow.access import get_account, get_draft, roles_of, visible_accounts, visible_unit_ids
from reviewer.workflow.actions import Actions, allowed_actions
from reviewer.workflow.approval import Approval, approval, open_levels
from reviewer.workflow.checking import TextCheck, check_text, duty_of
from reviewer.workflow.commands import SignOffRequest, create_draft, edit_draft, publish, retrying, sign_off, submit
from reviewer.workflow.levels import LevelRefused, LevelRequest, describe_level, sign_level
from reviewer.workflow.reads import draft_state, list_drafts, publish_queue, review_queue
from reviewer.workflow.rereview import Baseline, earlier_reasons, last_signed_version, notes_of, record_view
from reviewer.workflow.validation import LIMITS, MAX_ID, content_sha256

__all__ = [
    "LIMITS", "MAX_ID", "Actions", "Approval", "SignOffRequest", "TextCheck", "WorkflowError", "allowed_actions",
    "approval", "check_text", "content_sha256", "create_draft", "draft_state", "duty_of", "edit_draft",
    "get_account", "get_draft", "list_drafts", "open_levels", "publish", "publish_queue", "retrying", "review_queue", "roles_of",
    "sign_off", "submit", "visible_accounts", "visible_unit_ids",
    # one action per level and re-review from what changed (issue 16)
    "Baseline", "LevelRefused", "LevelRequest", "describe_level", "earlier_reasons", "last_signed_version", "notes_of",
    "record_view", "sign_level",
]
