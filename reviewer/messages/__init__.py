"""Citizens' messages: the messages themselves, their reply deadlines, the Q&A library and (later) alerts.

A unit answers the same questions again and again; the Q&A library (``qa``) offers the answered
entry closest to a new message, flags entries that have expired or name an agency renamed since,
and groups answered messages by topic (``topics``) so the unit can turn them into entries. The
text parts here are pure (no database, no web framework); the database parts are wired later.

May import: reviewer.messages, reviewer.engine, reviewer.config, reviewer.errors, reviewer.vocabulary, reviewer.calendar, reviewer.storage, reviewer.audit
"""
