"""Inspection on small hand-built histories with known answers, and the report in the notice's shape."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.engine.core import load_engine
from reviewer.inspection.accounts import Account, Verdict, Window, pass_rate, problem_shares
from reviewer.inspection.run import inspect

WINDOW = Window(date(2026, 11, 2), date(2026, 11, 29))  # four whole weeks, Monday to Sunday
UNIT = "示例市文化和旅游局"
CLEAN = ["市图书馆本周六上午举办少儿绘本阅读活动，欢迎家长带孩子参加。",
         "市博物馆冬季开放时间调整为9:00至17:00，周一闭馆。",
         "文化馆公益艺术培训班开始报名，课程免费，名额有限。",
         "非遗展示活动将在人民公园举行，现场有剪纸、皮影等项目展示。"]
FIELDS = ["id", "account", "platform", "unit", "published_at", "title", "text", "kind", "is_original", "message_at"]


def history(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"platform": "微信", "unit": UNIT, "kind": "post", "is_original": "是", "title": "",
                             **row})
    return path


def every(days: int, account: str, start: date = WINDOW.first, until: date = WINDOW.last, **extra) -> list[dict]:
    rows, day, n = [], start, 0
    while day <= until:
        rows.append({"id": f"{account}-{n}", "account": account, "published_at": f"{day} 10:00",
                     "text": CLEAN[n % len(CLEAN)], **extra})
        day += timedelta(days=days)
        n += 1
    return rows


@pytest.fixture(scope="module")
def engine():
    """The rules under test are the account rules; the classifier's own judgements are tested elsewhere."""
    return load_engine(load_settings(classifier_enabled=False))


def judge(tmp_path: Path, engine, rows: list[dict]) -> dict[str, Verdict]:
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine)
    return {v.account.name: v for v in result.verdicts}


def problems(verdict: Verdict) -> list[str]:
    return [wording for _, wording, _ in verdict.problems]


def test_a_clean_active_account_passes(tmp_path, engine):
    verdict = judge(tmp_path, engine, every(3, "示例文旅"))["示例文旅"]
    assert verdict.passed and verdict.problems == []


def test_fifteen_days_of_silence_before_the_monitoring_point_fails(tmp_path, engine):
    rows = every(3, "沉默账号", until=date(2026, 11, 15))
    verdict = judge(tmp_path, engine, rows)["沉默账号"]
    assert not verdict.passed
    assert "监测时间点前2周内未更新" in problems(verdict)
    assert verdict.days_silent > 14


def test_a_week_without_an_original_is_named(tmp_path, engine):
    rows = every(2, "转载账号")
    for row in rows:
        if date(2026, 11, 9) <= date.fromisoformat(row["published_at"][:10]) <= date(2026, 11, 15):
            row["is_original"] = "否"
    verdict = judge(tmp_path, engine, rows)["转载账号"]
    assert "监测期内有1周未发布原创信息" in problems(verdict)
    assert dict((k, e) for k, _, e in verdict.problems)["no_original"] == ["第 2 周"]


def test_an_ad_at_the_foot_of_a_post_is_named_with_the_post(tmp_path, engine):
    rows = every(3, "带广告账号")
    rows[2]["text"] = CLEAN[0] + "\n本店开业大酬宾，全场五折，加微信shop2026订购。"
    verdict = judge(tmp_path, engine, rows)["带广告账号"]
    assert "部分信息页面底部存在商业信息" in problems(verdict)
    assert dict((k, e) for k, _, e in verdict.problems)["ad_footer"] == [rows[2]["id"]]


def test_a_reply_after_the_limit_is_late(tmp_path, engine):
    rows = every(3, "回复慢账号")
    rows.append({"id": "reply-1", "account": "回复慢账号", "published_at": "2026-11-20 10:00", "kind": "reply",
                 "is_original": "", "message_at": "2026-11-16 09:00",
                 "text": "您好，您反映的图书馆空调问题已安排维修，感谢您的关注。"})
    verdict = judge(tmp_path, engine, rows)["回复慢账号"]
    assert "未在规定时限内做出有效回复" in problems(verdict)


def _unanswered(account: str, arrived: str, asof: str = "2026-11-29 18:00") -> dict:
    return {"id": f"{account}-留言", "account": account, "published_at": asof, "kind": "unanswered",
            "is_original": "", "message_at": arrived, "text": ""}


def test_a_message_left_unanswered_past_the_limit_is_a_late_reply(tmp_path, engine):
    rows = [*every(3, "不回复账号"), _unanswered("不回复账号", "2026-11-16 09:00")]
    verdict = judge(tmp_path, engine, rows)["不回复账号"]
    assert dict((k, e) for k, _, e in verdict.problems)["late_reply"] == ["不回复账号-留言"]


def test_a_message_still_within_the_limit_when_the_history_was_taken_is_not_late(tmp_path, engine):
    rows = [*every(3, "刚收到账号"), _unanswered("刚收到账号", "2026-11-29 09:00")]
    verdict = judge(tmp_path, engine, rows)["刚收到账号"]
    assert "late_reply" not in [k for k, _, _ in verdict.problems]


def test_an_unanswered_message_is_neither_an_update_nor_reviewed_as_the_accounts_text(tmp_path, engine):
    rows = [*every(3, "沉默账号", until=date(2026, 11, 10)),
            {**_unanswered("沉默账号", "2026-11-28 09:00"), "text": "狗官，加微信shop2026领红包"}]
    verdict = judge(tmp_path, engine, rows)["沉默账号"]
    assert verdict.account.replies == 0 and verdict.account.last_update.day == 8
    assert not verdict.account.findings and "stale" in [k for k, _, _ in verdict.problems]


def test_an_unanswered_row_without_the_time_the_message_arrived_is_a_bad_row(tmp_path, engine):
    rows = [*every(3, "示例文旅"), {**_unanswered("示例文旅", ""), "id": "缺时间"}]
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine)
    assert [b.reason for b in result.bad_rows] == ["未答复的留言没有留言时间"]


def test_the_pass_rate_and_problem_shares_follow_baojis_arithmetic():
    def make(passed: bool, keys: tuple[str, ...]) -> Verdict:
        return Verdict(Account("x"), passed, [(k, k, []) for k in keys], None, [])
    verdicts = ([make(True, ())] * 82 + [make(False, ("stale",))] * 5 + [make(False, ("no_interaction",))] * 8
                + [make(False, ("off_duty",))] * 2 + [make(False, ("ad_footer",))] * 3)
    assert pass_rate(verdicts) == 82.0
    shares = problem_shares(verdicts)
    assert shares["stale"] == (5, 27.78) and shares["no_interaction"] == (8, 44.44)
    assert shares["off_duty"] == (2, 11.11) and shares["ad_footer"] == (3, 16.67)


def test_bad_rows_are_kept_apart_with_file_and_line(tmp_path, engine):
    rows = every(3, "示例文旅") + [{"id": "bad", "account": "示例文旅", "published_at": "昨天", "text": "x"},
                                  {"id": "empty", "account": "示例文旅", "published_at": "2026-11-10", "text": ""}]
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine)
    assert [(b.where.split(":")[0], b.reason[:4]) for b in result.bad_rows] == [("h.csv", "发布时间"), ("h.csv", "正文为空")]
    assert result.records == len(rows) - 2


def test_the_command_writes_the_list_in_the_notices_columns(tmp_path):
    rows = every(3, "示例文旅") + every(3, "沉默账号", until=date(2026, 11, 10))
    source = history(tmp_path / "h.csv", rows)
    out = tmp_path / "报告.xlsx"
    result = CliRunner().invoke(main, ["inspect", str(source), "--from", "2026-11-02", "--to", "2026-11-29",
                                       "--out", str(out), "--posts", str(tmp_path / "posts.jsonl")],
                           env={"REVIEWER_CLASSIFIER": "0"})
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["检查不合格名单"]
    assert "（监测时间：2026年11月2日至11月29日）" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == ["序号", "新媒体类型", "其他（新媒体类型）", "新媒体名称", "代表主体名称",
                                         "检查结果", "存在的突出问题", "备注"]
    assert [c.value for c in sheet[3]][3:6] == ["沉默账号", UNIT, "不合格"]
    assert (tmp_path / "posts.jsonl").read_text(encoding="utf-8").count("\n") >= len(rows) - 2


def test_two_worker_processes_give_the_same_result_as_one(tmp_path, engine):
    rows = []
    for n in range(6):
        rows += every(2 + n % 3, f"账号{n}", until=date(2026, 11, 29 - 3 * n))
    rows[5]["text"] = CLEAN[1] + "\n本店开业大酬宾，全场五折，加微信shop2026订购。"
    source = history(tmp_path / "h.csv", rows)

    def summary(workers: int):
        result = inspect([source], WINDOW, engine, workers=workers)
        return [(v.account.name, v.passed, v.problems, v.account.posts) for v in result.verdicts]

    assert summary(2) == summary(1)


def test_the_html_page_stands_alone(tmp_path):
    import re

    rows = every(3, "示例文旅") + every(3, "沉默账号", until=date(2026, 11, 10))
    source = history(tmp_path / "h.csv", rows)
    out = tmp_path / "报告.xlsx"
    result = CliRunner().invoke(main, ["inspect", str(source), "--from", "2026-11-02", "--to", "2026-11-29",
                                       "--out", str(out)], env={"REVIEWER_CLASSIFIER": "0"})
    assert result.exit_code == 0, result.output
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "<svg" in page and "沉默账号" in page and "监测时间点前2周内未更新" in page
    assert not re.search(r"(?:src|href)\s*=|@import|url\(", page), "the page must load nothing from outside"
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}  # a namespace, not a load
