"""README.md documents what the code offers: every command and every setting."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot import cli, config
from handlers.views.labels import COMMAND_MENU

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "ykien") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(_subcommands(sub, f"{prefix} {name}"))
    return found


def test_every_cli_command_is_in_readme() -> None:
    commands = _subcommands(cli.build_parser())
    assert len(commands) > 10
    missing = [c for c in commands if c.removeprefix("ykien ") not in README]
    assert not missing, missing


def test_every_chat_command_is_in_readme() -> None:
    missing = [name for name, _ in COMMAND_MENU if f"/{name}" not in README]
    assert not missing, missing


def test_every_environment_variable_is_in_readme() -> None:
    source = Path(config.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r"YKIEN_[A-Z_]+", source))
    assert "YKIEN_TOKEN" in names
    missing = sorted(n for n in names if n not in README)
    assert not missing, missing
