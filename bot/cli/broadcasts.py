"""`ykien broadcast list|show|cancel`: what the operator needs to watch and stop broadcasts."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.broadcasts import LaunchRefused
from surveys.services import Services

COMMANDS = Commands(groups={"broadcast": "các lượt gửi tin của đợt"})


@COMMANDS.command("broadcast list", Arg("--commune", type=int))
async def broadcasts(services: Services, args: argparse.Namespace) -> str:
    rows = await services.broadcasts.list_for(commune=args.commune)
    shown = await services.broadcasts.progress_of(rows)
    return render("cli_broadcasts.txt", progress=shown, tz=services.settings.timezone)


@COMMANDS.command("broadcast show", Arg("id", type=int))
async def show(services: Services, args: argparse.Namespace) -> str:
    try:
        progress = await services.broadcasts.progress(args.id)
    except LaunchRefused as exc:
        raise _refused(exc) from exc
    return render("staff_progress.html", p=progress, tz=services.settings.timezone)


@COMMANDS.command("broadcast cancel", Arg("id", type=int))
async def cancel(services: Services, args: argparse.Namespace) -> str:
    try:
        cancelled = await services.broadcasts.cancel(args.id)
    except LaunchRefused as exc:
        raise _refused(exc) from exc
    return render("cli_broadcast_cancelled.txt", cancelled=cancelled)


def _refused(exc: LaunchRefused) -> CliError:
    return CliError("cli_broadcast_refused.txt", error=exc.error.value, **exc.details)
