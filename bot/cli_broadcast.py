"""`ykien broadcast list|show|cancel`: what the operator needs to watch and stop broadcasts."""

from __future__ import annotations

import argparse

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.broadcasts import LaunchRefused
from surveys.services import Services

COMMANDS = {"broadcast"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("broadcast", help="các lượt gửi tin của đợt").add_subparsers(
        dest="action", required=True
    )
    group.add_parser("list").add_argument("--commune", type=int)
    group.add_parser("show").add_argument("id", type=int)
    group.add_parser("cancel").add_argument("id", type=int)


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    tz = services.settings.timezone
    broadcasts = services.broadcasts
    try:
        if args.action == "list":
            rows = await broadcasts.list_for(commune=args.commune)
            shown = await broadcasts.progress_of(rows)
            return render("cli_broadcasts.txt", progress=shown, tz=tz)
        if args.action == "show":
            return render("staff_progress.html", p=await broadcasts.progress(args.id), tz=tz)
        cancelled = await broadcasts.cancel(args.id)
    except LaunchRefused as exc:
        raise CliError("cli_broadcast_refused.txt", error=exc.error.value, **exc.details) from exc
    return render("cli_broadcast_cancelled.txt", cancelled=cancelled)
