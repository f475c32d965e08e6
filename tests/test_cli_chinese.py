"""The command line speaks Chinese: help, usage lines and Click's own usage errors, with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli.chinese import chinese, width

REVIEWER = Path(sys.executable).with_name("reviewer")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REVIEWER, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("args", "said"), [
    (["inspect", "没有这个文件.csv", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "r.xlsx"],
     "错误：INPUTS 的取值无效：路径“没有这个文件.csv”不存在"),
    (["user", "add"], "错误：缺少参数 USERNAME"),
    (["check", "--kind", "notice", "-"], "错误：--kind 的取值无效：“notice”不在可选值 'post', 'reply' 之中"),
    (["nosuch"], "错误：没有命令“nosuch”"),
    (["check", "--bogus"], "错误：没有选项 --bogus"),
])
def test_a_usage_error_is_said_in_chinese_with_status_two(args, said):
    done = run(*args)
    assert done.returncode == 2
    assert said in done.stderr
    assert "Error" not in done.stderr and "Usage" not in done.stderr and "Traceback" not in done.stderr


def test_a_usage_error_shows_the_usage_and_where_help_is():
    done = run("user", "add")
    assert done.stderr.startswith("用法：reviewer user add [选项] USERNAME")
    assert "使用 “reviewer user add -h” 查看帮助。" in done.stderr


def test_help_has_chinese_headings_notes_and_placeholders():
    done = run("inspect", "-h")
    assert done.returncode == 0
    for said in ("用法：reviewer inspect [选项] INPUTS...", "选项：", "[必填]", "--out 文件", "显示本帮助并退出"):
        assert said in done.stdout
    assert "Options" not in done.stdout and "[required]" not in done.stdout and "Show this message" not in done.stdout


def test_the_top_level_help_lists_commands_under_a_chinese_heading():
    done = run("-h")
    assert "命令：" in done.stdout and "用法：reviewer [选项] 命令 [参数]..." in done.stdout
    assert "显示版本并退出" in done.stdout


def test_help_columns_align_by_display_width():
    lines = [line for line in run("inspect", "-h").stdout.splitlines() if line.startswith("  --from") or line.startswith("  --out")]
    starts = {width(line[: line.index("监测" if "监测" in line else "报告")]) for line in lines}
    assert len(starts) == 1


def test_an_unknown_click_message_is_kept_rather_than_lost():
    assert chinese("Something Click says that we have never seen.") == "Something Click says that we have never seen."
