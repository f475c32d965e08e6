"""One inspection run: read the histories, review every record, judge every account.

Memory stays flat in the number of records: records stream from the files, per-post results
stream to their output, and an account keeps counters, its timestamps and capped evidence only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from reviewer.engine.core import Engine
from reviewer.inspection.accounts import Account, Rules, Verdict, Window, default_rules, verdict
from reviewer.inspection.records import BadRow, Record, read


@dataclass
class Inspection:
    """What a run found: a verdict per account (by name), the rows it could not read, the counts."""

    window: Window
    verdicts: list[Verdict] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    records: int = 0


def post_result(record: Record, report: dict) -> dict:
    """The ``reviewer check`` contract for one record, plus its id, account and publication time."""
    return {"id": record.id, "account": record.account, "published_at": record.published_at.isoformat(),
            "kind": record.kind, **report}


def inspect(paths: Iterable[Path], window: Window, engine: Engine, *, rules: Rules | None = None,
            posts_out: IO[str] | None = None, progress: Callable[[Iterable], Iterable] = lambda it: it) -> Inspection:
    """Review every record of ``paths`` and judge every account over ``window``."""
    rules = rules or default_rules()
    result = Inspection(window)
    accounts: dict[str, Account] = {}
    for item in progress(read(list(paths))):
        if isinstance(item, BadRow):
            result.bad_rows.append(item)
            continue
        result.records += 1
        account = accounts.setdefault(item.account, Account(item.account))
        report = engine.review(item.text, kind=item.kind, duty=item.unit or None,
                               as_of_year=item.published_at.year)
        account.observe(item, report, window, rules)
        if posts_out is not None and window.start <= item.published_at < window.end:
            posts_out.write(json.dumps(post_result(item, report.to_dict()), ensure_ascii=False) + "\n")
    result.verdicts = [verdict(a, window, rules) for _, a in sorted(accounts.items())]
    return result
