"""One way to page, search and filter every list of drafts: my drafts, all drafts and both queues.

A list's state is its query string (bookmarkable, and 上一页/下一页 keep the filters): ``ListFilter.parse``
reads it and says in Chinese what is wrong with each bad field, so the page shows the error where
the form is instead of failing. Searching is a case-insensitive substring match through SQLAlchemy
(``icontains`` with escaping), so it means the same on SQLite and PostgreSQL. Lists whose rows are
decided per draft by the permission rules (the review queue) are filtered by the same functions the
buttons use, then paged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from reviewer.storage import MAX_ID, Account, Draft, DraftRemoval, DraftVersion, User
from reviewer.vocabulary import STATUS_NAMES
from reviewer.workflow.access import visible_unit_ids
from reviewer.workflow.reads import _summaries

#: Rows per page of every list.
PER_PAGE = 20
#: Longest search text kept (longer input is refused, not cut silently).
MAX_QUERY = 100
#: The days people type are Beijing days.
LOCAL_TZ = timezone(timedelta(hours=8))
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
_NUMBER = re.compile(r"#?(\d{1,10})")
#: The query-string names of a list's state, in the order a URL shows them.
FIELDS: tuple[str, ...] = ("q", "status", "account_id", "since", "until", "page")


@dataclass(frozen=True)
class ListFilter:
    """What a list shows: a search text, a status, an account, a date range (Beijing days) and a page."""

    q: str = ""
    status: str | None = None
    account_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1
    #: The raw values as typed, so the form shows them back even when one is wrong.
    values: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, args: Mapping[str, Any], statuses: Mapping[str, str] = STATUS_NAMES
              ) -> tuple[ListFilter, dict[str, str]]:
        """The filter from a query string and, per bad field, its Chinese error (the bad fields stay unset)."""
        values = {name: str(args.get(name) or "").strip() for name in FIELDS}
        errors: dict[str, str] = {}
        q = values["q"]
        if len(q) > MAX_QUERY:
            errors["q"] = f"搜索内容不能超过 {MAX_QUERY} 个字。"
            q = ""
        status = values["status"] or None
        if status is not None and status not in statuses:
            errors["status"] = "稿件状态无效，请从列表中选择。"
            status = None
        account_id = None
        if values["account_id"]:
            account_id = _positive(values["account_id"])
            if account_id is None:
                errors["account_id"] = "账号无效，请从列表中选择。"
        since = _day(values["since"], "since", "起始日期", errors)
        until = _day(values["until"], "until", "结束日期", errors)
        if since and until and since > until:
            errors["until"] = "结束日期不能早于起始日期。"
            until = None
        page, page_error = page_number(values["page"])
        if page_error:
            errors["page"] = page_error
        return cls(q, status, account_id, since, until, page, values), errors

    def query_args(self, **change: Any) -> dict[str, Any]:
        """The filter as query-string arguments (empty ones left out), with ``change`` applied."""
        args = {"q": self.q or None, "status": self.status, "account_id": self.account_id,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "page": self.page if self.page > 1 else None}
        args.update(change)
        if args.get("page") == 1:
            args["page"] = None
        return {k: v for k, v in args.items() if v not in (None, "")}

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as UTC instants: from the start of ``since`` to the end of ``until``."""
        start = datetime.combine(self.since, time(), LOCAL_TZ).astimezone(UTC) if self.since else None
        end = (datetime.combine(self.until + timedelta(days=1), time(), LOCAL_TZ).astimezone(UTC)
               if self.until else None)
        return start, end


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, how many rows match in all, which page this is of how many."""

    items: list[dict]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE


def page_number(text: str | None) -> tuple[int, str | None]:
    """A page number from the query string (empty: page 1), or page 1 and the Chinese reason it is unusable."""
    text = (text or "").strip()
    if not text:
        return 1, None
    number = _positive(text)
    if number is None:
        return 1, f"页码“{text[:20]}”无效，应为正整数。"
    return number, None


def _positive(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID else None


def _day(text: str, name: str, label: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label}“{text[:20]}”不是有效日期，应为“年-月-日”，例如 2026-10-01。"
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        errors[name] = f"{label}应在 {EARLIEST_DAY.year} 年至 {LATEST_DAY.year} 年之间。"
        return None
    return day


def empty_page() -> Page:
    """What a list shows while its filter has an error: nothing, on page 1 of 1."""
    return Page([], 0, 1, 1)


def list_accounts(session: Session, actor: User) -> list[Account]:
    """The accounts a list can be filtered by: every account of the actor's units, by id."""
    units = visible_unit_ids(session, actor)
    if not units:
        return []
    return list(session.scalars(select(Account).where(Account.unit_id.in_(units)).order_by(Account.id)))


def _statement(session: Session, actor: User, flt: ListFilter, statuses: tuple[str, ...] | None,
               author_only: bool) -> Select | None:
    units = visible_unit_ids(session, actor)
    if not units:
        return None
    current = aliased(DraftVersion)
    author = aliased(User)
    query = (select(Draft).join(Account, Account.id == Draft.account_id)
             .join(current, and_(current.draft_id == Draft.id, current.number == Draft.current_version))
             .join(author, author.id == Draft.author_id)
             .where(Account.unit_id.in_(units), Draft.id.not_in(select(DraftRemoval.draft_id))))
    if author_only:
        query = query.where(Draft.author_id == actor.id)
    if statuses is not None:
        query = query.where(Draft.status.in_(statuses))
    if flt.status is not None:
        query = query.where(Draft.status == flt.status)
    if flt.account_id is not None:
        query = query.where(Draft.account_id == flt.account_id)
    start, end = flt.bounds()
    if start is not None:
        query = query.where(Draft.updated_at >= start)
    if end is not None:
        query = query.where(Draft.updated_at < end)
    if flt.q:
        found = [current.title.icontains(flt.q, autoescape=True), Account.name.icontains(flt.q, autoescape=True),
                 author.display_name.icontains(flt.q, autoescape=True), author.username.icontains(flt.q, autoescape=True)]
        if (number := _NUMBER.fullmatch(flt.q)) and int(number.group(1)) <= MAX_ID:
            found.append(Draft.id == int(number.group(1)))
        query = query.where(or_(*found))
    return query


def draft_page(session: Session, actor: User, flt: ListFilter, *, statuses: tuple[str, ...] | None = None,
               author_only: bool = False, oldest_first: bool = False,
               keep: Callable[[Draft], dict | None] | None = None, per_page: int = PER_PAGE) -> Page:
    """One page of the drafts of the actor's units that match ``flt``.

    ``keep`` decides per draft whether it belongs to the list (None: it does not) and what its row
    adds to the summary; such lists are filtered in full, then paged. A page past the last shows the last.
    """
    query = _statement(session, actor, flt, statuses, author_only)
    if query is None:
        return Page([], 0, 1, 1, per_page)
    order = (Draft.updated_at.asc(), Draft.id.asc()) if oldest_first else (Draft.updated_at.desc(), Draft.id.desc())
    query = query.order_by(*order)
    if keep is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        pages = max(1, -(-total // per_page))
        page = min(flt.page, pages)
        drafts = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
        return Page(_summaries(session, drafts), total, page, pages, per_page)
    kept = [(draft, extra) for draft in session.scalars(query) if (extra := keep(draft)) is not None]
    total = len(kept)
    pages = max(1, -(-total // per_page))
    page = min(flt.page, pages)
    chosen = kept[(page - 1) * per_page: page * per_page]
    rows = _summaries(session, [draft for draft, _ in chosen])
    return Page([{**row, **extra} for row, (_, extra) in zip(rows, chosen, strict=True)], total, page, pages, per_page)


def review_queue_page(session: Session, actor: User, flt: ListFilter) -> Page:
    """The review queue, paged: in-review drafts with the level open to the actor (``open_levels``), oldest first."""
    from reviewer.permissions import allows
    from reviewer.workflow.access import roles_of
    from reviewer.workflow.approval import open_levels
    from reviewer.workflow.lifecycle import PUBLISHABLE, SIGNABLE

    if not allows(roles_of(session, actor), "draft.sign"):
        return empty_page()

    def levels(draft: Draft) -> dict | None:
        found = open_levels(session, actor, draft)
        return {"levels": found} if found else None

    return draft_page(session, actor, flt, statuses=(SIGNABLE, PUBLISHABLE), oldest_first=True, keep=levels)


def publish_queue_page(session: Session, actor: User, flt: ListFilter) -> Page:
    """Approved drafts, paged, each saying whether the actor may publish it and why not (``allowed_actions``)."""
    from reviewer.workflow.actions import allowed_actions
    from reviewer.workflow.lifecycle import PUBLISHABLE

    def offer(draft: Draft) -> dict:
        actions = allowed_actions(session, actor, draft)
        return {"publish": actions.publish, "publish_refusal": actions.reasons.get("publish")}

    return draft_page(session, actor, flt, statuses=(PUBLISHABLE,), keep=offer)
