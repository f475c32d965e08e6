"""Lexicon curation: the entries admins keep in the database (terms, allow phrases, switch-offs of
shipped terms, per-unit leaders), their import and export, "test a term", and reviewers' 误报/漏报
feedback with the admins' queue of suggestions. Every change bumps the lexicon version and is
audited with before and after in the same transaction; the engine reads none of this directly
(the bootstrap feeds the rows to ``engine.overlay``).

May import: reviewer.curation, reviewer.engine, reviewer.workflow, reviewer.admin, reviewer.audit, reviewer.storage, reviewer.bootstrap, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""
