"""One inspection run: read the histories, review every record, judge every account.

Memory stays flat in the number of records: records stream from the files, per-post results
stream to their output, and an account keeps counters, its timestamps and capped evidence only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from reviewer.config import Settings
from reviewer.engine.core import Engine, load_engine
from reviewer.engine.findings import Report
from reviewer.inspection.accounts import Account, Rules, Verdict, Window, default_rules, verdict
from reviewer.inspection.escalation import Escalation, alerts, escalations
from reviewer.inspection.records import BadRow, Record, read


@dataclass
class Inspection:
    """What a run found: a verdict per account (by name), the rows it could not read, the counts."""

    window: Window
    verdicts: list[Verdict] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    records: int = 0
    alerts: Counter = field(default_factory=Counter)  # violation alerts per 主办单位 in this inspection
    escalations: list[Escalation] = field(default_factory=list)  # with earlier alerts in the period


def post_result(record: Record, report: dict) -> dict:
    """The ``reviewer check`` contract for one record, plus its id, account and publication time."""
    return {"id": record.id, "account": record.account, "published_at": record.published_at.isoformat(),
            "kind": record.kind, **report}


#: Records sent to a worker process at a time, and how many such chunks may be in flight per worker.
CHUNK = 200
AHEAD = 2
_worker_engine: Engine | None = None


def _start_worker(settings: Settings) -> None:
    global _worker_engine
    _worker_engine = load_engine(settings)


def _review_chunk(chunk: list[Record]) -> list[Report]:
    assert _worker_engine is not None
    return [_review(_worker_engine, record) for record in chunk]


def _review(engine: Engine, record: Record) -> Report:
    return engine.review(record.text, kind=record.kind, duty=record.unit or None, as_of_year=record.published_at.year)


def _chunks(items: Iterable[Record | BadRow]) -> Iterator[list[Record | BadRow]]:
    chunk: list[Record | BadRow] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reviewed(items: Iterable[Record | BadRow], engine: Engine, workers: int) -> Iterator[tuple[Record | BadRow, Report | None]]:
    """Each item with its report, in input order; with workers > 1 the reviews run in that many processes.

    Chunks are submitted a few at a time, so memory stays flat, and results come back in order, so
    the accounts see the same records in the same order whatever the number of workers.
    """
    if workers <= 1:
        for item in items:
            yield item, (_review(engine, item) if isinstance(item, Record) else None)
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(engine.settings,)) as pool:
        pending: deque = deque()
        for chunk in _chunks(items):
            records = [item for item in chunk if isinstance(item, Record)]
            pending.append((chunk, pool.submit(_review_chunk, records)))
            while len(pending) > workers * AHEAD:
                yield from _merge(*pending.popleft())
        while pending:
            yield from _merge(*pending.popleft())


def _merge(chunk: list[Record | BadRow], future) -> Iterator[tuple[Record | BadRow, Report | None]]:
    reports = iter(future.result())
    for item in chunk:
        yield item, (next(reports) if isinstance(item, Record) else None)


def _counted(items: Iterable, on_progress: Callable[[int], None] | None, every: int = 500) -> Iterator:
    done = 0
    for item in items:
        yield item
        done += 1
        if on_progress is not None and done % every == 0:
            on_progress(done)
    if on_progress is not None:
        on_progress(done)


def inspect(paths: Iterable[Path], window: Window, engine: Engine, *, rules: Rules | None = None,
            posts_out: IO[str] | None = None, on_progress: Callable[[int], None] | None = None,
            workers: int = 1, earlier_alerts: Mapping[str, int] | None = None) -> Inspection:
    """Review every record of ``paths`` and judge every account over ``window`` (results identical for any ``workers``).

    ``on_progress`` is called now and then with the number of rows read so far; ``earlier_alerts``
    are the alerts per 主办单位 of earlier inspections inside the escalation period.
    """
    rules = rules or default_rules()
    result = Inspection(window)
    accounts: dict[str, Account] = {}
    for item, report in _reviewed(_counted(read(list(paths)), on_progress), engine, workers):
        if isinstance(item, BadRow):
            result.bad_rows.append(item)
            continue
        result.records += 1
        account = accounts.setdefault(item.account, Account(item.account))
        account.observe(item, report, window, rules)
        if posts_out is not None and window.start <= item.published_at < window.end:
            posts_out.write(json.dumps(post_result(item, report.to_dict()), ensure_ascii=False) + "\n")
    result.verdicts = [verdict(a, window, rules) for _, a in sorted(accounts.items())]
    result.alerts = alerts(result.verdicts, rules)
    result.escalations = escalations(result.alerts, earlier_alerts)
    return result
