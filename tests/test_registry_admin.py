"""The register in the database: every lifecycle step through the domain and the command line, refusals
with their reasons, deadlines across a holiday, the register's round trip, publishing only when live,
and outsourced staff kept from reviewing their operator's accounts (issue 13)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from registry_helpers import registered
from sqlalchemy import select

from reviewer.admin import lifecycle, operators, register, register_io, users
from reviewer.errors import WorkflowError
from reviewer.registry import Approval, Notice
from reviewer.storage import Account, AccountEvent

NOON = datetime(2026, 6, 1, 12, 0).astimezone()


def step(db, account_id: int, to: str, day: date, **kw) -> Account:
    account, _ = lifecycle.transition_account(db, account_id, lifecycle.Step(to, lifecycle.moment(day), "经办人 王五", **kw))
    db.commit()
    return account


OFFLINE = {"approval": Approval("省政府办公厅", date(2026, 5, 20)), "notice": Notice("系统升级，临时下线", date(2026, 6, 1))}


def test_every_step_of_the_lifecycle_is_stored_with_its_record_and_audited(db):
    account_id = registered(db, state="applied")
    step(db, account_id, "approved", date(2026, 3, 2), approval=Approval("省政府办公厅", date(2026, 3, 2)))
    step(db, account_id, "live", date(2026, 3, 20), notice=Notice("开通公告", date(2026, 3, 20)))
    step(db, account_id, "live", date(2026, 4, 20), approval=Approval("主办单位集体研究", date(2026, 4, 18)),
         notice=Notice("负责同志变更公告", date(2026, 4, 20)))
    step(db, account_id, "offline", date(2026, 6, 1), **OFFLINE)
    step(db, account_id, "live", date(2026, 6, 20))
    step(db, account_id, "closing", date(2026, 9, 1), approval=Approval("省政府办公厅", date(2026, 8, 28)),
         notice=Notice("关停迁移公告", date(2026, 9, 1)), reason="按集约化要求整合到市政府发布")
    account = step(db, account_id, "closed", date(2026, 10, 12), notice=Notice("原有内容已迁移至示例市政府发布", date(2026, 10, 12)))
    assert account.state == "closed"
    actions = list(db.scalars(select(AccountEvent.action).where(AccountEvent.account_id == account_id).order_by(AccountEvent.id)))
    assert actions == ["approve", "go_live", "change", "offline", "back_online", "start_closing", "close"]
    from reviewer.audit.chain import AuditEntry

    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.event == "account.transition", AuditEntry.account_id == account_id)))
    import json

    last = json.loads(entries[-1].details)
    assert len(entries) == 7 and (last["before"], last["after"], last["action"]) == ("closing", "closed", "close")


def test_a_second_temporary_offline_in_a_year_is_refused_on_the_command_line_with_the_reason(db, cli):
    account_id = registered(db)
    step(db, account_id, "offline", date(2026, 6, 1), **OFFLINE)
    step(db, account_id, "live", date(2026, 6, 10))
    result = cli("registry", "transition", str(account_id), "--to", "临时下线", "--date", "2026-08-03",
                 "--approval-by", "省政府办公厅", "--approval-date", "2026-08-01", "--notice", "再次下线")
    assert result.exit_code == 2
    assert "offline_limit" in result.output and "2026 年已临时下线 1 次（2026-06-01）" in result.output
    db.expire_all()
    assert db.get(Account, account_id).state == "live"


def test_a_closure_whose_notice_has_not_stayed_up_30_days_cannot_complete(db, cli):
    account_id = registered(db)
    step(db, account_id, "closing", date(2026, 9, 1), approval=Approval("省政府办公厅", date(2026, 8, 28)),
         notice=Notice("关停迁移公告", date(2026, 9, 1)), reason="无力维护")
    result = cli("registry", "transition", str(account_id), "--to", "closed", "--date", "2026-09-15", "--notice", "内容去向")
    assert result.exit_code == 2 and "notice_too_short" in result.output and "2026-10-01 起方可完成注销" in result.output
    result = cli("registry", "transition", str(account_id), "--to", "closed", "--date", "2026-10-12")
    assert result.exit_code == 2 and "notice_required" in result.output


def test_a_move_the_state_machine_does_not_have_is_refused(cli, db):
    account_id = registered(db)
    result = cli("registry", "transition", str(account_id), "--to", "closed")
    assert result.exit_code == 2 and "transition_not_allowed" in result.output and "「已上线」" in result.output


def test_registry_due_shows_the_7_working_day_filing_across_the_national_day_holiday(db, cli):
    account_id = registered(db, state="applied")
    step(db, account_id, "approved", date(2026, 9, 1), approval=Approval("省政府办公厅", date(2026, 9, 1)))
    assert cli("registry", "transition", str(account_id), "--to", "live", "--date", "2026-09-30",
               "--notice", "开通公告").exit_code == 0
    on_time = cli("registry", "due", "--date", "2026-10-15")
    assert "【待办】 示例市场监管" in on_time.output and "7 个工作日内向政府办公室备案：截止 2026-10-15 23:59，未逾期" in on_time.output
    late = cli("registry", "due", "--date", "2026-10-16")
    assert "【逾期】 示例市场监管" in late.output and "已逾期" in late.output
    assert cli("registry", "file", str(account_id), "--kind", "report", "--date", "2026-10-14").exit_code == 0
    assert "向政府办公室备案" not in cli("registry", "due", "--date", "2026-10-16").output


def test_the_register_exported_and_imported_into_an_empty_database_is_the_same_register(db, tmp_path, cli):
    from reviewer.admin.units import add_unit
    from reviewer.storage import Unit, make_engine, make_session_factory, upgrade

    registered(db, name="示例小程序", platform="其他", platform_other="小程序", platform_account_id="wx12345",
               url="https://example.gov.cn/app", supervisor_unit="示例市人民政府办公室", subject_name="示例市税务局",
               subject_level="设区市", verification="政府认证", contact_name="李四", contact_phone="0571-12345678",
               comments_open="是", dm_open="是", high_attention="是", review_levels="3")
    csv_file = tmp_path / "register.csv"
    assert cli("registry", "export", "--out", str(csv_file)).exit_code == 0
    exported = register_io.read_table(csv_file.read_bytes(), "csv")
    assert exported[0][:16] == ["序号", "新媒体类型", "其他", "新媒体名称", "账号ID", "网址", "主办单位", "主管单位",
                                "代表主体名称", "开设主体级别", "认证信息", "负责同志", "联系电话", "评论", "留言", "私信"]
    assert exported[-1][-1] == "评论、私信"
    xlsx = io.BytesIO()
    register_io.export_register(db, "xlsx", xlsx)
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(empty)
    engine = make_engine(empty)
    try:
        with make_session_factory(engine, audit_key=b"k" * 32)() as other:
            for unit in db.scalars(select(Unit).order_by(Unit.id)):
                add_unit(other, unit.name)
            rows = register_io.read_table(xlsx.getvalue(), "xlsx")
            assert register_io.preview_import(other, rows).ok
            register_io.apply_import(other, rows)
            other.commit()
            assert register_io.register_rows(other) == register_io.register_rows(db)
    finally:
        engine.dispose()


def test_an_import_with_one_bad_line_applies_nothing_and_names_the_line(db, tmp_path, cli):
    path = tmp_path / "import.csv"
    path.write_text("新媒体类型,新媒体名称,主办单位,开设主体级别\n微信,新账号甲,示例市税务局,县级\n"
                    "微信,新账号乙,不存在的单位,县级\n抖音,新账号丙,示例市税务局,村级\n", encoding="utf-8")
    preview = cli("registry", "import", str(path))
    assert preview.exit_code == 2
    assert "第 2 行  新账号甲  新建" in preview.output and "第 3 行  新账号乙  错误：找不到单位“不存在的单位”" in preview.output
    assert "第 4 行  新账号丙  错误：开设主体级别必须是" in preview.output
    assert cli("registry", "import", str(path), "--apply").exit_code == 2
    assert db.scalar(select(Account).where(Account.name == "新账号甲")) is None
    path.write_text("新媒体类型,新媒体名称,主办单位,开设主体级别\n微信,新账号甲,示例市税务局,县级\n", encoding="utf-8")
    assert "均无误" in cli("registry", "import", str(path)).output
    assert db.scalar(select(Account).where(Account.name == "新账号甲")) is None
    assert cli("registry", "import", str(path), "--apply").exit_code == 0
    assert db.scalar(select(Account.subject_level).where(Account.name == "新账号甲")) == "county"


def test_name_and_host_unit_of_an_account_can_change_and_the_change_is_audited(db):
    account_id = registered(db)
    account, changes = register.edit_account(db, account_id, {"name": "示例市场监管发布", "unit": "示例市公安局"})
    assert changes == {"name": ["示例市场监管", "示例市场监管发布"], "unit_id": ["示例市税务局", "示例市公安局"]}
    with pytest.raises(WorkflowError) as refused:
        register.edit_account(db, account_id, {"name": "示例税务"})
    assert refused.value.code == "duplicate_name"


def test_publishing_on_an_offline_account_is_refused(db, api_as):
    editor, r2, r3, publisher = api_as("editor1"), api_as("reviewer2"), api_as("reviewer3"), api_as("publisher1")
    account_id = db.scalar(select(Account.id).where(Account.name == "示例文旅"))
    draft = editor.submitted_draft("示例文旅")
    for level, signer in ((1, r2), (2, r3)):
        for gate in ("political", "legal", "policy", "secrecy", "text"):
            signer.sign(draft, 1, level, gate, "approve")
    step(db, account_id, "offline", date(2026, 6, 1), **OFFLINE)
    response = publisher.post(f"/drafts/{draft}/publish", {"version": 1, "url": "https://mp.weixin.qq.com/s/x"})
    assert response.status_code == 409 and response.json["error"] == "account_not_live"
    assert "「临时下线」" in response.json["message"]
    step(db, account_id, "live", date(2026, 6, 10))
    assert publisher.post(f"/drafts/{draft}/publish", {"version": 1, "url": "https://mp.weixin.qq.com/s/x"}).status_code == 200


def test_outsourced_staff_cannot_be_made_reviewer_of_their_operators_account(db):
    operator = operators.add_operator(db, "示例传媒有限公司", license_number="10120180001", license_expires=date(2027, 6, 30),
                                      rules_on_file=True)
    registered(db, name="示例托管号", operator=operator.name)
    users.create_user(db, "outsourced1", "a-long-demo-password", ["editor"], ["示例市税务局"])
    operators.set_staff(db, "outsourced1", operator.name, check_date=date(2026, 5, 1), check_result="passed")
    with pytest.raises(WorkflowError) as refused:
        users.change_roles(db, "outsourced1", add=["reviewer"])
    assert refused.value.code == "outsourced_conflict" and "示例托管号" in refused.value.message
    users.change_units(db, "outsourced1", add=["示例市公安局"], remove=["示例市税务局"])
    users.change_roles(db, "outsourced1", add=["publisher"])
    with pytest.raises(WorkflowError) as joined:
        users.change_units(db, "outsourced1", add=["示例市税务局"])
    assert joined.value.code == "outsourced_conflict"
    other = registered(db, name="示例公安托管", state="live")
    with pytest.raises(WorkflowError):
        register.edit_account(db, other, {"unit": "示例市公安局", "operator": operator.name})
