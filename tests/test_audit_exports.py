"""Audit exports: formula escaping, BOM, XLSX and JSONL content, and what each filter selects."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import Engine, select

from reviewer.audit import chain as audit
from reviewer.audit import exports
from reviewer.audit.exports import AuditFilter, FilterError
from reviewer.audit.scope import EVERYTHING
from reviewer.storage import Account, Unit, make_session_factory

KEY = b"test-audit-key-not-for-production"
DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\ry"]


def session_for(engine: Engine):
    return make_session_factory(engine)(info={"audit_key": KEY})


def export_bytes(engine: Engine, fmt: str, flt: AuditFilter | None = None) -> bytes:
    with session_for(engine) as session:
        return b"".join(exports.export_chunks(session, flt or AuditFilter(), fmt, scope=EVERYTHING))


@pytest.fixture
def dangerous(engine: Engine) -> Engine:
    """Entries whose actor names a spreadsheet would run as formulas."""
    with session_for(engine) as session:
        for name in DANGEROUS + ["张三"]:
            audit.record(session, "login.failure", actor_name=name, details={"note": name})
        session.commit()
    return engine


def units_and_accounts(engine: Engine) -> dict[str, int]:
    with session_for(engine) as session:
        ids = {u.name: u.id for u in session.scalars(select(Unit))}
        ids.update({a.name: a.id for a in session.scalars(select(Account))})
    return ids


def csv_rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# -- CSV -------------------------------------------------------------------------------------


def test_csv_starts_with_a_utf8_bom(dangerous: Engine) -> None:
    assert export_bytes(dangerous, "csv").startswith("\ufeff".encode())


def test_csv_headers_are_chinese(dangerous: Engine) -> None:
    header = csv_rows(export_bytes(dangerous, "csv"))[0]
    assert header[:5] == ["序号", "时间(UTC)", "时间(北京时间)", "事件代码", "事件"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_cells_that_look_like_formulas_are_prefixed_with_an_apostrophe(dangerous: Engine, value: str) -> None:
    names = [row[6] for row in csv_rows(export_bytes(dangerous, "csv"))[1:]]
    assert "'" + value in names and value not in names


def test_csv_keeps_ordinary_text_and_chinese_as_is(dangerous: Engine) -> None:
    rows = csv_rows(export_bytes(dangerous, "csv"))
    assert rows[-1][6] == "张三" and rows[-1][4] == "登录失败"


def test_csv_round_trips_every_entry_hash(dangerous: Engine) -> None:
    with session_for(dangerous) as session:
        hashes = [row.entry_hash for row in audit.iter_chain(session)]
    assert [row[17] for row in csv_rows(export_bytes(dangerous, "csv"))[1:]] == hashes


# -- XLSX and JSONL -------------------------------------------------------------------------------


def test_xlsx_holds_one_row_per_entry_with_chinese_headers(dangerous: Engine) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(dangerous, "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 1 + len(DANGEROUS) + 1
    assert [r[0] for r in rows[1:]] == list(range(1, len(DANGEROUS) + 2))
    assert rows[-1][4] == "登录失败" and rows[-1][6] == "张三"


def test_xlsx_never_stores_a_formula(dangerous: Engine) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(dangerous, "xlsx"))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'=1+2" in [cell.value for cell in cells]


def test_jsonl_has_one_object_per_entry_with_details_as_an_object(dangerous: Engine) -> None:
    lines = export_bytes(dangerous, "jsonl").decode().splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) == len(DANGEROUS) + 1
    assert objects[-1]["details"] == {"note": "张三"} and objects[-1]["event_name"] == "登录失败"


def test_log_export_appends_an_export_entry_with_its_filters(dangerous: Engine) -> None:
    flt = AuditFilter(event="login.failure")
    with session_for(dangerous) as session:
        exports.log_export(session, flt, "csv", count=7, scope=EVERYTHING, actor_name="auditor1")
        session.commit()
        entry = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())).first()
    assert entry.event == "export"
    assert entry.details_dict == {"count": 7, "filters": {"event": "login.failure"}, "format": "csv",
                                  "scope": "all"}


# -- filters ----------------------------------------------------------------------------------------


def count(engine: Engine, **values: str) -> int:
    with session_for(engine) as session:
        return exports.count_entries(session, AuditFilter.from_mapping(values), scope=EVERYTHING)


@pytest.fixture
def spread(engine: Engine) -> Engine:
    """Entries in different units, accounts, gates and drafts."""
    ids = units_and_accounts(engine)
    with session_for(engine) as session:
        audit.record(session, "draft.create", actor_name="editor1", unit_id=ids["示例市文化和旅游局"],
                     account_id=ids["示例文旅"], draft_id=1, version=1)
        audit.record(session, "signoff", actor_name="reviewer1", unit_id=ids["示例市税务局"],
                     account_id=ids["示例税务"], draft_id=2, version=1, level=1, gate="legal")
        audit.record(session, "publish", actor_name="publisher1", account_id=ids["邻县发布"], draft_id=3)
        audit.record(session, "login.success", actor_name="auditor1")
        session.commit()
    return engine


def test_unit_filter_includes_the_units_descendants(spread: Engine) -> None:
    ids = units_and_accounts(spread)
    assert count(spread, unit_id=str(ids["示例市人民政府办公室"])) == 2
    assert count(spread, unit_id=str(ids["示例市税务局"])) == 1


def test_unit_filter_matches_entries_that_name_only_an_account_of_the_unit(spread: Engine) -> None:
    ids = units_and_accounts(spread)
    assert count(spread, unit_id=str(ids["邻县人民政府办公室"])) == 1


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("event", "signoff", 1),
    ("gate", "legal", 1),
    ("draft_id", "3", 1),
    ("user", "auditor1", 1),
    ("user", "nobody", 0),
])
def test_each_filter_selects_its_entries(spread: Engine, name: str, value: str, expected: int) -> None:
    assert count(spread, **{name: value}) == expected


def test_account_filter_selects_that_accounts_entries(spread: Engine) -> None:
    assert count(spread, account_id=str(units_and_accounts(spread)["示例税务"])) == 1


def test_time_range_filter_uses_beijing_dates_with_an_inclusive_end(spread: Engine) -> None:
    today = datetime.now(exports.LOCAL_TZ).date()
    assert count(spread, since=today.isoformat(), until=today.isoformat()) == 4
    assert count(spread, since=(today + timedelta(days=1)).isoformat()) == 0
    assert count(spread, until=(today - timedelta(days=1)).isoformat()) == 0


def test_a_bare_end_date_covers_the_whole_beijing_day() -> None:
    assert exports.parse_moment("2026-11-23", end=True) == datetime(2026, 11, 23, 16, tzinfo=UTC)


@pytest.mark.parametrize("values", [
    {"since": "2026-02-30"}, {"until": "tomorrow"}, {"unit_id": "abc"}, {"draft_id": "0"},
    {"event": "draft.teleport"}, {"gate": "moral"},
])
def test_bad_filter_values_raise_a_chinese_filter_error(values: dict) -> None:
    with pytest.raises(FilterError) as caught:
        AuditFilter.from_mapping(values)
    assert caught.value.code in ("invalid_date", "invalid_filter")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def test_a_window_that_ends_before_it_begins_matches_nothing(spread: Engine) -> None:
    assert count(spread, since="2026-11-24", until="2026-11-01") == 0


def test_empty_filter_values_mean_any(spread: Engine) -> None:
    assert count(spread, since="", event="", unit_id="  ") == 4
