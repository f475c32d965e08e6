"""Administration commands: units, accounts and user changes, each on the audit trail; bad input exits 2."""

from __future__ import annotations

import pytest
from click.testing import Result
from conftest import TEST_AUDIT_KEY
from sqlalchemy import func, select

from reviewer.admin.security import verify_password
from reviewer.audit.chain import AuditEntry, verify
from reviewer.storage import Account, ApiToken, Unit, User, UserRole, UserUnit, make_engine, make_session_factory


@pytest.fixture
def look(db_url: str):
    """``look(fn)``: call ``fn(session)`` on a fresh session of the test database."""
    engine = make_engine(db_url)
    factory = make_session_factory(engine)

    def query(fn):
        with factory() as session:
            return fn(session)

    yield query
    engine.dispose()


def entries(look, event: str) -> list[AuditEntry]:
    return look(lambda s: list(s.scalars(select(AuditEntry).where(AuditEntry.event == event)
                                         .order_by(AuditEntry.seq))))


def user_row(look, username: str) -> User:
    return look(lambda s: s.scalar(select(User).where(User.username == username)))


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


# --------------------------------------------------------------------------------------------- units


def test_unit_add_creates_a_child_unit_and_records_it(cli, look):
    ok(cli("unit", "add", "示例市文化和旅游局执法支队", "--parent", "示例市文化和旅游局"))
    unit, parent = look(lambda s: (s.scalar(select(Unit).where(Unit.name == "示例市文化和旅游局执法支队")),
                                   s.scalar(select(Unit).where(Unit.name == "示例市文化和旅游局"))))
    assert unit.parent_id == parent.id
    [entry] = entries(look, "unit.change")
    assert entry.unit_id == unit.id and entry.actor_name.startswith("命令行")
    assert entry.details_dict == {"action": "create", "unit_id": unit.id, "name": "示例市文化和旅游局执法支队",
                                  "parent": "示例市文化和旅游局"}


def test_unit_add_without_parent_makes_a_root_unit(cli, look):
    ok(cli("unit", "add", "另一市人民政府办公室"))
    assert look(lambda s: s.scalar(select(Unit.parent_id).where(Unit.name == "另一市人民政府办公室"))) is None


def test_unit_list_indents_children_under_their_parent(cli):
    lines = ok(cli("unit", "list")).splitlines()
    root = next(i for i, line in enumerate(lines) if line.startswith("示例市人民政府办公室"))
    assert lines[root + 1].startswith("  示例市") and "账号" in lines[root + 1]
    assert any(line.startswith("邻县人民政府办公室") for line in lines)


def test_unit_set_moves_and_renames_a_unit_on_record(cli, look):
    ok(cli("unit", "set", "示例市税务局", "--parent", "邻县人民政府办公室", "--name", "邻县税务局"))
    unit = look(lambda s: s.scalar(select(Unit).where(Unit.name == "邻县税务局")))
    parent_id = look(lambda s: s.scalar(select(Unit.id).where(Unit.name == "邻县人民政府办公室")))
    assert unit.parent_id == parent_id
    [entry] = entries(look, "unit.change")
    assert entry.details_dict["changes"] == {"name": ["示例市税务局", "邻县税务局"],
                                             "parent": ["示例市人民政府办公室", "邻县人民政府办公室"]}


# --------------------------------------------------------------------------------------------- accounts


def test_account_add_creates_an_active_account_and_records_it(cli, look):
    ok(cli("account", "add", "示例税务微博", "--platform", "微博", "--unit", "示例市税务局", "--levels", "2",
           "--department", "税务", "--duty", "发布办税提醒。"))
    account = look(lambda s: s.scalar(select(Account).where(Account.name == "示例税务微博")))
    assert (account.platform, account.review_levels, account.department, account.duty, account.active) == \
        ("微博", 2, "税务", "发布办税提醒。", True)
    [entry] = entries(look, "account.change")
    assert entry.account_id == account.id and entry.unit_id == account.unit_id
    assert entry.details_dict["action"] == "create" and entry.details_dict["review_levels"] == 2


def test_account_list_shows_every_account_with_its_unit_and_levels(cli):
    output = ok(cli("account", "list"))
    assert "示例税务  微信  示例市税务局  3 级审核" in output and "邻县发布" in output


def test_account_set_changes_levels_duty_and_active_on_record(cli, look):
    account_id = look(lambda s: s.scalar(select(Account.id).where(Account.name == "示例文旅")))
    ok(cli("account", "set", str(account_id), "--levels", "3", "--duty", "只发布文旅信息。", "--inactive"))
    account = look(lambda s: s.get(Account, account_id))
    assert (account.review_levels, account.duty, account.active) == (3, "只发布文旅信息。", False)
    [entry] = entries(look, "account.change")
    assert entry.details_dict["changes"] == {"review_levels": [2, 3], "active": [True, False],
                                             "duty": ["发布本市文化活动、旅游景区开放与节假日出行提示。", "只发布文旅信息。"]}


def test_account_set_without_a_change_writes_no_entry(cli, look):
    account_id = look(lambda s: s.scalar(select(Account.id).where(Account.name == "示例文旅")))
    assert "无需修改" in ok(cli("account", "set", str(account_id), "--levels", "2", "--active"))
    assert entries(look, "account.change") == []


# --------------------------------------------------------------------------------------------- users


def test_user_roles_grants_and_withdraws_on_record(cli, look):
    ok(cli("user", "roles", "reviewer1", "--add", "publisher", "--remove", "editor"))
    user = user_row(look, "reviewer1")
    assert set(look(lambda s: s.scalars(select(UserRole.role).where(UserRole.user_id == user.id)).all())) == \
        {"reviewer", "publisher"}
    [entry] = entries(look, "role.change")
    assert entry.details_dict == {"user_id": user.id, "username": "reviewer1", "added": ["publisher"],
                                  "removed": ["editor"], "roles": ["publisher", "reviewer"]}


def test_user_roles_that_change_nothing_write_no_entry(cli, look):
    assert "无变化" in ok(cli("user", "roles", "editor1", "--add", "editor"))
    assert entries(look, "role.change") == []


def test_user_units_adds_and_removes_units_on_record(cli, look):
    ok(cli("user", "units", "editor1", "--add", "邻县人民政府办公室", "--remove", "示例市人民政府办公室"))
    user = user_row(look, "editor1")
    names = look(lambda s: s.scalars(select(Unit.name).join(UserUnit, UserUnit.unit_id == Unit.id)
                                     .where(UserUnit.user_id == user.id)).all())
    assert names == ["邻县人民政府办公室"]
    [entry] = entries(look, "user.update")
    assert entry.details_dict["field"] == "units"
    assert (entry.details_dict["added"], entry.details_dict["removed"]) == (["邻县人民政府办公室"], ["示例市人民政府办公室"])


def test_user_disable_ends_sessions_and_revokes_tokens_on_record(cli, look, token_for):
    token_for("editor1")
    before = user_row(look, "editor1")
    ok(cli("user", "disable", "editor1"))
    after = user_row(look, "editor1")
    assert after.active is False and after.session_epoch == before.session_epoch + 1
    live = look(lambda s: s.scalar(select(func.count()).select_from(ApiToken)
                                   .where(ApiToken.user_id == after.id, ApiToken.revoked_at.is_(None))))
    assert live == 0
    [entry] = entries(look, "user.update")
    assert entry.details_dict == {"user_id": after.id, "username": "editor1", "field": "active", "active": False,
                                  "tokens_revoked": 1}


def test_disabled_users_token_no_longer_opens_the_api(cli, client, token_for):
    token = token_for("editor1")
    ok(cli("user", "disable", "editor1"))
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_user_enable_reactivates_on_record(cli, look):
    ok(cli("user", "disable", "editor1"))
    ok(cli("user", "enable", "editor1"))
    assert user_row(look, "editor1").active is True
    assert [e.details_dict["active"] for e in entries(look, "user.update")] == [False, True]


def test_user_password_sets_a_new_password_and_ends_sessions(cli, look):
    before = user_row(look, "editor1")
    ok(cli("user", "password", "editor1", "--password-stdin", input="a-brand-new-password\n"))
    after = user_row(look, "editor1")
    assert verify_password(after.password_hash, "a-brand-new-password")
    assert after.session_epoch == before.session_epoch + 1
    [entry] = entries(look, "password.change")
    assert entry.details_dict == {"user_id": after.id, "username": "editor1", "reset": True}


def test_user_list_shows_roles_units_and_status(cli):
    output = ok(cli("user", "list"))
    line = next(line for line in output.splitlines() if line.startswith("reviewer3 "))
    assert "[启用]" in line and "审核员" in line and "发布员" in line and "示例市人民政府办公室" in line


def test_every_change_keeps_the_audit_chain_valid(cli, look):
    ok(cli("unit", "add", "新单位"))
    ok(cli("account", "add", "新账号", "--platform", "抖音", "--unit", "新单位", "--levels", "1"))
    ok(cli("user", "roles", "editor1", "--add", "reviewer"))
    ok(cli("user", "units", "editor1", "--add", "新单位"))
    ok(cli("user", "disable", "editor1"))
    assert look(lambda s: verify(s, TEST_AUDIT_KEY)).ok


# --------------------------------------------------------------------------------------------- bad input

BAD_INPUT = [
    (("unit", "add", "示例市税务局"), "单位“示例市税务局”已存在"),
    (("unit", "add", "新单位", "--parent", "不存在的单位"), "找不到单位“不存在的单位”"),
    (("unit", "add", "  "), "单位名称不能为空"),
    (("unit", "set", "示例市人民政府办公室", "--parent", "示例市税务局"), "它自己或它的下级单位"),
    (("unit", "set", "示例市税务局", "--parent", "示例市税务局"), "它自己或它的下级单位"),
    (("unit", "set", "示例市税务局", "--name", "邻县人民政府办公室"), "已存在"),
    (("account", "add", "新账号", "--platform", "微信", "--unit", "示例市税务局", "--levels", "4"),
     "审核级数必须是 1、2 或 3"),
    (("account", "add", "新账号", "--platform", "微信", "--unit", "示例市税务局", "--levels", "两级"),
     "审核级数必须是 1、2 或 3"),
    (("account", "add", "新账号", "--platform", "快手", "--unit", "示例市税务局", "--levels", "2"), "平台必须是"),
    (("account", "add", "新账号", "--platform", "微信", "--unit", "不存在的单位", "--levels", "2"), "找不到单位"),
    (("account", "add", "示例税务", "--platform", "微信", "--unit", "示例市税务局", "--levels", "2"),
     "微信账号“示例税务”已存在"),
    (("account", "set", "9999", "--levels", "2"), "找不到编号为 9999 的账号"),
    (("account", "set", "1", "--levels", "0"), "审核级数必须是 1、2 或 3"),
    (("account", "set", "第一个", "--levels", "2"), "账号编号必须是正整数"),
    (("user", "roles", "editor1", "--remove", "editor"), "不能移除用户的最后一个角色"),
    (("user", "roles", "editor1", "--add", "boss"), "未知角色 boss"),
    (("user", "roles", "editor1", "--add", "reviewer", "--remove", "reviewer"), "不能既添加又移除"),
    (("user", "roles", "editor1"), "请用 --add 或 --remove"),
    (("user", "roles", "nobody", "--add", "editor"), "找不到用户“nobody”"),
    (("user", "units", "editor1", "--remove", "示例市人民政府办公室"), "不能移除用户的最后一个单位"),
    (("user", "units", "editor1", "--add", "不存在的单位"), "找不到单位"),
    (("user", "disable", "nobody"), "找不到用户"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_a_chinese_message_and_changes_nothing(cli, look, args, message):
    count = look(lambda s: s.scalar(select(func.count()).select_from(AuditEntry)))
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert look(lambda s: s.scalar(select(func.count()).select_from(AuditEntry))) == count


def test_a_weak_password_is_refused_and_the_old_one_still_works(cli, look):
    result = cli("user", "password", "editor1", "--password-stdin", input="short\n")
    assert result.exit_code == 2 and "至少" in result.output
    assert verify_password(user_row(look, "editor1").password_hash, "demo-password")


def test_admin_commands_refuse_an_unmigrated_database(cli, monkeypatch, tmp_path):
    missing = tmp_path / "missing.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    result = cli("unit", "list")
    assert result.exit_code == 2 and "reviewer db upgrade" in result.output
    assert not missing.exists()


def test_moving_a_unit_under_its_grandchild_is_refused_as_a_cycle(cli, look):
    ok(cli("unit", "add", "示例市税务局第一分局", "--parent", "示例市税务局"))
    result = cli("unit", "set", "示例市人民政府办公室", "--parent", "示例市税务局第一分局")
    assert result.exit_code == 2 and "它自己或它的下级单位" in result.output
    assert look(lambda s: s.scalar(select(Unit.parent_id).where(Unit.name == "示例市人民政府办公室"))) is None


def test_a_change_rolled_back_leaves_neither_the_change_nor_its_entry(db):
    from reviewer.admin import units

    db.info["audit_key"] = TEST_AUDIT_KEY
    units.add_unit(db, "未提交的单位")
    db.rollback()
    assert db.scalar(select(Unit.id).where(Unit.name == "未提交的单位")) is None
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.event == "unit.change")) == 0
