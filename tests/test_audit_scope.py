"""Auditors read only their own units' entries, in every view; admins and root-unit auditors more.

The demo has two trees: 示例市人民政府办公室 (root) over four bureaus, and 邻县人民政府办公室 (a root of
its own). Besides the demo's auditor1 (示例市 root) and admin1, the tests add an auditor of the
culture bureau (not a root) and an auditor of the neighbouring county (a root of its own tree).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import openpyxl
import pytest
from api_helpers import Api
from sqlalchemy import Engine, select
from webclient import csrf_token, login, sign_in

from reviewer.audit.chain import AuditEntry
from reviewer.storage import Account, Unit, User, UserRole, UserUnit, make_session_factory


@dataclass
class World:
    """Ids of what the ``world`` fixture made."""

    culture_unit: int
    tax_unit: int
    county_unit: int
    county_account: int
    culture_draft: int
    tax_draft: int
    county_draft: int


def add_auditor(engine: Engine, username: str, unit_name: str, roles: tuple[str, ...] = ("auditor",)) -> None:
    """A user with ``roles`` in one unit, sharing the demo password (its hash copied from auditor1)."""
    with make_session_factory(engine)() as session:
        password_hash = session.scalar(select(User.password_hash).where(User.username == "auditor1"))
        unit_id = session.scalar(select(Unit.id).where(Unit.name == unit_name))
        user = User(username=username, display_name=username, password_hash=password_hash, active=True,
                    failed_logins=0, session_epoch=0)
        session.add(user)
        session.flush()
        session.add_all(UserRole(user_id=user.id, role=role) for role in roles)
        session.add(UserUnit(user_id=user.id, unit_id=unit_id))
        session.commit()


@pytest.fixture
def world(app, client, engine: Engine, token_for) -> World:
    """A draft in each of 文旅局, 税务局 and 邻县, a login entry, and the two extra auditors."""
    editor, county_editor = Api(client, token_for("editor1")), Api(client, token_for("editor_other"))
    culture_draft = editor.submitted_draft("示例文旅")
    tax_draft = editor.submitted_draft("示例税务")
    county_draft = county_editor.submitted_draft("邻县发布")
    assert login(app.test_client(), "editor1").status_code in (302, 303)
    add_auditor(engine, "auditor_culture", "示例市文化和旅游局")
    add_auditor(engine, "auditor_county", "邻县人民政府办公室")
    with make_session_factory(engine)() as session:
        units = {name: unit_id for name, unit_id in session.execute(select(Unit.name, Unit.id))}
        county_account = session.scalar(select(Account.id).where(Account.name == "邻县发布"))
    return World(units["示例市文化和旅游局"], units["示例市税务局"], units["邻县人民政府办公室"], county_account,
                 culture_draft, tax_draft, county_draft)


def api_entries(client, token_for, username: str, query: str = "") -> list[dict]:
    body = Api(client, token_for(username)).get(f"/audit?limit=1000{query}").get_json()
    assert body["count"] == len(body["entries"])
    return body["entries"]


def all_entries(engine: Engine) -> list[AuditEntry]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def as_auditor(client, db, username: str):
    sign_in(client, db, username)
    return client


# -- the JSON API ---------------------------------------------------------------------------------


def test_county_auditor_gets_only_the_countys_entries_from_the_api(client, token_for, world: World) -> None:
    entries = api_entries(client, token_for, "auditor_county")
    assert {e["draft_id"] for e in entries if e["draft_id"]} == {world.county_draft}
    assert {e["unit_id"] for e in entries} <= {world.county_unit, None}


def test_bureau_auditor_sees_no_deployment_wide_entries(client, token_for, world: World) -> None:
    entries = api_entries(client, token_for, "auditor_culture")
    assert entries and {e["unit_id"] for e in entries} == {world.culture_unit}
    assert {e["draft_id"] for e in entries} == {world.culture_draft}


def test_root_unit_auditor_sees_its_whole_tree_and_login_entries(client, token_for, world: World) -> None:
    entries = api_entries(client, token_for, "auditor1")
    assert {e["draft_id"] for e in entries if e["draft_id"]} == {world.culture_draft, world.tax_draft}
    assert "login.success" in {e["event"] for e in entries}


def test_root_unit_auditor_does_not_see_another_root_units_tree(client, token_for, world: World) -> None:
    entries = api_entries(client, token_for, "auditor1")
    assert world.county_unit not in {e["unit_id"] for e in entries}


def test_admin_sees_every_entry(client, token_for, world: World, engine: Engine) -> None:
    entries = api_entries(client, token_for, "admin1")
    assert [e["seq"] for e in entries] == [e.seq for e in all_entries(engine)]


@pytest.mark.parametrize("field", ["unit_id", "account_id", "draft_id"])
def test_api_filter_naming_another_units_id_is_404(client, token_for, world: World, field: str) -> None:
    value = {"unit_id": world.culture_unit, "account_id": world.county_account,
             "draft_id": world.tax_draft}[field]
    username = "auditor_county" if field != "account_id" else "auditor_culture"
    response = Api(client, token_for(username)).get(f"/audit?{field}={value}")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_api_filter_naming_an_unknown_unit_answers_like_another_units(client, token_for, world: World) -> None:
    response = Api(client, token_for("auditor_county")).get("/audit?unit_id=999999")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_api_filter_on_an_own_unit_lists_its_entries(client, token_for, world: World) -> None:
    entries = api_entries(client, token_for, "auditor1", f"&unit_id={world.tax_unit}")
    assert {e["draft_id"] for e in entries} == {world.tax_draft}


def test_api_file_export_holds_only_the_scope(client, token_for, world: World) -> None:
    response = Api(client, token_for("auditor_culture")).get("/audit?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows and {row["单位ID"] for row in rows if row["单位ID"]} == {str(world.culture_unit)}
    assert {row["操作人"] for row in rows if not row["单位ID"]} <= {"auditor_culture"}  # entries about the reader


# -- the pages ----------------------------------------------------------------------------------------


def test_county_auditor_list_shows_no_other_units_drafts(client, db, world: World) -> None:
    body = as_auditor(client, db, "auditor_county").get("/audit/").get_data(as_text=True)
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f"/audit/drafts/{world.county_draft}" in table
    assert f"/audit/drafts/{world.culture_draft}" not in table
    assert f"/audit/drafts/{world.tax_draft}" not in table


def test_filter_form_offers_only_units_and_accounts_in_scope(client, db, world: World) -> None:
    body = as_auditor(client, db, "auditor_county").get("/audit/").get_data(as_text=True)
    assert "邻县发布" in body
    assert "示例文旅" not in body and "示例市税务局" not in body


def test_timeline_of_another_units_draft_is_404(client, db, world: World) -> None:
    assert as_auditor(client, db, "auditor_county").get(f"/audit/drafts/{world.culture_draft}").status_code == 404


def test_timeline_of_an_own_units_draft_is_shown(client, db, world: World) -> None:
    response = as_auditor(client, db, "auditor_culture").get(f"/audit/drafts/{world.culture_draft}")
    assert response.status_code == 200 and "提交审核" in response.get_data(as_text=True)


def test_list_filtered_on_another_units_id_is_404_in_chinese(client, db, world: World) -> None:
    response = as_auditor(client, db, "auditor_culture").get(f"/audit/?unit_id={world.tax_unit}")
    assert response.status_code == 404
    assert "不在您的审计范围内" in response.get_data(as_text=True)


def test_page_export_holds_only_the_scope_and_its_entry_records_it(client, db, engine, world: World) -> None:
    auditor = as_auditor(client, db, "auditor_culture")
    response = auditor.post("/audit/export", data={"format": "xlsx", "csrf_token": csrf_token(auditor, "/audit/")})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))[1:]
    assert rows and {row[7] for row in rows if row[7] is not None} == {world.culture_unit}
    assert {row[6] for row in rows if row[7] is None} <= {"auditor_culture"}  # entries about the reader
    logged = all_entries(engine)[-1]
    assert (logged.event, logged.actor_name) == ("export", "auditor_culture")
    assert logged.details_dict["scope"] == {"unit_ids": [world.culture_unit], "deployment_wide": False}
    assert logged.details_dict["count"] == len(rows) - 1  # the file also holds the export's own entry


def test_page_export_filtered_on_another_units_draft_is_404(client, db, world: World) -> None:
    auditor = as_auditor(client, db, "auditor_culture")
    response = auditor.post("/audit/export", data={"format": "csv", "draft_id": str(world.county_draft),
                                                   "csrf_token": csrf_token(auditor, "/audit/")})
    assert response.status_code == 404


def test_register_of_another_units_account_is_404(client, db, world: World) -> None:
    auditor = as_auditor(client, db, "auditor_culture")
    response = auditor.post("/audit/register", data={"account_id": str(world.county_account), "month": "2026-11",
                                                     "csrf_token": csrf_token(auditor, "/audit/")})
    assert response.status_code == 404


def test_admin_page_lists_other_roots_and_login_entries(client, db, world: World) -> None:
    body = as_auditor(client, db, "admin1").get("/audit/").get_data(as_text=True)
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f"/audit/drafts/{world.county_draft}" in table and "登录成功" in table


def test_auditor_without_units_sees_nothing(client, token_for, engine: Engine, world: World) -> None:
    with make_session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == "auditor_culture"))
        session.execute(UserUnit.__table__.delete().where(UserUnit.user_id == user.id))
        session.commit()
    assert api_entries(client, token_for, "auditor_culture") == []


def test_an_auditor_of_another_organisation_sees_none_of_its_unitless_entries(client, db, engine, world: World) -> None:
    from reviewer.audit import chain as audit
    from reviewer.audit import exports
    from reviewer.audit.scope import scope_for

    other_root = Unit(name="另一个市人民政府办公室")
    db.add(other_root)
    db.flush()
    outsider = User(username="auditor_elsewhere", display_name="外市审计员", password_hash="x")
    db.add(outsider)
    db.flush()
    db.add_all([UserRole(user_id=outsider.id, role="auditor"), UserUnit(user_id=outsider.id, unit_id=other_root.id)])
    db.commit()
    insider = db.scalar(select(User).where(User.username == "auditor_culture"))
    with make_session_factory(engine, audit_key=b"test-audit-key-not-for-production")() as session:
        audit.record(session, "login.success", actor_id=insider.id, actor_name=insider.username, ip="10.0.0.1")
        audit.record(session, "lexicon.change", actor_name="服务启动")
        session.commit()
    scope = scope_for(db, outsider, {"auditor"})
    seen = db.execute(exports.filtered(db, exports.AuditFilter(), scope=scope)).all()
    assert all(row.actor_name != "auditor_culture" for row in seen)
    assert "lexicon.change" in {row.event for row in seen}  # about no one: deployment-wide, for root units
