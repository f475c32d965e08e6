"""The inspection pages: upload, refusals with their code and message, progress JSON, result, downloads.

Uploads go through the real multipart form; a refused upload answers its status with the Chinese
message on the form and leaves no job, no file and no audit entry behind.
"""

from __future__ import annotations

import io
from dataclasses import replace

import openpyxl
import pytest
from inspection_helpers import STALE, csv_bytes, finished, quarter_rows, submitted, supervisor_of
from sqlalchemy import func, select
from webclient import csrf_token, sign_in

from reviewer.audit.chain import AuditEntry
from reviewer.storage import InspectionJob
from reviewer.supervision import jobs


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


@pytest.fixture
def supervisor(client, db):
    sign_in(client, db, "supervisor1")
    return client


def upload(client, files: list[tuple[bytes, str]], first: str = "2026-11-02", last: str = "2026-11-29"):
    data = {"first": first, "last": last, "csrf_token": csrf_token(client, "/inspections/new"),
            "files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/inspections/new", data=data, content_type="multipart/form-data")


def nothing_stored(session, settings) -> bool:
    root = jobs.data_root(settings)
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    entries = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.event == "inspection.submit"))
    return session.scalar(select(func.count()).select_from(InspectionJob)) == 0 and files == [] and entries == 0


def test_the_supervisor_uploads_a_history_and_is_sent_to_the_job_page(supervisor, session):
    response = upload(supervisor, [(csv_bytes(quarter_rows()), "第四季度.csv")])
    assert response.status_code == 302
    job = session.scalar(select(InspectionJob))
    assert response.headers["Location"].endswith(f"/inspections/{job.id}")
    assert (job.status, job.file_names) == ("queued", ["第四季度.csv"])
    page = supervisor.get(f"/inspections/{job.id}").get_data(as_text=True)
    assert "排队中" in page and "等待检查" in page and 'data-status-url="/inspections/' in page
    assert supervisor.get(f"/inspections/{job.id}/status").get_json() == {
        "id": job.id, "status": "queued", "status_name": "排队中", "attempts": 0, "rows_done": 0, "rows_total": None,
        "percent": None, "error": None, "finished": False}
    refused = supervisor.get(f"/inspections/{job.id}/files/report")
    assert refused.status_code == 409 and "巡检尚未完成" in refused.get_data(as_text=True)


GBK = "id,account,published_at,text\n1,示例文旅,2026-11-03 10:00,市图书馆开放。\n".encode("gbk")


@pytest.mark.parametrize(("files", "dates", "status", "code", "message"), [
    ([], ("2026-11-02", "2026-11-29"), 422, "no_files", "请至少选择一个账号历史文件"),
    ([(b"%PDF-1.7", "通报.pdf")], ("2026-11-02", "2026-11-29"), 422, "unsupported_file_type",
     "文件“通报.pdf”的类型不受支持：只接受 .csv、.jsonl 或 .xlsx 文件。"),
    ([(b"", "空.csv")], ("2026-11-02", "2026-11-29"), 422, "empty_file", "文件“空.csv”是空文件。"),
    ([(b"id,account\n1,a\n", "账号.xlsx")], ("2026-11-02", "2026-11-29"), 422, "unreadable_file", "不是有效的 Excel 工作簿"),
    ([(GBK, "导出.csv")], ("2026-11-02", "2026-11-29"), 422, "unreadable_file", "文件“导出.csv”不是 UTF-8 编码的文本"),
    ([(b"{}", "a.jsonl")], ("2026-11-30", "2026-11-01"), 422, "invalid_window", "监测结束日期早于起始日期。"),
    ([(b"{}", "a.jsonl")], ("2026-02-30", "2026-11-01"), 422, "invalid_window", "监测起始日期“2026-02-30”不是有效日期"),
    ([(b"{}", "a.jsonl")], ("", "2026-11-01"), 422, "invalid_window", "请填写监测起始日期。"),
    ([(b"{}", "a.jsonl"), (b"", "b.csv")], ("2026-11-02", "2026-11-29"), 422, "empty_file", "文件“b.csv”是空文件。"),
])
def test_a_bad_upload_is_refused_with_its_code_and_message_and_nothing_is_stored(supervisor, session, settings, files,
                                                                                  dates, status, code, message):
    response = upload(supervisor, files, *dates)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'data-code="{code}"' in page and message in page
    assert f'value="{dates[0]}"' in page  # what was typed is kept
    assert nothing_stored(session, settings)


@pytest.fixture
def small_limit(settings):
    return replace(settings, inspection_upload_bytes=4096, inspection_max_files=2)


@pytest.fixture
def limited_client(small_limit, engine, db):
    from reviewer.bootstrap import bootstrap
    from reviewer.web import create_app

    app = create_app(small_limit, services=bootstrap(small_limit, database=engine))
    client = app.test_client()
    sign_in(client, db, "supervisor1")
    return client


def test_uploads_beyond_the_size_limit_or_the_file_count_are_refused(limited_client, session, small_limit):
    big = csv_bytes(quarter_rows() * 4)
    assert 4096 < len(big) < 4096 + 64 * 1024
    response = upload(limited_client, [(big, "大文件.csv")])
    assert response.status_code == 413 and 'data-code="file_too_large"' in response.get_data(as_text=True)
    assert "4 KB" in response.get_data(as_text=True)
    huge = upload(limited_client, [(b"x" * (200 * 1024), "超大.csv")])
    assert huge.status_code == 413 and "4 KB" in huge.get_data(as_text=True)  # refused before it is read
    three = upload(limited_client, [(b"{}", f"{n}.jsonl") for n in range(3)])
    assert three.status_code == 422 and "一次最多上传 2 个文件" in three.get_data(as_text=True)
    assert nothing_stored(session, small_limit)


def test_the_result_page_shows_the_pass_rate_failing_accounts_and_downloads(services, supervisor, session):
    job_id = finished(services, session)
    page = supervisor.get(f"/inspections/{job_id}").get_data(as_text=True)
    assert "50.00%" in page and "沉默账号" in page and STALE in page and "已完成" in page
    assert "没有单位的违规预警达到约谈次数" in page
    report = supervisor.get(f"/inspections/{job_id}/files/report")
    assert report.status_code == 200 and "filename*=UTF-8''" in report.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    assert book["检查不合格名单"]["D3"].value == "沉默账号"
    html = supervisor.get(f"/inspections/{job_id}/files/page")
    assert html.status_code == 200 and "<svg" in html.get_data(as_text=True)
    assert "正文为空" in supervisor.get(f"/inspections/{job_id}/files/errors").data.decode("utf-8-sig")
    assert supervisor.get(f"/inspections/{job_id}/files/other").status_code == 404
    listing = supervisor.get("/inspections/").get_data(as_text=True)
    assert f"#{job_id}" in listing and "不合格 1 个（合格率 50.00%）" in listing


def test_escalations_show_on_the_result_page(services, supervisor, session):
    rows = quarter_rows()
    for n in range(2):  # two more silent accounts of the same unit: three alerts
        rows += [dict(r, account=f"沉默账号{n}", id=f"{r['id']}-{n}") for r in rows if r["account"] == "沉默账号"]
    job_id = finished(services, session, rows=rows)
    page = supervisor.get(f"/inspections/{job_id}").get_data(as_text=True)
    assert "约谈联络员" in page and "政务公开事务中心" in page and "示例市交通运输局" in page


def test_another_offices_supervisor_gets_not_found(app, services, session):
    job_id = submitted(session)
    supervisor_of(session, "邻县人民政府办公室", "supervisor_other")
    client = app.test_client()
    sign_in(client, session, "supervisor_other")
    for path in (f"/inspections/{job_id}", f"/inspections/{job_id}/status", f"/inspections/{job_id}/files/report"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/inspections/{job_id}/status").get_json()["error"] == "not_found"
    assert f"#{job_id}" not in client.get("/inspections/").get_data(as_text=True)


def test_the_supervisor_starts_on_the_inspection_list_and_sees_it_in_the_navigation(supervisor):
    home = supervisor.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/inspections/")
    page = supervisor.get("/inspections/").get_data(as_text=True)
    assert "账号巡检" in page and "监管员" in page and "还没有巡检记录" in page


def test_an_administrator_grants_the_supervisor_role_from_the_command_line_and_it_opens_the_pages(cli, client, db):
    added = cli("user", "add", "wangwu", "--role", "supervisor", "--unit", "示例市人民政府办公室", "--password-stdin",
                input="a-long-password-1\n")
    assert added.exit_code == 0, added.output
    sign_in(client, db, "wangwu")
    assert client.get("/inspections/").status_code == 200
    granted = cli("user", "roles", "editor1", "--add", "supervisor")
    assert granted.exit_code == 0 and "监管员" in cli("user", "list").output
