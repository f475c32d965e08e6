"""The audit trail: the HMAC-chained log, who may read which part of it, and what leaves it.

Owns the chain (``chain``: record, verify, anchor), reading scope (``scope``), exports of the log
(``exports``), the monthly review register (``register``) and lexicon/model change records
(``changes``). Callers import the module they use: ``from reviewer.audit import chain as audit``.

May import: reviewer.audit, reviewer.storage, reviewer.config, reviewer.errors, reviewer.vocabulary, reviewer.permissions
"""

