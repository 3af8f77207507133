"""`ykien broadcast list|show|cancel`: what the operator needs to watch and stop broadcasts."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Actor
from surveys.broadcasts import LaunchRefused
from surveys.services import Services

COMMANDS = Commands(groups={"broadcast": "các lượt gửi tin của đợt"})


@COMMANDS.command("broadcast list", Arg("--commune", type=int))
async def broadcasts(services: Services, args: argparse.Namespace) -> str:
    shown = await services.staff_rounds.broadcasts_of(Actor.operator(), args.commune)
    return render("cli_broadcasts.txt", progress=shown, tz=services.settings.timezone)


@COMMANDS.command("broadcast show", Arg("id", type=int))
async def show(services: Services, args: argparse.Namespace) -> str:
    try:
        progress = await services.staff_rounds.progress(Actor.operator(), args.id)
    except LaunchRefused as exc:
        raise _refused(exc) from exc
    return render("staff_progress.html", p=progress, tz=services.settings.timezone)


@COMMANDS.command("broadcast cancel", Arg("id", type=int))
async def cancel(services: Services, args: argparse.Namespace) -> str:
    try:
        cancelled = await services.staff_rounds.cancel(Actor.operator(), args.id)
    except LaunchRefused as exc:
        raise _refused(exc) from exc
    return render("cli_broadcast_cancelled.txt", cancelled=cancelled)


def _refused(exc: LaunchRefused) -> CliError:
    return CliError("cli_broadcast_refused.txt", error=exc.error.value, **exc.details)
