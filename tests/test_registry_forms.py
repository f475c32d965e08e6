"""The register's forms in the browser (issue 13): outsourced operators and their staff, a unit's contacts,
moving a unit, the 备案 form, importing the register, the admin's home page and the users list. Each form
is tried with good input and with each refusal: the reason appears beside the form, the input is kept,
nothing is written."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, timedelta

from registry_helpers import registered
from sqlalchemy import func, select
from webclient import csrf_token, sign_in

from reviewer.admin import lifecycle, operators, users
from reviewer.audit.chain import AuditEntry
from reviewer.registry import Approval, Notice
from reviewer.storage import Account, Operator, OutsourcedStaff, Unit, UnitContact, User, UserRole


def admin(app, db):
    client = app.test_client()
    sign_in(client, db, "admin1")
    return client, csrf_token(client, "/admin/accounts/")


def unit_id(db, name: str) -> int:
    return db.scalar(select(Unit.id).where(Unit.name == name))


def entries(db, event: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.seq)))


def details(entry: AuditEntry) -> dict:
    return json.loads(entry.details)


def operator_running(db, account: str = "示例税务", **kw) -> Operator:
    """An operator (committed) that runs ``account``."""
    operator = operators.add_operator(db, "示例传媒有限公司", license_number="10120180001",
                                      license_expires=kw.pop("expires", date.today() + timedelta(days=400)), **kw)
    db.scalar(select(Account).where(Account.name == account)).operator_id = operator.id
    db.commit()
    return operator


# --- 托管单位 -----------------------------------------------------------------------------------

def test_an_admin_registers_an_operator_with_its_license_and_the_rules_file_name_and_hash(app, db):
    client, token = admin(app, db)
    response = client.post("/admin/operators/new", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "示例传媒有限公司", "license_number": "10120180001", "license_expires": "2027-06-30",
        "rules_note": "内容审核制度（2026 年修订）", "rules_file": (io.BytesIO(b"rules v1"), "管理制度.pdf")})
    assert response.status_code == 302
    operator = db.scalar(select(Operator).where(Operator.name == "示例传媒有限公司"))
    assert (operator.license_number, operator.license_expires, operator.rules_on_file) == ("10120180001", date(2027, 6, 30), True)
    assert operator.rules_note.splitlines() == [f"文件：管理制度.pdf（SHA-256：{hashlib.sha256(b'rules v1').hexdigest()}）",
                                                "内容审核制度（2026 年修订）"]
    assert [e.details for e in entries(db, "operator.change")][-1].count("示例传媒有限公司") == 1


def test_an_operator_form_with_a_bad_expiry_says_why_in_place_and_keeps_the_input(app, db):
    client, token = admin(app, db)
    refused = client.post("/admin/operators/new", data={"csrf_token": token, "name": "示例传媒有限公司",
                                                        "license_number": "10120180001", "license_expires": "明年六月"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="form-error"' in page and "资质有效期必须是 YYYY-MM-DD 格式的日期" in page
    assert 'value="示例传媒有限公司"' in page and 'value="10120180001"' in page
    assert db.scalar(select(func.count()).select_from(Operator)) == 0


def test_a_second_operator_of_the_same_name_is_refused_in_place(app, db):
    operator_running(db)
    client, token = admin(app, db)
    refused = client.post("/admin/operators/new", data={"csrf_token": token, "name": "示例传媒有限公司"})
    assert refused.status_code == 422 and "托管单位“示例传媒有限公司”已存在" in refused.get_data(as_text=True)


def test_expired_and_soon_expiring_licenses_are_shown_as_such(app, db):
    operators.add_operator(db, "过期传媒", license_number="1", license_expires=date.today() - timedelta(days=1))
    operators.add_operator(db, "将到期传媒", license_number="2", license_expires=date.today() + timedelta(days=30))
    operators.add_operator(db, "有效传媒", license_number="3", license_expires=date.today() + timedelta(days=365))
    operators.add_operator(db, "无资质传媒")
    db.commit()
    client, _ = admin(app, db)
    page = client.get("/admin/operators/").get_data(as_text=True)
    shown = dict(re.findall(r'>([^<>]+传媒)</a></td>\s*<td class="small">.*?license-(\w+)', page, re.S))
    assert shown == {"过期传媒": "expired", "将到期传媒": "expiring", "有效传媒": "valid", "无资质传媒": "missing"}
    assert "已过期" in page and "即将到期" in page


def test_editing_an_operator_records_what_changed_before_and_after(app, db):
    operator = operator_running(db)
    client, token = admin(app, db)
    assert client.post(f"/admin/operators/{operator.id}/edit", data={
        "csrf_token": token, "name": "示例传媒有限公司", "license_number": "10120189999", "license_expires": "2028-01-31",
        "rules_note": ""}).status_code == 302
    db.expire_all()
    assert (db.get(Operator, operator.id).license_number, db.get(Operator, operator.id).license_expires) == ("10120189999", date(2028, 1, 31))
    assert details(entries(db, "operator.change")[-1])["changes"]["license_number"] == ["10120180001", "10120189999"]


def test_an_operator_that_also_runs_another_units_account_cannot_be_edited_by_this_admin(app, db):
    operator = operator_running(db)
    db.scalar(select(Account).where(Account.name == "邻县发布")).operator_id = operator.id
    db.commit()
    before = len(entries(db, "operator.change"))
    client, token = admin(app, db)
    refused = client.post(f"/admin/operators/{operator.id}/edit", data={
        "csrf_token": token, "name": "改名传媒有限公司", "license_number": "10120180001", "license_expires": "",
        "rules_note": ""})
    assert refused.status_code == 403 and "管理范围以外的 1 个账号" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Operator, operator.id).name == "示例传媒有限公司" and len(entries(db, "operator.change")) == before


def test_the_operator_page_lists_the_accounts_it_runs_in_the_admins_units(app, db):
    operator = operator_running(db)
    db.scalar(select(Account).where(Account.name == "邻县发布")).operator_id = operator.id
    db.commit()
    client, _ = admin(app, db)
    page = client.get(f"/admin/operators/{operator.id}").get_data(as_text=True)
    assert "示例税务" in page and "邻县发布" not in page


def test_an_admin_registers_staff_with_their_background_check(app, db):
    operator = operator_running(db)
    client, token = admin(app, db)
    assert client.post(f"/admin/operators/{operator.id}/staff", data={
        "csrf_token": token, "username": "editor1", "check_date": "2026-05-01", "check_result": "passed"}).status_code == 302
    staff = db.get(OutsourcedStaff, db.scalar(select(User.id).where(User.username == "editor1")))
    assert (staff.operator_id, staff.check_date, staff.check_result) == (operator.id, date(2026, 5, 1), "passed")
    page = client.get(f"/admin/operators/{operator.id}").get_data(as_text=True)
    assert "通过（2026-05-01）" in page
    assert entries(db, "operator.change")[-1].subject_user_id == staff.user_id


def test_a_reviewer_of_the_operators_account_cannot_be_made_its_staff(app, db):
    operator = operator_running(db)
    client, token = admin(app, db)
    refused = client.post(f"/admin/operators/{operator.id}/staff", data={
        "csrf_token": token, "username": "reviewer2", "check_date": "2026-05-01", "check_result": "passed"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'id="staff-error"' in page and "outsourced_conflict" in page
    assert "不能担任其托管账号“示例税务”的审核员" in page
    assert '<option value="reviewer2" selected>' in page and 'value="2026-05-01"' in page
    assert db.scalar(select(func.count()).select_from(OutsourcedStaff)) == 0


def test_a_background_check_dated_after_today_is_refused_in_place(app, db):
    operator = operator_running(db)
    client, token = admin(app, db)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused = client.post(f"/admin/operators/{operator.id}/staff", data={
        "csrf_token": token, "username": "editor1", "check_date": tomorrow, "check_result": "passed"})
    assert refused.status_code == 422 and f"背景审查日期 {tomorrow} 晚于今天" in refused.get_data(as_text=True)


def test_a_user_outside_the_admins_units_cannot_be_made_staff(app, db):
    operator = operator_running(db)
    client, token = admin(app, db)
    refused = client.post(f"/admin/operators/{operator.id}/staff", data={"csrf_token": token, "username": "editor_other"})
    assert refused.status_code == 404 and "不属于您管理的单位" in refused.get_data(as_text=True)


# --- 托管变脱管：外包人员不得审核、发布所托管的账号 ---------------------------------------------------

def test_outsourced_staff_cannot_be_granted_the_publisher_role_on_the_users_page(app, db):
    operator = operator_running(db)
    operators.set_staff(db, "editor1", operator.name, check_date=date(2026, 5, 1), check_result="passed")
    db.commit()
    client, token = admin(app, db)
    refused = client.post("/admin/people/editor1", data={"csrf_token": token, "action": "add_role", "role": "publisher"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'id="people-error"' in page and "托管变脱管" in page
    assert db.scalar(select(UserRole).where(UserRole.role == "publisher", UserRole.user_id == db.scalar(
        select(User.id).where(User.username == "editor1")))) is None


def test_outsourced_staff_who_hold_the_reviewer_role_still_cannot_sign_their_operators_account(db, api_as):
    """Staff recorded before the rule (straight into the table) are refused by the permissions table at signing."""
    operator = operator_running(db, account="示例文旅")
    draft = api_as("editor1").submitted_draft("示例文旅")
    db.add(OutsourcedStaff(user_id=db.scalar(select(User.id).where(User.username == "reviewer2")), operator_id=operator.id))
    db.commit()
    refused = api_as("reviewer2").sign(draft, 1, 1, "political")
    assert refused.status_code == 403 and "托管单位的外包人员，不能审核它" in refused.get_json()["message"]
    assert api_as("reviewer3").sign(draft, 1, 1, "political").status_code == 201


def test_the_roles_kept_from_outsourced_staff_are_those_that_sign_and_publish():
    from reviewer.permissions import outsourced_roles, separation_refusal

    assert outsourced_roles() == {"reviewer", "publisher"}
    assert "外包人员" in separation_refusal("publish", {"outsourced"})


def test_moving_a_unit_that_would_put_staff_over_their_operators_account_is_refused(db):
    from reviewer.admin import units
    from reviewer.errors import WorkflowError

    operator = operator_running(db)  # runs 示例税务 of 示例市税务局
    users.create_user(db, "outsourced1", "a-long-demo-password", ["publisher"], ["示例市公安局"])
    operators.set_staff(db, "outsourced1", operator.name, check_date=date(2026, 5, 1), check_result="passed")
    try:
        units.update_unit(db, "示例市税务局", parent="示例市公安局")
    except WorkflowError as exc:
        assert exc.code == "outsourced_conflict"
    else:
        raise AssertionError("the move was allowed")


# --- 单位联系人 --------------------------------------------------------------------------------------

def test_an_admin_sets_a_units_contacts_on_the_unit_page_on_record(app, db):
    client, token = admin(app, db)
    tax = unit_id(db, "示例市税务局")
    assert client.post(f"/admin/units/{tax}/contacts", data={
        "csrf_token": token, "liaison_name": "王联络", "liaison_phone": "0571-1000", "head_name": "赵局长"}).status_code == 302
    page = client.get("/admin/units").get_data(as_text=True)
    assert "联络员：王联络 0571-1000" in page and "主要负责人：赵局长" in page
    assert len(entries(db, "contact.change")) == 2
    assert client.post(f"/admin/units/{tax}/contacts", data={
        "csrf_token": token, "liaison_name": "王联络", "liaison_phone": "0571-1000", "head_name": "赵局长"}).status_code == 302
    assert len(entries(db, "contact.change")) == 2  # nothing changed, nothing recorded


def test_a_contact_phone_without_a_name_is_refused_beside_the_unit_with_the_input_kept(app, db):
    client, token = admin(app, db)
    tax = unit_id(db, "示例市税务局")
    refused = client.post(f"/admin/units/{tax}/contacts", data={
        "csrf_token": token, "liaison_name": "王联络", "deputy_phone": "0571-2000"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "分管负责人：填写了电话，请同时填写姓名" in page
    assert page.index('id="unit-error"') > page.index(f'id="unit-{tax}"') and 'value="王联络"' in page
    assert db.scalar(select(func.count()).select_from(UnitContact)) == 0


def test_contacts_of_a_unit_outside_the_admins_units_cannot_be_set(app, db):
    client, token = admin(app, db)
    other = unit_id(db, "邻县人民政府办公室")
    assert client.post(f"/admin/units/{other}/contacts", data={"csrf_token": token, "liaison_name": "某"}).status_code == 404


# --- 移动单位 ----------------------------------------------------------------------------------------

def test_an_admin_moves_a_unit_under_another_of_theirs_on_record(app, db):
    client, token = admin(app, db)
    tax, police = unit_id(db, "示例市税务局"), unit_id(db, "示例市公安局")
    assert client.post(f"/admin/units/{tax}/move", data={"csrf_token": token, "parent": str(police)}).status_code == 302
    db.expire_all()
    assert db.get(Unit, tax).parent_id == police
    assert details(entries(db, "unit.change")[-1])["changes"] == {"parent": ["示例市人民政府办公室", "示例市公安局"]}


def test_moving_a_unit_under_its_own_child_is_refused_with_the_reason(app, db):
    from reviewer.admin.units import add_unit

    add_unit(db, "示例市税务局第一分局", "示例市税务局")
    db.commit()
    client, token = admin(app, db)
    tax, branch = unit_id(db, "示例市税务局"), unit_id(db, "示例市税务局第一分局")
    refused = client.post(f"/admin/units/{tax}/move", data={"csrf_token": token, "parent": str(branch)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "后者是它自己或它的下级单位" in page and "unit_cycle" in page
    assert f'<option value="{branch}" selected>' in page
    db.expire_all()
    assert db.get(Unit, tax).parent_id == unit_id(db, "示例市人民政府办公室")


def test_moving_a_unit_outside_the_admins_units_is_refused_with_the_reason(app, db):
    client, token = admin(app, db)
    tax = unit_id(db, "示例市税务局")
    refused = client.post(f"/admin/units/{tax}/move", data={"csrf_token": token, "parent": str(unit_id(db, "邻县人民政府办公室"))})
    assert refused.status_code == 422 and "新的上级单位须是您管理的单位" in refused.get_data(as_text=True)
    refused = client.post(f"/admin/units/{unit_id(db, '邻县人民政府办公室')}/move", data={"csrf_token": token, "parent": str(tax)})
    assert refused.status_code == 422 and "不在您管理的单位之内，不能移动" in refused.get_data(as_text=True)


# --- 备案 ----------------------------------------------------------------------------------------

def live_since(db, day: date) -> int:
    """An account approved on 1 September 2026 and gone live on ``day`` (it owes the 7-working-day report)."""
    account_id = registered(db, state="applied")
    for to, on, kw in (("approved", date(2026, 9, 1), {"approval": Approval("省政府办公厅", date(2026, 9, 1))}),
                       ("live", day, {"notice": Notice("开通公告", day)})):
        lifecycle.transition_account(db, account_id, lifecycle.Step(to, lifecycle.moment(on), "经办人 王五", **kw))
    db.commit()
    return account_id


def test_the_filing_form_shows_the_7_working_day_deadline_across_the_national_day_holiday(app, db):
    account_id = live_since(db, date(2026, 9, 30))
    client, _ = admin(app, db)
    page = client.get(f"/admin/accounts/{account_id}/filing").get_data(as_text=True)
    assert "上线运行（2026-09-30 23:59）后 7 个工作日内向政府办公室备案：截止 2026-10-15 23:59" in page


def test_filing_the_report_discharges_it_and_the_timeline_names_the_situation(app, db):
    account_id = live_since(db, date(2026, 9, 30))
    client, token = admin(app, db)
    assert client.post(f"/admin/accounts/{account_id}/filing", data={
        "csrf_token": token, "kind": "report", "date": "2026-10-14", "note": "回执 2026-118"}).status_code == 302
    filed = details(entries(db, "account.filing")[-1])
    assert (filed["situation"], filed["late"], filed["deadline"]) == ("上线运行", False, "2026-10-15T23:59:59+08:00")
    assert "向政府办公室备案" not in client.get(f"/admin/accounts/{account_id}/filing").get_data(as_text=True).split("应办的备案")[1].split("</section>")[0]
    assert "向政府办公室备案（上线运行，截止 2026-10-15），备注：回执 2026-118" in client.get(f"/admin/accounts/{account_id}").get_data(as_text=True)


def test_a_filing_with_a_bad_date_is_refused_in_place_keeping_the_note(app, db):
    account_id = live_since(db, date(2026, 9, 30))
    client, token = admin(app, db)
    refused = client.post(f"/admin/accounts/{account_id}/filing", data={
        "csrf_token": token, "kind": "report", "date": "十月十四日", "note": "回执 2026-118"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="filing-error"' in page and "备案日期必须是 YYYY-MM-DD" in page
    assert 'value="回执 2026-118"' in page and not entries(db, "account.filing")


def test_a_filing_before_the_account_was_opened_is_refused(app, db):
    account_id = live_since(db, date(2026, 9, 30))
    client, token = admin(app, db)
    refused = client.post(f"/admin/accounts/{account_id}/filing", data={"csrf_token": token, "kind": "report", "date": "2026-08-01"})
    assert refused.status_code == 422 and "filing_before_account" in refused.get_data(as_text=True)


def test_a_filing_of_another_units_account_is_not_found(app, db):
    client, token = admin(app, db)
    other = db.scalar(select(Account.id).where(Account.name == "邻县发布"))
    assert client.post(f"/admin/accounts/{other}/filing", data={"csrf_token": token, "kind": "report"}).status_code == 404


# --- 导入备案台账 -----------------------------------------------------------------------------------

def workbook(*lines: tuple[str, ...]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "新媒体类型", "新媒体名称", "主办单位", "开设主体级别"])
    for number, line in enumerate(lines, 1):
        book.active.append([number, *line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, token, data: bytes, name: str = "台账.xlsx"):
    return client.post("/admin/accounts/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "action": "preview", "file": (io.BytesIO(data), name)})


def test_an_import_preview_names_the_bad_line_in_chinese_and_offers_no_apply(app, db):
    client, token = admin(app, db)
    page = upload(client, token, workbook(("微信", "新账号甲", "示例市税务局", "县级"),
                                          ("微信", "新账号乙", "不存在的单位", "县级"))).get_data(as_text=True)
    assert "1 行有错误" in page and 'id="apply-form"' not in page
    bad = page.split("第 3 行")[1].split("</tr>")[0]
    assert "找不到单位“不存在的单位”" in bad and "新账号乙" in bad
    assert "新建" in page.split("第 2 行")[1].split("</tr>")[0]
    assert db.scalar(select(Account).where(Account.name == "新账号甲")) is None


def test_a_good_import_is_previewed_then_applied_at_once_on_record(app, db):
    client, token = admin(app, db)
    page = upload(client, token, workbook(("微信", "新账号甲", "示例市税务局", "县级"),
                                          ("微信", "示例税务", "示例市税务局", "设区市"))).get_data(as_text=True)
    assert "2 行均无误" in page
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    applied = client.post("/admin/accounts/import", data={"csrf_token": token, "action": "apply", "payload": payload,
                                                          "file_name": "台账.xlsx"})
    assert applied.status_code == 302
    assert db.scalar(select(Account.subject_level).where(Account.name == "示例税务")) == "city"
    assert db.scalar(select(Account.id).where(Account.name == "新账号甲")) is not None
    assert details(entries(db, "register.import")[-1]) == {"created": 1, "updated": 1, "lines": 2, "file": "台账.xlsx"}


def test_an_import_line_naming_a_unit_outside_the_admins_units_is_an_error(app, db):
    client, token = admin(app, db)
    page = upload(client, token, workbook(("微信", "新账号甲", "邻县人民政府办公室", "县级"))).get_data(as_text=True)
    assert "主办单位或主管单位不在您管理的单位之内" in page and 'id="apply-form"' not in page


def test_an_import_changed_after_the_preview_applies_nothing(app, db):
    import base64

    client, token = admin(app, db)
    tampered = base64.b64encode(workbook(("微信", "新账号甲", "示例市税务局", "县级"), ("微信", "新账号乙", "", ""))).decode()
    refused = client.post("/admin/accounts/import", data={"csrf_token": token, "action": "apply", "payload": tampered,
                                                          "file_name": "台账.xlsx"})
    assert refused.status_code == 422 and "未导入任何内容" in refused.get_data(as_text=True)
    assert db.scalar(select(Account).where(Account.name == "新账号甲")) is None


def test_a_file_that_is_not_a_workbook_is_refused_on_the_import_page(app, db):
    client, token = admin(app, db)
    refused = upload(client, token, b"hello", "台账.docx")
    assert refused.status_code == 422 and "文件须为 .xlsx 或 .csv" in refused.get_data(as_text=True)
    broken = upload(client, token, b"not a zip", "台账.xlsx")
    assert broken.status_code == 422 and "无法读取 Excel 文件" in broken.get_data(as_text=True)


# --- 管理首页 ----------------------------------------------------------------------------------------

def test_the_admins_home_page_lists_overdue_register_items_linked_to_their_accounts(app, db):
    account_id = live_since(db, date(2026, 9, 30))  # the report was due 2026-10-15 and was never filed
    client, _ = admin(app, db)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    overdue = page.split('id="overdue-list"')[1].split("</ul>")[0]
    assert f'href="/admin/accounts/{account_id}"' in overdue and "截止 2026-10-15 23:59，已逾期" in overdue


def test_the_admins_home_page_warns_of_an_expiring_license_of_an_operator_running_an_account(app, db):
    operator_running(db, expires=date.today() + timedelta(days=10))
    client, _ = admin(app, db)
    page = client.get("/admin/").get_data(as_text=True)
    assert "示例传媒有限公司" in page.split('id="license-warnings"')[1] and "即将到期" in page


# --- 用户管理 ----------------------------------------------------------------------------------------

def test_the_users_list_is_searched_by_role_and_unit(app, db):
    client, _ = admin(app, db)
    page = client.get("/admin/people?role=publisher").get_data(as_text=True)
    listed = re.findall(r"<td>(\w+)<br>", page)
    assert listed == ["publisher1", "reviewer3"] and "共 2 个用户" in page
    users.create_user(db, "taxclerk", "a-long-demo-password", ["editor"], ["示例市税务局"], "税务 小王")
    db.commit()
    page = client.get(f"/admin/people?unit={unit_id(db, '示例市税务局')}&q=小王").get_data(as_text=True)
    assert re.findall(r"<td>(\w+)<br>", page) == ["taxclerk"]


def test_the_users_list_is_paginated_and_keeps_its_search(app, db, monkeypatch):
    import reviewer.web.admin as admin_views

    monkeypatch.setattr(admin_views, "PEOPLE_PAGE", 3)
    client, _ = admin(app, db)
    page = client.get("/admin/people?q=e&page=2").get_data(as_text=True)
    assert "共 6 个用户，第 2/2 页" in page and "/admin/people?q=e&amp;page=1" in page
    assert re.findall(r"<td>(\w+)<br>", page) == ["reviewer2", "reviewer3", "supervisor1"]


def test_a_refused_change_of_a_user_is_shown_on_their_row(app, db):
    client, token = admin(app, db)
    refused = client.post("/admin/people/auditor1?role=auditor", data={"csrf_token": token, "action": "remove_role", "role": "auditor"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不能移除用户的最后一个角色" in page and 'id="people-error"' in page
