"""`ykien spam list | unmark ID`: senders staff marked as spam in /questions, and lifting a mark."""

from __future__ import annotations

import argparse

from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Actor
from surveys.services import Services

COMMANDS = {"spam"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    spam = sub.add_parser("spam", help="người gửi câu hỏi bị cán bộ đánh dấu là spam")
    actions = spam.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="các dấu spam")
    actions.add_parser("unmark", help="bỏ một dấu spam").add_argument("id", type=int)


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    if args.action == "list":
        marks = await services.questions.spam_marks()
        return render("cli_spam.txt", marks=marks, tz=services.settings.timezone)
    if not await services.questions.unmark_spam(Actor.operator(), args.id):
        raise CliError("cli_spam_error.txt", value=args.id)
    return render("cli_spam_unmarked.txt", value=args.id)
