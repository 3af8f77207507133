"""`ykien`: the bot and every operator action, scriptable; bad input exits non-zero.

The commands live in the modules of this package by what they manage, each declared once in
its module's COMMANDS table (bot.cli.registry); this module parses, configures and runs one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from telegram.error import InvalidToken, NetworkError

from bot import log_filter
from bot.cli import (
    backup,
    broadcasts,
    communes,
    dashboard,
    demo,
    dispatch,
    faq,
    households,
    migrate,
    registry,
    roles,
    rounds,
    run,
    sheets,
    spam,
    summary,
    survey,
    thresholds,
    villages,
    zalo,
)
from bot.cli.database import check_database
from bot.cli.output import check_output
from bot.cli.registry import Command, Db
from bot.cli.support import FAILED, CliError, refuse
from bot.config import Config
from handlers.views.texts import render

# Every module with a COMMANDS table, in the order `ykien --help` lists their commands.
MODULES = (
    run,
    demo,
    communes,
    survey,
    rounds,
    migrate,
    faq,
    roles,
    households,
    backup,
    sheets,
    summary,
    broadcasts,
    thresholds,
    villages,
    spam,
    dashboard,
    zalo,
)


def build_parser() -> argparse.ArgumentParser:
    return registry.build_parser(m.COMMANDS for m in MODULES)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader that left shows up here at the latest
    except BrokenPipeError:
        _drop_stdout()
        print(render("cli_output_closed.txt"), file=sys.stderr)
        return FAILED
    return code


def _no_network_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed getMe or getUpdates with the whole traceback; the operator needs only
    its one line (and `ykien run` says in Vietnamese what to check)."""
    if record.exc_info and isinstance(record.exc_info[1], NetworkError | InvalidToken):
        record.msg = f"{record.getMessage()} ({record.exc_info[1]})"
        record.args = None
        record.exc_info = None
    return True


def _drop_stdout() -> None:
    """`ykien ... | head`: the reader left. Point stdout at /dev/null so that Python's own
    flush at exit does not fail a second time with a traceback."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    command: Command = args.spec
    try:
        given = {name: getattr(args, name, None) for name in command.settings | {"db_path"}}
        config = Config.from_env(os.environ).override(**given)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Without YKIEN_PSEUDONYM_KEY, the deployment's key is in the database: whoever opens it
    # hands it to the filter (bot.app.open_services, post_init); a random one until then.
    log_filter.setup(
        config.log_level, config.secrets, config.settings.pseudonym_key or secrets.token_hex(32)
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_no_network_traceback)
    try:
        if command.db is not Db.OWN:
            check_database(config.db_path, may_create=command.db is Db.CREATES)
        check_output(args)
    except CliError as exc:
        return refuse(exc)
    if command.start is not None:
        return command.start(config, args)
    return asyncio.run(dispatch.dispatch(config, args, command))


if __name__ == "__main__":
    sys.exit(main())
