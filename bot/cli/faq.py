"""`ykien faq list | import FILE.toml [--replace] | export [-o FILE] | review`: the FAQ."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.output import write_output
from bot.cli.registry import Arg, Commands, Output
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Actor
from surveys.faq_content import FaqFileError
from surveys.faq_service import ReplaceRefused
from surveys.services import Services

COMMANDS = Commands(groups={"faq": "câu hỏi thường gặp"})


@COMMANDS.command("faq list")
async def entries(services: Services, args: argparse.Namespace) -> str:
    categories = await services.faq.categories()
    found = await services.faq.entries()
    return render("cli_faq_list.txt", categories=categories, entries=found)


@COMMANDS.command(
    "faq import",
    Arg("file"),
    Arg("--replace", action="store_true", help="cho phép ghi đè câu hỏi có sẵn hoặc của cán bộ"),
    help="nhập tệp TOML",
)
async def import_file(services: Services, args: argparse.Namespace) -> str:
    path = Path(args.file)
    try:
        report = await services.faq.import_file(Actor.operator(), path, replace=args.replace)
    except ReplaceRefused as exc:
        raise CliError("cli_faq_replace.txt", file=path, entries=exc.entries) from exc
    except FaqFileError as exc:
        raise CliError(
            "cli_faq_error.txt",
            file=exc.file,
            entry=exc.entry,
            field=exc.field,
            problem=exc.problem.value,
            details=exc.details,
        ) from exc
    return render("cli_faq_imported.txt", report=report)


@COMMANDS.command("faq export", Output("-o", "--output", metavar="FILE.toml"))
async def export(services: Services, args: argparse.Namespace) -> str:
    text = await services.faq.export()
    if args.output:
        return render("cli_written.txt", path=await write_output(args, text))
    return text


@COMMANDS.command("faq review")
async def review(services: Services, args: argparse.Namespace) -> str:
    today = services.env.now().astimezone(services.settings.timezone).date()
    return render("cli_faq_review.txt", review=await services.faq.review(today))
