"""Bench: stream a large audit log to CSV and show that memory stays flat.

Generates N chained, keyed entries (default 1,000,000) into a fresh SQLite file with bulk
inserts, then exports all of them to CSV with ``reviewer.exports`` in a separate process, and
prints that process's peak RSS and entries/s. Optionally verifies the whole chain as well.

    python bench/bench_audit_export.py [--entries N] [--verify] [--keep DIR]

The limit asked of the exporter: peak RSS under 300 MB for 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

KEY = b"bench-audit-key"
LIMIT_MB = 300
BATCH = 20_000
EVENTS = ("draft.create", "findings.attach", "draft.submit", "signoff", "signoff", "signoff", "publish",
          "login.success")


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB.

    Linux's VmHWM is reset by exec; getrusage's ru_maxrss would include the parent's peak,
    inherited through fork, so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(url: str, count: int) -> float:
    """Fill the database with ``count`` valid chained entries; returns the seconds it took."""
    from reviewer.audit import chain as audit
    from reviewer.storage import make_engine, upgrade
    from reviewer.vocabulary import GATES

    upgrade(url)
    engine = make_engine(url)
    table = audit.AuditEntry.__table__
    columns = list(table.c.keys())
    statement = f"INSERT INTO audit_entries ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    stored_time = table.c.created_at.type.bind_processor(engine.dialect)  # SQLAlchemy's own format
    start = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    prev = audit.GENESIS_HASH
    with engine.begin() as conn:
        batch = []
        for seq in range(1, count + 1):
            event = EVENTS[seq % len(EVENTS)]
            fields = {
                "seq": seq,
                "created_at": base + timedelta(seconds=seq * 2),
                "event": event,
                "actor_id": seq % 50 + 1,
                "actor_name": f"reviewer{seq % 50}",
                "unit_id": seq % 6 + 1,
                "account_id": seq % 7 + 1,
                "draft_id": seq // 8 + 1,
                "version": 1,
                "level": seq % 3 + 1 if event == "signoff" else None,
                "gate": GATES[seq % 5] if event == "signoff" else None,
                "details": audit.dump_details({"decision": "approve", "comment": f"第{seq}条：内容准确，同意发布"}),
                "ip": "10.1.2.3",
            }
            sealed = audit.seal(fields, prev, KEY)
            prev = sealed["entry_hash"]
            row = {**fields, **sealed, "created_at": stored_time(fields["created_at"])}
            batch.append(tuple(row[name] for name in columns))
            if len(batch) == BATCH:
                conn.exec_driver_sql(statement, batch)
                batch = []
        if batch:
            conn.exec_driver_sql(statement, batch)
    engine.dispose()
    return time.perf_counter() - start


def export_child(url: str, out: str) -> None:
    """Run in a fresh process: export everything to CSV and print figures as JSON."""
    baseline = peak_rss_mb()
    from reviewer.audit import exports
    from reviewer.audit.scope import EVERYTHING
    from reviewer.storage import make_engine, make_session_factory

    engine = make_engine(url)
    start = time.perf_counter()
    with make_session_factory(engine)() as session, open(out, "wb") as fh:
        for chunk in exports.export_chunks(session, exports.AuditFilter(), "csv", scope=EVERYTHING):
            fh.write(chunk)
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_rss_mb(), "start_rss_mb": baseline,
                      "bytes": Path(out).stat().st_size}))


def verify_child(url: str) -> None:
    """Run in a fresh process: verify the whole chain and print figures as JSON."""
    from reviewer.audit import chain as audit
    from reviewer.storage import make_engine, make_session_factory

    engine = make_engine(url)
    start = time.perf_counter()
    with make_session_factory(engine)() as session:
        result = audit.verify(session, KEY)
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(), "ok": result.ok,
                      "count": result.count}))


def child(*args: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--verify", action="store_true", help="also verify the whole chain")
    parser.add_argument("--keep", type=Path, help="keep the database and CSV in this directory")
    parser.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--verify-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    if args.verify_child:
        verify_child(args.verify_child)
        return

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="bench-audit-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db, out = workdir / "audit.sqlite3", workdir / "audit.csv"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    try:
        seconds = generate(url, args.entries)
        print(f"generated   {args.entries:>10,} entries in {seconds:6.1f} s  "
              f"({args.entries / seconds:,.0f} entries/s); database {db.stat().st_size / 2**20:,.0f} MB")
        figures = child("--export-child", url, str(out))
        rate = args.entries / figures["seconds"]
        verdict = "OK" if figures["peak_rss_mb"] < LIMIT_MB else "OVER LIMIT"
        print(f"export csv  {args.entries:>10,} entries in {figures['seconds']:6.1f} s  ({rate:,.0f} entries/s); "
              f"file {figures['bytes'] / 2**20:,.0f} MB")
        print(f"peak RSS of the exporting process: {figures['peak_rss_mb']:.1f} MB "
              f"(after start-up {figures['start_rss_mb']:.1f} MB); limit {LIMIT_MB} MB -> {verdict} "
              f"({figures['peak_rss_mb'] / LIMIT_MB:.0%} of the limit)")
        if args.verify:
            checked = child("--verify-child", url)
            print(f"verify      {checked['count']:>10,} entries in {checked['seconds']:6.1f} s  "
                  f"({checked['count'] / checked['seconds']:,.0f} entries/s); ok={checked['ok']}; "
                  f"peak RSS {checked['peak_rss_mb']:.1f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
