"""`ykien migrate [--list]`: opening the database applies the pending migrations."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands, Db
from handlers.views.texts import render
from storage import migrate
from surveys.services import Services

COMMANDS = Commands()


@COMMANDS.command(
    "migrate", Arg("--list", action="store_true"), help="áp dụng migration", db=Db.CREATES
)
async def migrate_now(services: Services, args: argparse.Namespace) -> str:
    version = await migrate.current_version(services.db.conn)
    if args.list:
        return render("cli_migrations.txt", migrations=migrate.available(), version=version)
    return render("cli_migrated.txt", version=version)
