"""Citizens' messages: the messages themselves, their reply deadlines, the Q&A library and (later) alerts.

A unit answers the same questions again and again; the Q&A library (``qa``) offers the answered
entry closest to a new message, flags entries that have expired or name an agency renamed since,
and groups answered messages by topic (``topics``) so the unit can turn them into entries. The
text parts (``handling``, ``qa``, ``topics``, ``features``) are pure; the use cases over the database
are ``inbox`` (receive, assign, transfer, move, queue, ``overdue_messages``), ``importing`` (XLSX/CSV
with a preview), ``replies`` (a reply draft linked to its message) and ``library`` (the stored Q&A
library, suggestions, topics). Publishing a reply is the workflow's, which answers the message
(``reviewer.workflow.replies``) without importing this part.

May import: reviewer.messages, reviewer.engine, reviewer.config, reviewer.errors, reviewer.vocabulary, reviewer.calendar, reviewer.storage, reviewer.audit, reviewer.workflow, reviewer.bootstrap, reviewer.permissions, reviewer.admin
"""
