"""The command line's one mechanism: every sub-command declared once, each with its help."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser, main
from bot.cli.main import MODULES

DECLARED = [c for module in MODULES for c in module.COMMANDS.declared]


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_leaves(sub, (*path, name)))
            return found
    return [" ".join(path)]


def test_each_sub_command_is_declared_once_and_parsed_as_declared() -> None:
    names = [c.name for c in DECLARED]
    assert len(names) == len(set(names))
    assert _leaves(build_parser()) == names
    assert all((c.act is None) != (c.start is None) for c in DECLARED)
    assert build_parser().parse_args(["round", "close", "3"]).spec.name == "round close"


@pytest.mark.parametrize("name", [c.name for c in DECLARED])
def test_every_sub_command_prints_its_help(name, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*name.split(), "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: ykien {name}")
