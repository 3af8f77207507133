"""`ykien backup FILE`: a consistent copy while the bot keeps running (SQLite's online backup)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli_support import CliError
from bot.config import Config
from handlers.texts import render
from storage.db import Database
from surveys.services import Services

COMMANDS = {"backup"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu khi bot đang chạy")
    backup.add_argument("file", metavar="FILE")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    target = Path(args.file)
    if await asyncio.to_thread(target.exists):
        raise CliError("cli_backup_error.txt", reason="exists", value=target)
    try:
        await services.db.backup(target)
    except Exception as exc:  # an unwritable place: say so, leave nothing half-written
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise CliError("cli_backup_error.txt", reason="failed", value=target) from exc
    copy = await Database.open(target, migrate_now=False)
    try:
        ok = await copy.integrity_ok()
    finally:
        await copy.close()
    return render("cli_backup.txt", path=target, ok=ok)
