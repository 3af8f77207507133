"""`ykien households issue|list`: household codes for a village, as a printable sheet with QR
codes; `list` prints the codes already issued again."""

from __future__ import annotations

import argparse

import segno
from markupsafe import Markup

from bot.cli.output import write_output
from bot.cli.registry import Arg, Commands, Output
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Actor
from surveys.households import HouseholdRefused, IssuedSheet
from surveys.services import Services

COMMANDS = Commands(groups={"households": "mã hộ gia đình"})
SHEET = Output("-o", "--output", metavar="SHEET.html", help="phiếu in có mã QR")


@COMMANDS.command(
    "households issue",
    Arg("--commune", type=int, required=True),
    Arg("--village", required=True),
    Arg("--count", type=int, required=True),
    SHEET,
    help="tạo mã hộ và phiếu in có mã QR",
    links=True,
)
async def issue(services: Services, args: argparse.Namespace) -> str:
    try:
        sheet = await services.households.issue(
            Actor.operator(), args.commune, args.village, args.count
        )
    except HouseholdRefused as exc:
        raise _refused(exc) from exc
    return await _print(args, [sheet], "cli_households_issued.txt")


@COMMANDS.command(
    "households list",
    Arg("--commune", type=int, required=True),
    Arg("--village"),
    SHEET,
    help="in lại các mã hộ đã tạo",
    links=True,
)
async def issued(services: Services, args: argparse.Namespace) -> str:
    try:
        sheets = await services.households.sheets(Actor.operator(), args.commune, args.village)
    except HouseholdRefused as exc:
        raise _refused(exc) from exc
    return await _print(args, sheets, "cli_households.txt")


def _refused(exc: HouseholdRefused) -> CliError:
    return CliError("cli_households_error.txt", reason=exc.reason, value=exc.value)


async def _print(args: argparse.Namespace, sheets: list[IssuedSheet], template: str) -> str:
    if args.output and len(sheets) > 1:  # the printed sheet is one village's
        villages = [s.village.name for s in sheets]
        raise CliError("cli_households_error.txt", reason="needs_village", value=villages)
    if args.output and sheets:
        await write_output(args, _sheet_html(sheets[0]) + "\n")
    return render(template, sheets=sheets, output=args.output)


def _sheet_html(sheet: IssuedSheet) -> str:
    cards = [
        (household, link, Markup(segno.make(link, error="m").svg_inline(scale=3)))
        for household, link in sheet.households
    ]
    return render("sheet_households.html", sheet=sheet, cards=cards)
