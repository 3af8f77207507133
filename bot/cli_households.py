"""`ykien households issue|list`: household codes for a village, as a printable sheet with QR
codes; `list` prints the codes already issued again."""

from __future__ import annotations

import argparse

import segno
from markupsafe import Markup

from bot.cli_output import add_output, write_output
from bot.cli_support import CliError
from bot.config import Config
from handlers.views.texts import render
from surveys.access import Actor
from surveys.households import HouseholdRefused, IssuedSheet
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
    add_output(issue, "-o", "--output", metavar="SHEET.html", help="phiếu in có mã QR")
    listed = households.add_parser("list", help="in lại các mã hộ đã tạo")
    listed.add_argument("--commune", type=int, required=True)
    listed.add_argument("--village")
    add_output(listed, "-o", "--output", metavar="SHEET.html", help="phiếu in có mã QR")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    try:
        if args.action == "list":
            sheets = await services.households.sheets(Actor.operator(), args.commune, args.village)
        else:
            issued = await services.households.issue(
                Actor.operator(), args.commune, args.village, args.count
            )
            sheets = [issued]
    except HouseholdRefused as exc:
        raise CliError("cli_households_error.txt", reason=exc.reason, value=exc.value) from exc
    if args.output and len(sheets) > 1:  # the printed sheet is one village's
        villages = [s.village.name for s in sheets]
        raise CliError("cli_households_error.txt", reason="needs_village", value=villages)
    if args.output and sheets:
        await write_output(args, _sheet_html(sheets[0]) + "\n")
    template = "cli_households.txt" if args.action == "list" else "cli_households_issued.txt"
    return render(template, sheets=sheets, output=args.output)


def _sheet_html(sheet: IssuedSheet) -> str:
    cards = [
        (household, link, Markup(segno.make(link, error="m").svg_inline(scale=3)))
        for household, link in sheet.households
    ]
    return render("sheet_households.html", sheet=sheet, cards=cards)
