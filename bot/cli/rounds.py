"""`ykien round open|close|list`: a commune's rounds (a refusal is RoundRefused, said by the
dispatcher)."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError, parse_time
from handlers.views.texts import render
from surveys.access import Actor
from surveys.services import Services

COMMANDS = Commands(groups={"round": "đợt lấy ý kiến"})


@COMMANDS.command(
    "round open",
    Arg("--commune", type=int, required=True),
    Arg("--survey", required=True),
    Arg("--at", help="giờ mở, ví dụ '2026-12-01 19:00' (giờ Việt Nam)"),
    Arg("--closes", help="giờ đóng, ví dụ '2026-12-15 21:00'"),
    Arg(
        "--official",
        action="store_true",
        help="đợt lấy ý kiến chính thức của xã (do MTTQ xã tổ chức)",
    ),
)
async def open_round(services: Services, args: argparse.Namespace) -> str:
    tz = services.settings.timezone
    opens = parse_time(args.at, tz) if args.at else None
    if opens is not None and opens < services.env.now():
        raise CliError("cli_error.txt", reason="time_in_past", value=args.at)
    closes = parse_time(args.closes, tz) if args.closes else None
    launched = await services.staff_rounds.open_round(
        Actor.operator(),
        args.commune,
        args.survey,
        opens_at=opens,
        closes_at=closes,
        official=args.official,
    )
    return render("cli_round_opened.txt", round=launched.round, tz=tz, launched=launched)


@COMMANDS.command("round close", Arg("id", type=int))
async def close(services: Services, args: argparse.Namespace) -> str:
    closed = await services.staff_rounds.close_round(Actor.operator(), args.id)
    label = await services.rounds.label(closed)
    return render("cli_round_closed.txt", round=closed, label=label)


@COMMANDS.command("round list", Arg("--commune", type=int))
async def rounds(services: Services, args: argparse.Namespace) -> str:
    return render(
        "cli_rounds.txt",
        rounds=await services.staff_rounds.rounds_of(Actor.operator(), args.commune),
        now=services.env.now(),
        tz=services.settings.timezone,
    )
