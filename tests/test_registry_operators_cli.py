"""``reviewer registry operators`` and ``reviewer unit contact(s)`` (issue 13): the same functions as the
pages, each change on record, refusals in Chinese with exit status 2."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from reviewer.audit.chain import AuditEntry
from reviewer.storage import Account, Operator, OutsourcedStaff, UnitContact


def test_operators_add_records_the_license_and_the_rules_file_and_list_shows_an_expired_license(cli, db, tmp_path):
    rules = tmp_path / "管理制度.docx"
    rules.write_bytes(b"rules")
    added = cli("registry", "operators", "add", "示例传媒有限公司", "--license-number", "10120180001",
                "--license-expires", "2026-06-30", "--rules-file", str(rules))
    assert added.exit_code == 0, added.output
    operator = db.scalar(select(Operator).where(Operator.name == "示例传媒有限公司"))
    assert operator.rules_on_file and operator.rules_note.startswith("文件：管理制度.docx（SHA-256：")
    listed = cli("registry", "operators", "list", "--date", "2026-07-01")
    assert "示例传媒有限公司" in listed.output and "有效期至 2026-06-30【已过期】" in listed.output
    assert "【即将到期】" in cli("registry", "operators", "list", "--date", "2026-06-01").output
    assert "【有效】" in cli("registry", "operators", "list", "--date", "2026-03-01").output


def test_operators_set_changes_the_license_on_record(cli, db):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    changed = cli("registry", "operators", "set", "示例传媒有限公司", "--license-number", "10120189999",
                  "--license-expires", "2028-01-31")
    assert changed.exit_code == 0 and "资质证号：（空） → 10120189999" in changed.output
    entry = db.scalars(select(AuditEntry).where(AuditEntry.event == "operator.change").order_by(AuditEntry.seq)).all()[-1]
    assert json.loads(entry.details)["changes"]["license_expires"] == [None, "2028-01-31"]


def test_staff_add_records_the_background_check_and_staff_list_shows_it(cli, db):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    added = cli("registry", "operators", "staff", "add", "示例传媒有限公司", "editor1", "--check-date", "2026-05-01",
                "--result", "通过")
    assert added.exit_code == 0, added.output
    listed = cli("registry", "operators", "staff", "list", "示例传媒有限公司")
    assert "editor1" in listed.output and "背景审查：通过（2026-05-01）" in listed.output
    assert cli("registry", "operators", "staff", "remove", "editor1").exit_code == 0
    db.expire_all()
    assert db.scalar(select(OutsourcedStaff)) is None


def test_staff_add_of_a_reviewer_of_the_operators_account_is_refused_with_exit_2(cli, db):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    db.scalar(select(Account).where(Account.name == "示例税务")).operator_id = db.scalar(select(Operator.id))
    db.commit()
    refused = cli("registry", "operators", "staff", "add", "示例传媒有限公司", "reviewer3", "--check-date", "2026-05-01",
                  "--result", "passed")
    assert refused.exit_code == 2 and "outsourced_conflict" in refused.output and "审核员、发布员" in refused.output
    assert db.scalar(select(OutsourcedStaff)) is None


def test_staff_add_with_an_unknown_result_names_the_choices(cli):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    refused = cli("registry", "operators", "staff", "add", "示例传媒有限公司", "editor1", "--result", "合格")
    assert refused.exit_code == 2 and "passed 通过" in refused.output


def test_staff_add_with_a_result_but_no_check_date_is_refused(cli):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    refused = cli("registry", "operators", "staff", "add", "示例传媒有限公司", "editor1", "--result", "passed")
    assert refused.exit_code == 2 and "须写明审查日期" in refused.output


def test_unit_contact_sets_a_contact_on_record_and_contacts_lists_it(cli, db):
    set_ = cli("unit", "contact", "示例市税务局", "--role", "分管负责人", "--name", "钱副局长", "--phone", "0571-2000")
    assert set_.exit_code == 0 and "已设置分管负责人：钱副局长（0571-2000）" in set_.output
    assert db.scalar(select(UnitContact.name).where(UnitContact.role == "deputy")) == "钱副局长"
    assert "示例市税务局（编号 3）：分管负责人 钱副局长 0571-2000" in cli("unit", "contacts", "示例市税务局").output
    assert db.scalar(select(AuditEntry.event).where(AuditEntry.event == "contact.change")) == "contact.change"


def test_unit_contact_with_an_unknown_role_names_the_roles(cli):
    refused = cli("unit", "contact", "示例市税务局", "--role", "秘书", "--name", "某")
    assert refused.exit_code == 2 and "liaison 联络员" in refused.output


def test_the_background_check_of_cli_staff_may_not_be_in_the_future(cli):
    assert cli("registry", "operators", "add", "示例传媒有限公司").exit_code == 0
    later = (date.today() + timedelta(days=3)).isoformat()
    refused = cli("registry", "operators", "staff", "add", "示例传媒有限公司", "editor1", "--check-date", later, "--result", "passed")
    assert refused.exit_code == 2 and "晚于今天" in refused.output
