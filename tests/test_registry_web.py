"""The register pages: an admin registers, edits and moves an account; a refused step answers 409 with
the reason; another unit's account is not found (issue 13)."""

from __future__ import annotations

from registry_helpers import registered
from sqlalchemy import select
from webclient import csrf_token, sign_in

from reviewer.storage import Account

OFFLINE = {"to": "offline", "date": "2026-06-01", "approval_by": "省政府办公厅", "approval_date": "2026-05-28",
           "notice": "系统升级，临时下线"}


def admin(app, db):
    client = app.test_client()
    sign_in(client, db, "admin1")
    return client, csrf_token(client, "/admin/accounts/")


def test_a_second_temporary_offline_in_a_year_is_refused_on_the_page_with_409_and_the_reason(app, db):
    account_id = registered(db)
    client, token = admin(app, db)
    assert client.post(f"/admin/accounts/{account_id}/transition", data={**OFFLINE, "csrf_token": token}).status_code == 302
    assert client.post(f"/admin/accounts/{account_id}/transition",
                       data={"to": "live", "date": "2026-06-10", "csrf_token": token}).status_code == 302
    refused = client.post(f"/admin/accounts/{account_id}/transition",
                          data={**OFFLINE, "date": "2026-08-03", "approval_date": "2026-08-01", "csrf_token": token})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "offline_limit" in page and "2026 年已临时下线 1 次（2026-06-01）" in page


def test_an_admin_registers_and_renames_an_account_from_the_forms(app, db):
    client, token = admin(app, db)
    created = client.post("/admin/accounts/new", data={"csrf_token": token, "platform": "其他", "platform_other": "视频号",
                                                        "name": "示例税务视频号", "unit": "示例市税务局", "review_levels": "2",
                                                        "subject_level": "设区市", "comments_open": "1", "state": "live"})
    assert created.status_code == 302
    account = db.scalar(select(Account).where(Account.name == "示例税务视频号"))
    assert (account.platform_other, account.subject_level, account.comments_open, account.dm_open) == ("视频号", "city", True, False)
    renamed = client.post(f"/admin/accounts/{account.id}/edit", data={"csrf_token": token, "platform": "其他",
                                                                       "platform_other": "视频号", "name": "示例税务发布",
                                                                       "unit": "示例市税务局", "review_levels": "2"})
    assert renamed.status_code == 302
    page = client.get(f"/admin/accounts/{account.id}").get_data(as_text=True)
    assert "新媒体名称 示例税务视频号 → 示例税务发布" in page
    listed = client.get("/admin/accounts/?q=税务发布").get_data(as_text=True)
    assert "示例税务发布" in listed and "共 1 个账号" in listed


def test_an_account_of_another_unit_is_not_found_for_the_admin(app, db):
    other = db.scalar(select(Account.id).where(Account.name == "邻县发布"))
    client, _ = admin(app, db)
    assert client.get(f"/admin/accounts/{other}").status_code == 404
    assert "邻县发布" not in client.get("/admin/accounts/").get_data(as_text=True)


def unit_id(db, name: str) -> int | None:
    from reviewer.storage import Unit

    return db.scalar(select(Unit.id).where(Unit.name == name))


def test_an_admin_adds_a_unit_below_one_of_theirs_and_renames_it_with_an_audit_entry(app, db):
    from reviewer.audit.chain import AuditEntry

    client, token = admin(app, db)
    parent = unit_id(db, "示例市税务局")
    assert client.post("/admin/units", data={"csrf_token": token, "action": "add", "parent": str(parent),
                                             "name": "示例市税务局第一分局"}).status_code == 302
    added = unit_id(db, "示例市税务局第一分局")
    assert added is not None
    assert client.post("/admin/units", data={"csrf_token": token, "action": "rename", "unit": str(added),
                                             "name": "示例市税务局城东分局"}).status_code == 302
    assert "示例市税务局城东分局" in client.get("/admin/units").get_data(as_text=True)
    events = [e.event for e in db.scalars(select(AuditEntry).where(AuditEntry.unit_id == added))]
    assert events.count("unit.change") == 2


def test_a_unit_name_already_taken_is_refused_on_the_page(app, db):
    client, token = admin(app, db)
    refused = client.post("/admin/units", data={"csrf_token": token, "action": "add", "parent": str(unit_id(db, "示例市税务局")),
                                                "name": "示例市公安局"})
    assert refused.status_code in (409, 422) and "示例市公安局" in refused.get_data(as_text=True)


def test_a_unit_outside_the_admins_units_cannot_be_renamed(app, db):
    from reviewer.storage import Account, Unit

    other = db.scalar(select(Account.unit_id).where(Account.name == "邻县发布"))
    client, token = admin(app, db)
    refused = client.post("/admin/units", data={"csrf_token": token, "action": "rename", "unit": str(other), "name": "改掉"})
    assert refused.status_code == 404
    assert db.get(Unit, other).name != "改掉"


def test_the_account_timeline_names_people_by_their_display_names(app, db):
    account_id = registered(db)
    client, token = admin(app, db)
    assert client.post(f"/admin/accounts/{account_id}/transition", data={**OFFLINE, "csrf_token": token}).status_code == 302
    page = client.get(f"/admin/accounts/{account_id}").get_data(as_text=True)
    assert '<span title="admin1">管理员 周杰</span>' in page
