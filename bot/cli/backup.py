"""`ykien backup FILE`: a consistent copy while the bot keeps running (SQLite's online backup)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.output import write_output
from bot.cli.registry import Commands, Output
from handlers.views.texts import render
from storage.db import Database
from surveys.services import Services

COMMANDS = Commands()


@COMMANDS.command(
    "backup",
    Output("file", metavar="FILE", help="tệp sao lưu"),
    help="sao lưu cơ sở dữ liệu khi bot đang chạy",
)
async def backup(services: Services, args: argparse.Namespace) -> str:
    async def copy_into(path: Path) -> None:
        await services.db.backup(path)

    target = await write_output(args, copy_into)
    copy = await Database.open(target, migrate_now=False)
    try:
        ok = await copy.integrity_ok()
    finally:
        await copy.close()
    return render("cli_backup.txt", path=target, ok=ok)
