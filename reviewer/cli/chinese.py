"""The command line in Chinese: help headings, usage lines and Click's own usage errors.

Click writes its help and its usage errors in English (Usage:, Options:, Error: Missing option…).
Every command and group of ``reviewer`` uses the classes here (``cls=`` on the decorators, and a
group's subcommands inherit them), so help reads 用法：/选项/命令 and a usage error prints
``错误：缺少选项 --from`` with the command's usage and how to get help, exit status 2. What Click
says is rebuilt from the exception's own fields (the option, the parameter, the bad value), and
the messages of Click's parameter types are translated by the table ``TYPE_MESSAGES``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

import click

#: Click's headings -> ours.
HEADINGS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数", "Arguments": "参数"}
#: Click's placeholders for option values, and the notes after an option's help.
METAVARS = {"TEXT": "文本", "INTEGER": "整数", "FLOAT": "数字", "FILE": "文件", "PATH": "路径", "DIRECTORY": "目录",
            "FILENAME": "文件", "BOOLEAN": "是/否", "INTEGER RANGE": "整数", "FLOAT RANGE": "数字"}
NOTES = ((re.compile(r"\[required\]"), "[必填]"), (re.compile(r"default: "), "默认："),
         (re.compile(r"env var: "), "环境变量："), (re.compile(r"\(deprecated\)"), "（已弃用）"))
_METAVAR = re.compile(r"\b(" + "|".join(sorted(map(re.escape, METAVARS), key=len, reverse=True)) + r")\b")
#: Messages of Click's parameter types (regular expression -> Chinese, with the groups it keeps).
TYPE_MESSAGES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"^'?(.*?)'? is not one of (.*)\.$", "“{0}”不在可选值 {1} 之中"),
    (r"^'?(.*?)'? is not a valid integer( range)?\.$", "“{0}”不是整数"),
    (r"^'?(.*?)'? is not a valid float( range)?\.$", "“{0}”不是数字"),
    (r"^'?(.*?)'? is not a valid boolean\.$", "“{0}”不是是/否值"),
    (r"^(.*?) is not in the range (.*)\.$", "{0} 不在范围 {1} 之内"),
    (r"^(.*?) is (?:smaller|larger) than the (?:minimum|maximum) valid value (.*)\.$", "{0} 超出允许的范围（界限 {1}）"),
    (r"^(?:File|Directory|Path) '(.*)' does not exist\.$", "路径“{0}”不存在"),
    (r"^(?:File|Path) '(.*)' is a directory\.$", "“{0}”是目录，应为文件"),
    (r"^Directory '(.*)' is a file\.$", "“{0}”是文件，应为目录"),
    (r"^(?:File|Directory|Path) '(.*)' is not readable\.$", "“{0}”不可读"),
    (r"^(?:File|Directory|Path) '(.*)' is not writable\.$", "“{0}”不可写"),
    (r"^Option '(.*)' requires an argument\.$", "选项 {0} 需要一个值"),
    (r"^Option '(.*)' requires (\d+) arguments\.$", "选项 {0} 需要 {1} 个值"),
    (r"^Got unexpected extra arguments? \((.*)\)$", "多余的参数：{0}"),
    (r"^No such command '(.*)'\.$", "没有命令“{0}”"),
    (r"^Missing command\.$", "缺少命令"),
    (r"^Option '(.*)' does not take a value\.$", "选项 {0} 不带值"),
))


def width(text: str) -> int:
    """Columns a terminal gives ``text``: two for wide (Chinese) characters, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = frozenset("，。、；：）」』！？,.;:)")


def _wrap(text: str, room: int) -> list[str]:
    """``text`` cut into lines of at most ``room`` columns, at spaces where there are any."""
    lines: list[str] = []
    line, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > room and line and ch not in _NO_LINE_START:  # 。，、 never begin a line
            cut = line.rfind(" ")
            if cut > len(line) // 2:
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line)
                line = ""
            used = width(line)
        line += ch
        used += w
    if line.strip():
        lines.append(line)
    return lines


def chinese(message: str) -> str:
    """One of Click's English messages in Chinese (unknown ones are kept as they are)."""
    for pattern, template in TYPE_MESSAGES:
        found = pattern.match(message.strip())
        if found:
            return template.format(*(g or "" for g in found.groups()))
    return message


def _hint(error: click.UsageError) -> str:
    param = getattr(error, "param", None)
    if param is None:
        return getattr(error, "param_hint", None) or ""
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return (param.human_readable_name or "").upper()


def describe(error: click.ClickException) -> str:
    """The Chinese sentence for a usage error, from its own fields."""
    if isinstance(error, click.NoSuchOption):
        near = f"（是否想用：{'、'.join(error.possibilities)}？）" if error.possibilities else ""
        return f"没有选项 {error.option_name}{near}"
    if isinstance(error, click.MissingParameter):
        kind = "选项" if isinstance(error.param, click.Option) else "参数"
        return f"缺少{kind} {_hint(error)}".rstrip()
    if isinstance(error, click.BadParameter):
        hint = _hint(error)
        return f"{hint} 的取值无效：{chinese(error.message)}" if hint else f"取值无效：{chinese(error.message)}"
    if isinstance(error, click.FileError):
        return f"无法打开文件 {error.ui_filename}：{error.message}"
    return chinese(error.message)


class ChineseFormatter(click.HelpFormatter):
    """Help text with Chinese headings and usage prefix."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """Click's definition list, with Chinese notes and placeholders, aligned by display width
        (a Chinese character takes two columns) and wrapped by it."""
        translated = []
        for term, text in rows:
            for pattern, note in NOTES:
                text = pattern.sub(note, text)
            translated.append((_METAVAR.sub(lambda m: METAVARS[m.group(1)], term), text))
        first = min(max((width(t) for t, _ in translated), default=0), col_max) + col_spacing
        room = max(self.width - first - self.current_indent, 20)
        for term, text in translated:
            self.write(" " * self.current_indent + term)
            lines = _wrap(text, room)
            if not lines:
                self.write("\n")
                continue
            gap = first - width(term) if width(term) < first else None
            self.write(" " * gap if gap else "\n" + " " * (first + self.current_indent))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first + self.current_indent) + line + "\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class _Chinese:
    """What commands and groups share: the Chinese context, options placeholder and help option."""

    context_class = ChineseContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出"
        return option


class ChineseCommand(_Chinese, click.Command):
    """A command whose help, usage line and help option speak Chinese."""


class ChineseGroup(_Chinese, click.Group):
    """A group like ChineseCommand whose subcommands and subgroups are Chinese too."""

    command_class = ChineseCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Run; in standalone mode, Click's own errors come out in Chinese (exit status 2, 1 on abort)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.UsageError as error:
            ctx = error.ctx
            if ctx is not None:
                click.echo(ctx.get_usage(), err=True)
                click.echo(f"使用 “{ctx.command_path} {ctx.help_option_names[0]}” 查看帮助。\n", err=True)
            click.echo(f"错误：{describe(error)}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"错误：{describe(error)}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)


ChineseGroup.group_class = ChineseGroup
