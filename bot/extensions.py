"""Command-line groups contributed by features, so each lives in its own module.

Each module in CLI_GROUPS has `COMMANDS` (the sub-command names it owns), `add_parsers(sub)`
(adds them to the `ykien` parser) and `async act(services, config, args) -> str` (does it and
returns the text to print, or raises `bot.cli_support.CliError`).
"""

from __future__ import annotations

from types import ModuleType

from bot import (
    cli_backup,
    cli_broadcast,
    cli_dashboard,
    cli_faq,
    cli_households,
    cli_roles,
    cli_sheets,
    cli_spam,
    cli_summary,
    cli_thresholds,
    cli_villages,
)

CLI_GROUPS: list[ModuleType] = []
CLI_GROUPS.append(cli_faq)
CLI_GROUPS.append(cli_roles)
CLI_GROUPS.append(cli_households)
CLI_GROUPS.append(cli_backup)
CLI_GROUPS.append(cli_sheets)
CLI_GROUPS.append(cli_summary)
CLI_GROUPS.append(cli_broadcast)
CLI_GROUPS.append(cli_thresholds)
CLI_GROUPS.append(cli_villages)
CLI_GROUPS.append(cli_spam)
CLI_GROUPS.append(cli_dashboard)
