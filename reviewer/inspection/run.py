"""One inspection run: read the histories, review every record, judge every account.

The work is split by account into parts (a stable hash of the account name), so a part holds
whole account histories and needs nothing from the others. Each part reads every file itself (the
reading is cheap next to the review), keeps only its accounts' rows, reviews them and judges its
accounts; per-post results go to the part's own file, tagged with the row's place in the input.
Merging is then bookkeeping: verdicts sorted by account, bad rows and post results in input order.
So the result is identical whether one process, N processes (``workers``) or a Dask cluster
(``inspection.cluster``) ran the parts, and memory stays flat in the number of records: a part
keeps counters, timestamps and capped evidence per account, never the records.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from reviewer.config import Settings
from reviewer.engine.core import Engine, load_engine
from reviewer.inspection.accounts import Account, Rules, Verdict, Window, default_rules, verdict
from reviewer.inspection.escalation import Escalation, alerts, escalations
from reviewer.inspection.records import UNANSWERED, BadRow, Record, account_of, rows, to_record

#: Progress is reported after this many rows read.
EVERY = 500


@dataclass
class Inspection:
    """What a run found: a verdict per account (by name), the rows it could not read, the counts."""

    window: Window
    verdicts: list[Verdict] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    records: int = 0
    alerts: Counter = field(default_factory=Counter)  # violation alerts per 主办单位 in this inspection
    escalations: list[Escalation] = field(default_factory=list)  # with earlier alerts in the period
    previous: frozenset[tuple[str, str]] | None = None  # the last round's failing accounts (a re-check)

    def remark(self, v: Verdict) -> str:
        """备注 of a failing account in a re-check: still failing after the last round's notice."""
        if self.previous is None:
            return ""
        return "未整改或整改不到位" if _key(v) in self.previous or (v.account.name, "") in self.previous else ""

    def rechecked(self) -> tuple[int, int, int] | None:
        """(failing last round, fixed, still failing), or None when this is no re-check."""
        if self.previous is None:
            return None
        still = sum(1 for v in self.verdicts if not v.passed and self.remark(v))
        return len(self.previous), len(self.previous) - still, still


def _key(v: Verdict) -> tuple[str, str]:
    return v.account.name, v.account.platform


@dataclass(frozen=True)
class Registered:
    """An account as the register (备案) knows it: its platform and its 主办单位."""

    name: str
    platform: str
    unit: str
    level: str = ""  # 开设主体级别 (省级/设区市/县级/乡镇), as the register names it


@dataclass(frozen=True)
class Scope:
    """Which accounts an inspection judges, and what the register says of them.

    ``only``: the accounts to judge (a sample or a targeted list; None: every account found).
    ``registry``: registered accounts; their 主办单位 and platform replace the file's, and a
    registered account in scope with no record at all is judged too (it never updated).
    """

    registry: tuple[Registered, ...] = ()
    only: frozenset[str] | None = None

    def wanted(self, name: str) -> bool:
        return self.only is None or name in self.only

    def expected(self) -> list[Registered]:
        """The registered accounts in scope: each must appear in the result."""
        return [r for r in self.registry if self.wanted(r.name)]

    @cached_property
    def _by_name(self) -> dict[str, list[Registered]]:
        found: dict[str, list[Registered]] = {}
        for entry in self.registry:
            found.setdefault(entry.name, []).append(entry)
        return found

    def lookup(self, name: str, platform: str) -> Registered | None:
        """The register's entry for an account of the files: by name and platform, else by a name
        registered on one platform only."""
        same = self._by_name.get(name, [])
        exact = [r for r in same if r.platform == platform]
        return exact[0] if exact else (same[0] if len(same) == 1 and not platform else None)


AccountKey = tuple[str, str]  # (name, platform): one name may run an account on several platforms


@dataclass
class Part:
    """What one part found: its accounts, its bad rows (with their place in the input), its counts."""

    accounts: dict[AccountKey, Account]
    bad_rows: list[tuple[int, BadRow]]
    records: int
    posts_file: str | None


def post_result(record: Record, report: dict) -> dict:
    """The ``reviewer check`` contract for one record, plus its id, account and publication time."""
    return {"id": record.id, "account": record.account, "published_at": record.published_at.isoformat(),
            "kind": record.kind, **report}


def part_of(account: str, parts: int) -> int:
    """The part an account belongs to: the same in every process and on every machine."""
    return zlib.crc32(account.encode("utf-8")) % parts


def inspect_part(paths: list[Path], window: Window, engine: Engine | Settings, part: int, parts: int, *,
                 rules: Rules | None = None, posts_file: str | None = None, scope: Scope | None = None,
                 on_progress: Callable[[int], None] | None = None) -> Part:
    """Review and judge the accounts of one part. ``engine`` may be the settings to load it from
    (a worker process or a cluster node loads its engine once). Rows naming no account fall to
    part 0, so each bad row is reported exactly once."""
    engine = engine if isinstance(engine, Engine) else load_engine(engine)
    rules = rules or default_rules()
    scope = scope or Scope()
    accounts: dict[AccountKey, Account] = {}
    bad: list[tuple[int, BadRow]] = []
    records = 0
    out = open(posts_file, "w", encoding="utf-8") if posts_file else None  # noqa: SIM115 - closed below
    try:
        seq = -1
        for seq, (where, row) in enumerate(rows(paths)):
            if on_progress is not None and seq % EVERY == 0:
                on_progress(seq)
            name = account_of(row)
            if part_of(name, parts) != part if name else part != 0:
                continue
            if name and not scope.wanted(name):
                continue
            item = BadRow(where, row["__bad__"]) if "__bad__" in row else to_record(row, where)
            if isinstance(item, BadRow):
                bad.append((seq, item))
                continue
            records += 1
            # a message still unanswered is the citizen's text, not the account's: nothing to review
            report = None if item.kind == UNANSWERED else engine.review(
                item.text, kind=item.kind, duty=item.unit or None, as_of_year=item.published_at.year)
            account = accounts.get((item.account, item.platform))
            if account is None:
                account = accounts[(item.account, item.platform)] = _account(item.account, item.platform, scope)
            account.observe(item, report, window, rules)
            if out is not None and report is not None and window.start <= item.published_at < window.end:
                out.write(f"{seq}\t{json.dumps(post_result(item, report.to_dict()), ensure_ascii=False)}\n")
        if on_progress is not None:
            on_progress(seq + 1)
    finally:
        if out is not None:
            out.close()
    found = {name for name, _ in accounts}
    for entry in scope.expected():  # registered, in scope, and silent: judged on no record at all
        if part_of(entry.name, parts) == part and (entry.name, entry.platform) not in accounts and entry.name not in found:
            accounts[(entry.name, entry.platform)] = Account(entry.name, entry.platform, entry.unit, registered=True,
                                                             level=entry.level)
    return Part(accounts, bad, records, posts_file)


def _account(name: str, platform: str, scope: Scope) -> Account:
    """A new account of the files, with the register's 主办单位 and platform when it knows it."""
    entry = scope.lookup(name, platform)
    if entry is None:
        return Account(name, platform)
    return Account(name, entry.platform, entry.unit, registered=True, level=entry.level)


def merge(parts: list[Part], window: Window, rules: Rules | None = None, *, posts_out: IO[str] | None = None,
          earlier_alerts: Mapping[str, int] | None = None) -> Inspection:
    """One inspection from its parts: verdicts by account name, bad rows and post results in input order."""
    rules = rules or default_rules()
    result = Inspection(window)
    accounts: dict[AccountKey, Account] = {}
    for part in parts:
        accounts.update(part.accounts)
        result.records += part.records
    result.bad_rows = [b for _, b in heapq.merge(*(p.bad_rows for p in parts), key=lambda pair: pair[0])]
    result.verdicts = [verdict(a, window, rules) for _, a in sorted(accounts.items())]
    result.alerts = alerts(result.verdicts, rules)
    result.escalations = escalations(result.alerts, earlier_alerts)
    if posts_out is not None:
        files = [open(p.posts_file, encoding="utf-8") for p in parts if p.posts_file]  # noqa: SIM115
        try:
            lines = heapq.merge(*files, key=lambda line: int(line.split("\t", 1)[0]))
            for line in lines:
                posts_out.write(line.split("\t", 1)[1])
        finally:
            for handle in files:
                handle.close()
    return result


_progress: Any = None  # a worker's slot in the shared progress array


def _start_worker(shared: Any) -> None:
    global _progress
    _progress = shared


def _run_part(paths: list[Path], window: Window, settings: Settings, part: int, parts: int, rules: Rules,
              posts_file: str | None, scope: Scope) -> Part:
    def report(done: int) -> None:
        _progress[part] = done

    return inspect_part(paths, window, settings, part, parts, rules=rules, posts_file=posts_file, scope=scope,
                        on_progress=report if _progress is not None else None)


def _in_processes(paths: list[Path], window: Window, engine: Engine, rules: Rules, workers: int,
                  scratch: str | None, scope: Scope, on_progress: Callable[[int], None] | None) -> list[Part]:
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    shared = multiprocessing.Array("q", workers, lock=False)
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(shared,)) as pool:
        futures = [pool.submit(_run_part, paths, window, engine.settings, k, workers, rules,
                               os.path.join(scratch, f"part-{k}.tsv") if scratch else None, scope)
                   for k in range(workers)]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            if on_progress is not None:
                on_progress(min(shared))  # every part reads every row: the slowest tells
            for future in done:
                future.result()  # a failed part fails the run now
        return [f.result() for f in futures]


def inspect(paths: Iterable[Path], window: Window, engine: Engine, *, rules: Rules | None = None,
            posts_out: IO[str] | None = None, on_progress: Callable[[int], None] | None = None,
            workers: int = 1, earlier_alerts: Mapping[str, int] | None = None, scope: Scope | None = None,
            run_parts: Callable[..., list[Part]] | None = None) -> Inspection:
    """Review every record of ``paths`` and judge every account over ``window`` (results identical for any ``workers``).

    ``on_progress`` is called now and then with the number of rows read so far; ``earlier_alerts``
    are the alerts per 主办单位 of earlier inspections inside the escalation period. ``run_parts``
    runs the parts elsewhere (``inspection.cluster``): called with (paths, window, engine, rules,
    scratch folder or None, scope), it returns the parts. ``scope`` brings the register and the
    accounts to judge (a sample).
    """
    paths = list(paths)
    rules = rules or default_rules()
    scope = scope or Scope()
    with tempfile.TemporaryDirectory(prefix="reviewer-inspect-") as tmp:
        scratch = tmp if posts_out is not None else None
        if run_parts is not None:
            parts = run_parts(paths, window, engine, rules, scratch, scope)
        elif workers <= 1:
            parts = [inspect_part(paths, window, engine, 0, 1, rules=rules, on_progress=on_progress, scope=scope,
                                  posts_file=os.path.join(tmp, "part-0.tsv") if scratch else None)]
        else:
            parts = _in_processes(paths, window, engine, rules, workers, scratch, scope, on_progress)
        return merge(parts, window, rules, posts_out=posts_out, earlier_alerts=earlier_alerts)
