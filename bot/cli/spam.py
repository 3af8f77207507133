"""`ykien spam list | unmark ID`: senders staff marked as spam in /questions, and lifting a mark."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Actor
from surveys.services import Services

COMMANDS = Commands(groups={"spam": "người gửi câu hỏi bị cán bộ đánh dấu là spam"})


@COMMANDS.command("spam list", help="các dấu spam")
async def marks(services: Services, args: argparse.Namespace) -> str:
    marks = await services.questions.spam_marks()
    return render("cli_spam.txt", marks=marks, tz=services.settings.timezone)


@COMMANDS.command("spam unmark", Arg("id", type=int), help="bỏ một dấu spam")
async def unmark(services: Services, args: argparse.Namespace) -> str:
    if not await services.questions.unmark_spam(Actor.operator(), args.id):
        raise CliError("cli_spam_error.txt", value=args.id)
    return render("cli_spam_unmarked.txt", value=args.id)
