"""Command-line groups contributed by features, so each lives in its own module.

Each module in CLI_GROUPS has `COMMANDS` (the sub-command names it owns), `add_parsers(sub)`
(adds them to the `ykien` parser) and `async act(services, config, args) -> str` (does it and
returns the text to print, or raises `bot.cli_support.CliError`).
"""

from __future__ import annotations

from types import ModuleType

from bot import cli_broadcast

CLI_GROUPS: list[ModuleType] = []
CLI_GROUPS.append(cli_broadcast)
