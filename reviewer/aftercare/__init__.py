"""After publishing: corrections (更正), withdrawals (撤稿) and the publisher's 双向反馈 check.

Owns ``actions`` (the use cases, each audited in the caller's transaction: a correction is a new
draft, linked to the published original, that goes through the whole review again; a withdrawal
records who, why and when; the check records display, images and links item by item, within the
setting ``post_check_hours`` after publishing), ``state`` (what became of a published item, both
directions of a correction link, what a person may do with it now) and ``history`` (the account
history the database holds, as the inspection reads it: withdrawn items are not live updates).

May import: reviewer.aftercare, reviewer.workflow, reviewer.inspection, reviewer.storage, reviewer.audit, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""
