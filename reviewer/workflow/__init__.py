"""The review workflow: drafts, versions, findings, sign-offs and publication.

May import: reviewer.workflow, reviewer.engine, reviewer.audit, reviewer.storage, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""

from reviewer.workflow.legacy import *  # noqa: F403
from reviewer.workflow.legacy import MAX_ID, WorkflowError, fail  # noqa: F401
