"""`ykien households issue`: household codes for one village, as a printable sheet with QR codes."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import segno
from markupsafe import Markup

from bot.cli_support import CliError
from bot.config import Config
from handlers.texts import render
from surveys.households import HouseholdRefused
from surveys.services import Services

COMMANDS = {"households"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    households = sub.add_parser("households", help="mã hộ gia đình").add_subparsers(
        dest="action", required=True
    )
    issue = households.add_parser("issue", help="tạo mã hộ và phiếu in có mã QR")
    issue.add_argument("--commune", type=int, required=True)
    issue.add_argument("--village", required=True)
    issue.add_argument("--count", type=int, required=True)
    issue.add_argument("-o", "--output", metavar="SHEET.html")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    try:
        sheet = await services.households.issue(args.commune, args.village, args.count)
    except HouseholdRefused as exc:
        raise CliError("cli_households_error.txt", reason=exc.reason, value=exc.value) from exc
    if args.output:
        cards = [
            (household, link, Markup(segno.make(link, error="m").svg_inline(scale=3)))
            for household, link in sheet.households
        ]
        html = render("sheet_households.html", sheet=sheet, cards=cards)
        await asyncio.to_thread(Path(args.output).write_text, html + "\n", encoding="utf-8")
    return render("cli_households_issued.txt", sheet=sheet, output=args.output)
