"""`ykien broadcast list|show|cancel`: what the operator needs to watch and stop broadcasts."""

from __future__ import annotations

import argparse

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Actor
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
    staff, operator = services.staff_rounds, Actor.operator()
    try:
        if args.action == "list":
            shown = await staff.broadcasts_of(operator, args.commune)
            return render("cli_broadcasts.txt", progress=shown, tz=tz)
        if args.action == "show":
            return render("staff_progress.html", p=await staff.progress(operator, args.id), tz=tz)
        cancelled = await staff.cancel(operator, args.id)
    except LaunchRefused as exc:
        raise CliError("cli_broadcast_refused.txt", error=exc.error.value, **exc.details) from exc
    return render("cli_broadcast_cancelled.txt", cancelled=cancelled)
