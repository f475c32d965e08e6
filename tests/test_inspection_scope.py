"""Inspection beyond one list of files: the register, samples, re-checks, escalation, output formats, Dask."""

from __future__ import annotations

import csv
import json
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from reviewer.cli import main
from reviewer.inspection.escalation import alerts, escalations
from reviewer.inspection.run import Registered, Scope, inspect
from tests.test_inspection import CLEAN, WINDOW, every, history

ARGS = ["--from", "2026-11-02", "--to", "2026-11-29"]
ENV = {"REVIEWER_CLASSIFIER": "0"}


@pytest.fixture(scope="module")
def engine():
    from reviewer.config import load_settings
    from reviewer.engine.core import load_engine

    return load_engine(load_settings(classifier_enabled=False))


def test_the_register_names_the_unit_and_platform_of_an_account_in_the_files(tmp_path, engine):
    source = history(tmp_path / "h.csv", every(3, "示例文旅", unit="文件里的单位"))
    scope = Scope((Registered("示例文旅", "微信", "示例市文化广电和旅游局"),))
    [v] = inspect([source], WINDOW, engine, scope=scope).verdicts
    assert (v.account.unit, v.account.platform, v.account.registered) == ("示例市文化广电和旅游局", "微信", True)


def test_a_registered_account_with_no_record_is_judged_silent(tmp_path, engine):
    source = history(tmp_path / "h.csv", every(3, "示例文旅"))
    scope = Scope((Registered("示例文旅", "微信", "甲局"), Registered("备案未发", "微博", "乙局")))
    verdicts = {v.account.name: v for v in inspect([source], WINDOW, engine, scope=scope).verdicts}
    assert verdicts["示例文旅"].passed
    assert not verdicts["备案未发"].passed
    assert verdicts["备案未发"].problems[0][1] == "监测时间点前2周内未更新"
    assert verdicts["备案未发"].account.unit == "乙局"


def test_the_same_name_on_two_platforms_is_two_accounts(tmp_path, engine):
    rows = every(3, "示例发布", platform="微信") + every(3, "示例发布", platform="微博", until=date(2026, 11, 10))
    verdicts = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine).verdicts
    assert sorted((v.account.platform, v.passed) for v in verdicts) == [("微信", True), ("微博", False)]


def test_a_sample_judges_only_the_accounts_drawn(tmp_path, engine):
    rows = [row for n in range(5) for row in every(3, f"账号{n}")]
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine, scope=Scope(only=frozenset({"账号1", "账号3"})))
    assert [v.account.name for v in result.verdicts] == ["账号1", "账号3"]
    assert result.records == 2 * len(every(3, "x"))


def test_the_same_seed_draws_the_same_sample_from_the_files(tmp_path):
    rows = [row for n in range(8) for row in every(3, f"账号{n}")]
    source = history(tmp_path / "h.csv", rows)

    def drawn(seed: str, name: str) -> list[str]:
        out = tmp_path / name
        result = CliRunner().invoke(main, ["inspect", str(source), *ARGS, "--out", str(out), "--sample", "3",
                                           "--seed", seed, "--no-registry"], env=ENV)
        assert result.exit_code == 0, result.output
        return sorted(str(r[1].value) for r in openpyxl.load_workbook(out)["汇总"].iter_rows(min_row=1, max_row=3))

    assert drawn("7", "a.xlsx") == drawn("7", "b.xlsx")


def test_a_sample_larger_than_the_population_is_refused(tmp_path):
    source = history(tmp_path / "h.csv", every(3, "账号0"))
    result = CliRunner().invoke(main, ["inspect", str(source), *ARGS, "--out", str(tmp_path / "r.xlsx"),
                                       "--sample", "5", "--no-registry"], env=ENV)
    assert result.exit_code == 2
    assert "超过可抽取的账号数 1" in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_a_targeted_list_judges_the_accounts_named(tmp_path):
    rows = [row for n in range(4) for row in every(3, f"账号{n}")]
    source = history(tmp_path / "h.csv", rows)
    names = tmp_path / "名单.txt"
    names.write_text("账号2\n\n账号0\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["inspect", str(source), *ARGS, "--out", str(out), "--accounts", str(names),
                                       "--no-registry"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "已检查 2 个账号" in result.output


def _report(tmp_path, rows, name: str, *extra: str) -> openpyxl.Workbook:
    out = tmp_path / name
    result = CliRunner().invoke(main, ["inspect", str(history(tmp_path / f"{name}.csv", rows)), *ARGS, "--out", str(out),
                                       "--no-registry", *extra], env=ENV)
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def test_a_recheck_marks_the_accounts_still_failing(tmp_path):
    silent_both = every(3, "仍未整改", until=date(2026, 11, 10))
    first = _report(tmp_path, every(3, "已整改", until=date(2026, 11, 10)) + silent_both, "round1.xlsx")
    assert first["检查不合格名单"].max_row == 4
    second = _report(tmp_path, every(3, "已整改") + silent_both, "round2.xlsx", "--recheck", str(tmp_path / "round1.xlsx"))
    rows = [[c.value for c in row] for row in second["检查不合格名单"].iter_rows(min_row=3)]
    assert [(r[3], r[7]) for r in rows] == [("仍未整改", "未整改或整改不到位")]
    summary = {row[0].value: row[1].value for row in second["汇总"].iter_rows() if row[0].value}
    assert (summary["上轮不合格账号数"], summary["其中已整改"], summary["其中未整改或整改不到位"]) == (2, 1, 1)


def test_a_recheck_of_a_file_that_is_no_report_is_refused(tmp_path):
    bogus = tmp_path / "上轮.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "别的表"
    book.save(bogus)
    source = history(tmp_path / "h.csv", every(3, "账号0"))
    result = CliRunner().invoke(main, ["inspect", str(source), *ARGS, "--out", str(tmp_path / "r.xlsx"),
                                       "--recheck", str(bogus), "--no-registry"], env=ENV)
    assert result.exit_code == 2
    assert "没有“检查不合格名单”工作表" in result.output


def test_two_alerts_call_in_the_liaison_and_six_the_head(tmp_path, engine):
    assert escalations({"甲局": 1}) == []
    assert [e.talk for e in escalations({"甲局": 2})] == ["约谈联络员"]
    assert [e.talk for e in escalations({"甲局": 3}, {"甲局": 1})] == ["约谈分管负责人"]
    [head] = escalations({"甲局": 2}, {"甲局": 5})
    assert (head.alerts, head.earlier, head.talk, head.by) == (7, 5, "约谈主要负责人", "府办主任")


def test_alerts_count_the_failing_problems_of_each_units_accounts(tmp_path, engine):
    silent = {"unit": "甲局", "until": date(2026, 11, 10), "is_original": ""}  # one problem each: silence
    rows = every(3, "沉默一号", **silent) + every(3, "沉默二号", **silent) + every(3, "活跃", unit="乙局")
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine)
    assert alerts(result.verdicts) == {"甲局": 2}
    assert [(e.unit, e.talk) for e in result.escalations] == [("甲局", "约谈联络员")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_per_post_results_follow_the_extension(tmp_path, suffix):
    rows = every(7, "示例文旅")
    rows[0]["text"] = CLEAN[0] + "\n本店开业大酬宾，全场五折，加微信shop2026订购。"
    out = tmp_path / f"posts{suffix}"
    result = CliRunner().invoke(main, ["inspect", str(history(tmp_path / "h.csv", rows)), *ARGS, "--out",
                                       str(tmp_path / "r.xlsx"), "--posts", str(out), "--no-registry"], env=ENV)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        table = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    else:
        table = [[c.value for c in row] for row in openpyxl.load_workbook(out)["逐条检测结果"].iter_rows()]
    assert table[0][:5] == ["编号", "账号", "发布时间", "类型", "结论"]
    assert len(table) == len(rows) + 1
    first = table[1]
    assert first[0] == rows[0]["id"] and first[4] != "pass"
    assert "commercial" in first[6] and json.loads(first[7])[0]["category"]


def test_an_unknown_posts_format_is_refused_before_any_work(tmp_path):
    source = history(tmp_path / "h.csv", every(3, "账号0"))
    result = CliRunner().invoke(main, ["inspect", str(source), *ARGS, "--out", str(tmp_path / "r.xlsx"),
                                       "--posts", str(tmp_path / "p.txt"), "--no-registry"], env=ENV)
    assert result.exit_code == 2 and "逐条结果的文件类型" in result.output
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.slow
def test_a_dask_cluster_gives_the_local_result_record_for_record(tmp_path, engine):
    distributed = pytest.importorskip("distributed")
    import io

    from reviewer.inspection.cluster import dask_parts

    rows = []
    for n in range(7):
        rows += every(2 + n % 3, f"账号{n}", unit=f"单位{n % 3}", until=date(2026, 11, 29 - 3 * n))
    rows[4]["text"] = CLEAN[1] + "\n本店开业大酬宾，全场五折，加微信shop2026订购。"
    rows.append({"id": "bad", "account": "账号1", "published_at": "昨天", "text": "x"})
    source = history(tmp_path / "h.csv", rows)

    def run(**options):
        posts = io.StringIO()
        result = inspect([source], WINDOW, engine, posts_out=posts, **options)
        return ([(v.account.name, v.account.platform, v.passed, v.problems, v.account.posts) for v in result.verdicts],
                [b.where for b in result.bad_rows], result.escalations, posts.getvalue().splitlines())

    local = run(workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_cluster = run(run_parts=dask_parts(cluster.scheduler_address, parts=3))
    assert on_cluster == local
    assert len(local[3]) == len(rows) - 1


def test_the_summary_gives_pass_rates_by_the_registers_level(tmp_path, engine):
    import io

    from reviewer.inspection.report import write_report

    rows = every(3, "县级账号") + every(3, "乡镇账号", until=date(2026, 11, 10))
    scope = Scope((Registered("县级账号", "微信", "甲县政府办", "县级"), Registered("乡镇账号", "微信", "乙镇政府", "乡镇")))
    result = inspect([history(tmp_path / "h.csv", rows)], WINDOW, engine, scope=scope)
    buffer = io.BytesIO()
    write_report(result, buffer)
    sheet = openpyxl.load_workbook(buffer)["汇总"]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, r in enumerate(table) if r[0] == "按开设主体级别")
    assert table[start + 1:start + 3] == [["乡镇", 1, 0, "0.00%", None], ["县级", 1, 1, "100.00%", None]]
