"""The ``reviewer`` command line: a thin shell over the package's functions.

Subcommands live in the module of the concept they drive and are imported only when called,
so ``reviewer check`` does not pay for Flask, SQLAlchemy or scikit-learn start-up.
"""

from __future__ import annotations

import importlib

import click

from reviewer.cli.chinese import ChineseGroup

#: command name -> "module:attribute"; each area registers its commands here and nowhere else.
COMMANDS: dict[str, str] = {
    "check": "reviewer.cli.check:check",
    "scan": "reviewer.cli.check:scan",
    "train": "reviewer.cli.model:train",
    "eval": "reviewer.cli.model:eval_command",
    "serve": "reviewer.cli.service:serve",
    "db": "reviewer.cli.service:db",
    "user": "reviewer.cli.users:user",
    "unit": "reviewer.cli.units:unit",
    "account": "reviewer.cli.accounts:account",
    "audit": "reviewer.cli.audit:audit",
    "token": "reviewer.cli.tokens:token",
    "inspect": "reviewer.cli.inspect:inspect",
    "lexicon": "reviewer.cli.lexicon:lexicon",
    "registry": "reviewer.cli.registry:registry",
    "messages": "reviewer.cli.messages:messages",
    "alerts": "reviewer.cli.alerts:alerts",
}


class LazyGroup(ChineseGroup):
    """A group whose subcommands are imported on first use (click's documented lazy pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reviewer", help="显示版本并退出", message="%(prog)s %(version)s")
def main() -> None:
    """政务新媒体发布前审核助手 (reviewer)。"""
