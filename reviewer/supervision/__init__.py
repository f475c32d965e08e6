"""Supervision: the supervising office (政务公开办) inspects account histories in the browser.

Owns inspection jobs: ``jobs`` (an upload checked and stored, the queued job and its audit entry;
what the pages read, only for the reader's units) and ``runner`` (the background runner of the
service: one job at a time, a heartbeat while it works, the report written atomically, and
recovery at start-up of jobs a dead process left running). The inspection itself is
``reviewer.inspection``; this part gives it a durable life in the database.

May import: reviewer.supervision, reviewer.inspection, reviewer.workflow, reviewer.audit, reviewer.storage, reviewer.bootstrap, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""
