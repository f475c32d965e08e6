"""The one vocabulary: roles, statuses (of drafts and of inspection jobs), gates, severities, kinds,
levels, the register's subject levels, contact roles and background-check results, and their Chinese names.

The codes and names are data (``vocabulary.toml``); the database constraints, the JSON schemas,
the templates, the exports and the command line all read them from here, so a name is changed
in one place and a code cannot be spelled two ways.

May import: (nothing of reviewer)
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType

_DATA = tomllib.loads(files("reviewer").joinpath("vocabulary.toml").read_text(encoding="utf-8"))


def _names(section: str) -> Mapping[str, str]:
    return MappingProxyType(dict(_DATA[section]))


ROLE_NAMES = _names("roles")
STATUS_NAMES = _names("statuses")
GATE_NAMES = _names("gates")
SEVERITY_NAMES = _names("severities")
VERDICT_NAMES = _names("verdicts")
KIND_NAMES = _names("kinds")
DECISION_NAMES = _names("decisions")
SOURCE_NAMES = _names("sources")
PLATFORM_NAMES = _names("platforms")
FIELD_NAMES = _names("fields")
INSPECTION_STATUS_NAMES = _names("inspection_statuses")
SUBJECT_LEVEL_NAMES = _names("subject_levels")
CONTACT_ROLE_NAMES = _names("contact_roles")
BACKGROUND_RESULT_NAMES = _names("background_results")
LICENSE_STATUS_NAMES = _names("license_statuses")
MESSAGE_STATE_NAMES = _names("message_states")
LEXICON_SOURCE_NAMES = _names("lexicon_sources")
LEXICON_ENTRY_KIND_NAMES = _names("lexicon_entry_kinds")
FEEDBACK_KIND_NAMES = _names("feedback_kinds")
FEEDBACK_STATUS_NAMES = _names("feedback_statuses")
ALERT_SOURCE_NAMES = _names("alert_sources")
ALERT_STATE_NAMES = _names("alert_states")
POST_STATE_NAMES = _names("post_states")
POST_CHECK_ITEM_NAMES = _names("post_check_items")
LEVEL_NAMES: Mapping[int, str] = MappingProxyType({int(k): v for k, v in _DATA["levels"].items()})

ROLES: tuple[str, ...] = tuple(ROLE_NAMES)
DRAFT_STATUSES: tuple[str, ...] = tuple(STATUS_NAMES)
INSPECTION_STATUSES: tuple[str, ...] = tuple(INSPECTION_STATUS_NAMES)
GATES: tuple[str, ...] = tuple(GATE_NAMES)
SEVERITIES: tuple[str, ...] = tuple(SEVERITY_NAMES)
VERDICTS: tuple[str, ...] = tuple(VERDICT_NAMES)
KINDS: tuple[str, ...] = tuple(KIND_NAMES)
DECISIONS: tuple[str, ...] = tuple(DECISION_NAMES)
SOURCES: tuple[str, ...] = tuple(SOURCE_NAMES)
PLATFORMS: tuple[str, ...] = tuple(PLATFORM_NAMES)
LEVELS: tuple[int, ...] = tuple(LEVEL_NAMES)
SUBJECT_LEVELS: tuple[str, ...] = tuple(SUBJECT_LEVEL_NAMES)
CONTACT_ROLES: tuple[str, ...] = tuple(CONTACT_ROLE_NAMES)
BACKGROUND_RESULTS: tuple[str, ...] = tuple(BACKGROUND_RESULT_NAMES)
MESSAGE_STATES: tuple[str, ...] = tuple(MESSAGE_STATE_NAMES)
LEXICON_SOURCES: tuple[str, ...] = tuple(LEXICON_SOURCE_NAMES)
LEXICON_ENTRY_KINDS: tuple[str, ...] = tuple(LEXICON_ENTRY_KIND_NAMES)
FEEDBACK_KINDS: tuple[str, ...] = tuple(FEEDBACK_KIND_NAMES)
FEEDBACK_STATUSES: tuple[str, ...] = tuple(FEEDBACK_STATUS_NAMES)
ALERT_SOURCES: tuple[str, ...] = tuple(ALERT_SOURCE_NAMES)
ALERT_STATES: tuple[str, ...] = tuple(ALERT_STATE_NAMES)
POST_CHECK_ITEMS: tuple[str, ...] = tuple(POST_CHECK_ITEM_NAMES)
#: The fields of a version the engine reviews, in display order; a reply's citizen message is the
#: citizen's own words, not the account's, so it is never among them.
FINDING_FIELDS: tuple[str, ...] = tuple(_DATA["reviewed_fields"])


def level_name(level: int) -> str:
    """``第 2 级``: the one way a review level is named to people."""
    return LEVEL_NAMES.get(level, f"第 {level} 级")


def template_globals() -> dict[str, object]:
    """Every name above, for the web templates and macros."""
    return {
        "GATES": GATES, "GATE_NAMES": GATE_NAMES, "SEVERITY_NAMES": SEVERITY_NAMES, "KIND_NAMES": KIND_NAMES,
        "DECISION_NAMES": DECISION_NAMES, "STATUS_NAMES": STATUS_NAMES, "ROLE_NAMES": ROLE_NAMES,
        "VERDICT_NAMES": VERDICT_NAMES, "LEVEL_NAMES": LEVEL_NAMES, "SOURCE_NAMES": SOURCE_NAMES,
        "FIELD_NAMES": FIELD_NAMES, "INSPECTION_STATUS_NAMES": INSPECTION_STATUS_NAMES, "level_name": level_name,
        "SUBJECT_LEVEL_NAMES": SUBJECT_LEVEL_NAMES, "CONTACT_ROLE_NAMES": CONTACT_ROLE_NAMES,
        "BACKGROUND_RESULT_NAMES": BACKGROUND_RESULT_NAMES, "MESSAGE_STATE_NAMES": MESSAGE_STATE_NAMES,
        "LICENSE_STATUS_NAMES": LICENSE_STATUS_NAMES,
        "LEXICON_SOURCE_NAMES": LEXICON_SOURCE_NAMES, "LEXICON_ENTRY_KIND_NAMES": LEXICON_ENTRY_KIND_NAMES,
        "FEEDBACK_KIND_NAMES": FEEDBACK_KIND_NAMES, "FEEDBACK_STATUS_NAMES": FEEDBACK_STATUS_NAMES,
        "ALERT_SOURCE_NAMES": ALERT_SOURCE_NAMES, "ALERT_STATE_NAMES": ALERT_STATE_NAMES,
        "POST_STATE_NAMES": POST_STATE_NAMES, "POST_CHECK_ITEM_NAMES": POST_CHECK_ITEM_NAMES,
    }
