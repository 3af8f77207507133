"""`ykien summary` (a commune, a province or the whole country, in every format) and `rescore`."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_output import add_output, write_output
from bot.cli_support import CliError
from bot.config import Config
from handlers.reports import Format, commune_output, national_text, province_output
from handlers.texts import render
from surveys.services import Services
from surveys.summaries import SummaryRefused

COMMANDS = {"summary", "rescore"}
BINARY = {Format.XLSX, Format.PNG}


def add_parsers(sub: Any) -> None:
    summary = sub.add_parser("summary", help="kết quả của xã, của tỉnh hoặc toàn quốc")
    where = summary.add_mutually_exclusive_group()
    where.add_argument("--commune", type=int)
    where.add_argument("--province", type=int)
    summary.add_argument("--round", type=int)
    summary.add_argument("--format", choices=[f.value for f in Format], default="text")
    add_output(summary, "-o", "--output", metavar="FILE")
    sub.add_parser("rescore", help="tính lại mọi kết quả từ các câu trả lời đã lưu")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    if args.command == "rescore":
        return render("cli_rescored.txt", answers=await services.summaries.rescore())
    fmt = Format(args.format)
    if fmt in BINARY and not args.output:
        raise CliError("cli_summary_refused.txt", error="needs_output", details={})
    try:
        out = await _build(services, args, fmt)
    except SummaryRefused as exc:
        raise CliError(
            "cli_summary_refused.txt", error=exc.error.value, details=exc.details
        ) from exc
    if args.output:
        return render("cli_written.txt", path=await write_output(args, out))
    return out.decode("utf-8").rstrip("\n")


async def _build(services: Services, args: argparse.Namespace, fmt: Format) -> bytes:
    summaries = services.summaries
    if args.round is not None and args.commune is None:
        raise _refused("round_needs_commune")
    if args.commune is not None:
        report = await summaries.commune(args.commune, args.round)
        answers = await summaries.export_answers(report) if fmt is Format.XLSX else None
        tz, now = services.settings.timezone, services.env.now()
        return commune_output(report, fmt, tz=tz, now=now, answers=answers).content
    if args.province is not None:
        return province_output(await summaries.province(args.province), fmt).content
    if fmt not in (Format.TEXT, Format.JSON):
        raise _refused("national_text_only")
    rows = await summaries.national()
    return national_text(rows, summaries.k, fmt).encode("utf-8")


def _refused(error: str) -> CliError:
    return CliError("cli_summary_refused.txt", error=error, details={})
