"""Running a command on the shared Services: links checked first, refusals said, every
action audited as the operator, done or refused."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from bot.app import open_services
from bot.cli.database import database_failed
from bot.cli.registry import Command
from bot.cli.support import OK, CliError, refuse
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Actor, Scope
from surveys.env import BotUnknown
from surveys.rounds import RoundRefused
from surveys.services import Services
from surveys.survey_errors import SurveyFileError


def _bot_for_links(services: Services, command: Command) -> None:
    """Before a command stores anything it would print links for: the bot must be known
    (raises BotUnknown), and a YKIEN_BOT_USERNAME that names another bot is said."""
    if not command.links:
        return
    if services.settings.web_url and command.name.split()[0] in ("households", "link"):
        return  # web links need no bot (a web-only deployment has none)
    services.identity.username()
    mismatch = services.identity.mismatch()
    if mismatch is not None:
        print(render("cli_bot_mismatch.txt", mismatch=mismatch), file=sys.stderr)


async def dispatch(config: Config, args: argparse.Namespace, command: Command) -> int:
    try:
        return await _dispatch(config, args, command)
    except sqlite3.DatabaseError as exc:  # a damaged page found mid-command, or a lock
        return refuse(database_failed(config.db_path, exc))


async def _dispatch(config: Config, args: argparse.Namespace, command: Command) -> int:
    assert command.act is not None
    services = await open_services(config)
    outcome = "failed"
    try:
        _bot_for_links(services, command)
        out = await command.act(services, args)
        outcome = "ok"
    except BotUnknown:
        return refuse(CliError("cli_bot_unknown.txt"))
    except CliError as exc:
        return refuse(exc)
    except RoundRefused as exc:
        return refuse(CliError("cli_refused.txt", error=exc.error.value, details=exc.details))
    except SurveyFileError as exc:
        return refuse(
            CliError(
                "cli_survey_error.txt",
                where=exc.where,
                field=exc.field,
                problem=exc.problem.value,
                details=exc.details,
            )
        )
    finally:
        try:
            await _audit(services, command, args, outcome)
        finally:
            await services.close()
    if out:
        print(out)
    return OK


async def _audit(
    services: Services, command: Command, args: argparse.Namespace, outcome: str
) -> None:
    """Every command-line action goes to the audit log, done or refused, as the operator."""
    commune = getattr(args, "commune", None)
    if isinstance(commune, list):
        commune = commune[0] if len(commune) == 1 else None
    province = getattr(args, "province", None)
    await services.access.audit(
        Actor.operator(), f"cli:{command.name}", Scope(commune, province), outcome=outcome
    )
