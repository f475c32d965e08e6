"""The account register (备案) lifecycle: from 申请开设 to 已注销 or 退出监管, and what is owed on the way.

Owns the lifecycle rules as data (``rules``, read from ``lexicons/registry.toml``), the state
machine over one account's history (``lifecycle``: ``transition`` allows a step or refuses it with
a stable code and the reason, in Chinese) and what the account owes on a given day (``due``).
These are pure functions over plain dataclasses, with no database and no web framework, so the
storage and the pages can keep the history in whatever form they like and ask the same rules.
The names below are the package's interface.

May import: reviewer.registry, reviewer.calendar, reviewer.errors, reviewer.vocabulary
"""

from reviewer.registry.due import Due, due
from reviewer.registry.lifecycle import Approval, Event, Filing, History, Notice, record_filing, transition
from reviewer.registry.rules import Rules, default_rules, load_rules

__all__ = [
    "Approval", "Due", "Event", "Filing", "History", "Notice", "Rules", "default_rules", "due", "load_rules",
    "record_filing", "transition",
]
