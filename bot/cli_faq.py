"""`ykien faq list | import FILE.toml [--replace] | export [-o FILE] | review`: the FAQ."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli_output import add_output, write_output
from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Actor
from surveys.faq_content import FaqFileError
from surveys.faq_service import ReplaceRefused
from surveys.services import Services

COMMANDS = {"faq"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    faq = sub.add_parser("faq", help="câu hỏi thường gặp").add_subparsers(
        dest="action", required=True
    )
    faq.add_parser("list")
    faq_import = faq.add_parser("import", help="nhập tệp TOML")
    faq_import.add_argument("file")
    faq_import.add_argument(
        "--replace", action="store_true", help="cho phép ghi đè câu hỏi có sẵn hoặc của cán bộ"
    )
    add_output(faq.add_parser("export"), "-o", "--output", metavar="FILE.toml")
    faq.add_parser("review")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    faq = services.faq
    if args.action == "list":
        categories = await faq.categories()
        entries = await faq.entries()
        return render("cli_faq_list.txt", categories=categories, entries=entries)
    if args.action == "import":
        path = Path(args.file)
        try:
            report = await faq.import_file(Actor.operator(), path, replace=args.replace)
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
    if args.action == "export":
        text = await faq.export()
        if args.output:
            return render("cli_written.txt", path=await write_output(args, text))
        return text
    today = services.env.now().astimezone(services.settings.timezone).date()
    return render("cli_faq_review.txt", review=await faq.review(today))
