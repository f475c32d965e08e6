"""Storage: the tables, and how to connect to, walk and migrate the database.

The constraints that protect the review rules (one sign-off per version, level and gate; immutable
numbered versions; allowed enum values) live in the database itself, so a bug or a race in the
application cannot write a state the rules forbid. The schema is created only by Alembic
(``reviewer/migrations``); the ORM classes here mirror the migrations (0001 and later).

May import: reviewer.vocabulary, reviewer.config
"""

from reviewer.storage.alert_tables import Alert, DraftRemoval, PostCheck, PostCorrection, PostWithdrawal
from reviewer.storage.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    alembic_config,
    context_of,
    descendant_unit_ids,
    make_engine,
    make_session_factory,
    schema_is_current,
    settings_of,
    upgrade,
)
from reviewer.storage.lexicon_tables import FindingFeedback, LexiconEntry, LexiconState
from reviewer.storage.message_tables import MessageRow, MessageStep, QaEntry
from reviewer.storage.register_tables import AccountEvent, AccountFiling, Operator, OutsourcedStaff, UnitContact
from reviewer.storage.review_tables import DraftView, ReviewNote
from reviewer.storage.tables import (
    MAX_ID,
    NAMING_CONVENTION,
    Account,
    ApiToken,
    Base,
    Draft,
    DraftVersion,
    FindingRow,
    InspectionJob,
    LoginThrottle,
    Publication,
    SignOff,
    SignOffConsent,
    SignOffOverride,
    Unit,
    User,
    UserRole,
    UserUnit,
    UTCDateTime,
    in_list,
    utcnow,
)

__all__ = [
    "Alert", "DraftRemoval", "PostCheck", "PostCorrection", "PostWithdrawal",
    "AccountEvent", "AccountFiling", "Operator", "OutsourcedStaff", "UnitContact",
    "DraftView", "ReviewNote",
    "FindingFeedback", "LexiconEntry", "LexiconState",
    "MessageRow", "MessageStep", "QaEntry",
    "MAX_ID", "NAMING_CONVENTION", "SQLITE_BUSY_TIMEOUT_MS", "Account", "ApiToken", "Base", "Draft", "DraftVersion",
    "FindingRow", "InspectionJob", "LoginThrottle", "Publication", "SignOff", "SignOffConsent", "SignOffOverride", "UTCDateTime", "Unit",
    "User", "UserRole", "UserUnit", "alembic_config", "context_of", "descendant_unit_ids", "in_list", "make_engine",
    "make_session_factory", "schema_is_current", "settings_of", "upgrade", "utcnow",
]
