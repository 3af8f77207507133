"""Each sub-command declared once: its arguments, what it opens and its action, together.

A command module keeps one `COMMANDS = Commands(...)` table and decorates its actions with
`@COMMANDS.command("round open", Arg("--commune", type=int, required=True), ...)`;
`build_parser` walks the tables and sets `args.spec` to the declaration `bot.cli.main` runs.
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.cli.output import add_output
from bot.cli.parser import Parser
from bot.config import Config
from surveys.services import Services

Act = Callable[[Services, argparse.Namespace], Awaitable[str]]  # the text to print
Start = Callable[[Config, argparse.Namespace], int]  # the exit code


class Argument(Protocol):
    def add_to(self, parser: argparse.ArgumentParser) -> None: ...


class Arg:
    """One `add_argument` call, kept for the parser."""

    def __init__(self, *flags: str, **options: Any) -> None:
        self.flags, self.options = flags, options

    def add_to(self, parser: argparse._ActionsContainer) -> None:
        parser.add_argument(*self.flags, **self.options)


class Setting(Arg):
    """A flag that overrides the Config field of the same name as its dest (`--listen`)."""

    @property
    def dest(self) -> str:
        return str(self.options.get("dest") or self.flags[0].lstrip("-").replace("-", "_"))


class Exclusive:
    """Arguments of which at most one (with required=True: exactly one) may be given."""

    def __init__(self, *args: Arg, required: bool = False) -> None:
        self.args, self.required = args, required

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group(required=self.required)
        for arg in self.args:
            arg.add_to(group)


class Output:
    """The file a command writes, checked before it runs (see bot.cli.output)."""

    def __init__(self, *flags: str, **options: Any) -> None:
        self.flags, self.options = flags, options

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        add_output(parser, *self.flags, **self.options)


class Db(enum.Enum):
    """What a command does with the --db file, checked before it opens it."""

    EXISTING = "existing"  # must be a ykien database already (a typo starts nothing)
    CREATES = "creates"  # may create it (`run`, `migrate`)
    OWN = "own"  # makes a database of its own in a fresh folder (`demo`, `sandbox`)


@dataclass(frozen=True)
class Command:
    name: str  # "round open": the group, then the action
    arguments: tuple[Argument, ...]
    help: str | None
    act: Act | None = None  # on the shared Services; the dispatcher audits it
    start: Start | None = None  # without them, for the whole process (run, demo, sandbox)
    db: Db = Db.EXISTING
    links: bool = False  # prints t.me links: the bot must be known before anything is stored

    @property
    def settings(self) -> set[str]:
        return {a.dest for a in self.arguments if isinstance(a, Setting)}


@dataclass
class Commands:
    """One module's commands, in the order `ykien --help` lists them."""

    groups: dict[str, str] = field(default_factory=dict)  # a group's help: {"round": "..."}
    declared: list[Command] = field(default_factory=list)

    def command(
        self,
        name: str,
        *arguments: Argument,
        help: str | None = None,
        db: Db = Db.EXISTING,
        links: bool = False,
    ) -> Callable[[Act], Act]:
        def declare(act: Act) -> Act:
            self.declared.append(Command(name, arguments, help, act=act, db=db, links=links))
            return act

        return declare

    def standalone(
        self, name: str, *arguments: Argument, help: str | None = None, db: Db = Db.EXISTING
    ) -> Callable[[Start], Start]:
        def declare(start: Start) -> Start:
            self.declared.append(Command(name, arguments, help, start=start, db=db))
            return start

        return declare


def build_parser(tables: Iterable[Commands]) -> argparse.ArgumentParser:
    parser = Parser(prog="ykien", description="ykien: ý kiến người dân về NTM")
    Setting("--db", dest="db_path", help="đường dẫn cơ sở dữ liệu (YKIEN_DB)").add_to(parser)
    top = parser.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction[Parser]] = {}
    for table in tables:
        for command in table.declared:
            group, _, action = command.name.partition(" ")
            where = top
            if action:
                if group not in groups:
                    help = _help(table.groups.get(group))
                    groups[group] = top.add_parser(group, **help).add_subparsers(
                        dest="action", required=True
                    )
                where, group = groups[group], action
            leaf = where.add_parser(group, **_help(command.help))
            for argument in command.arguments:
                argument.add_to(leaf)
            leaf.set_defaults(spec=command)
    return parser


def _help(text: str | None) -> dict[str, Any]:
    """argparse lists a sub-command in the help only when `help` is passed at all."""
    return {} if text is None else {"help": text}
