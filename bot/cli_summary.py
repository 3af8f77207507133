"""`ykien summary` (a commune, a province or the whole country, in every format) and `rescore`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli_output import add_output, write_output
from bot.cli_support import CliError
from bot.config import Config
from handlers.views.reports import (
    NATIONAL_FORMATS,
    Format,
    commune_output,
    format_of,
    national_output,
    province_output,
)
from handlers.views.texts import render
from surveys.access import Actor
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
    summary.add_argument(
        "--format",
        choices=[f.value for f in Format],
        help="mặc định: theo đuôi tệp của -o, không có -o thì text",
    )
    add_output(summary, "-o", "--output", metavar="FILE")
    sub.add_parser("rescore", help="tính lại mọi kết quả từ các câu trả lời đã lưu")


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    if args.command == "rescore":
        return render("cli_rescored.txt", answers=await services.summaries.rescore())
    fmt = _format(args)
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


def _format(args: argparse.Namespace) -> Format:
    """--format, else the extension of -o FILE (refused when it names no format), else text."""
    named = format_of(args.output) if args.output else None
    if args.format is not None:
        fmt = Format(args.format)
        ext = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
        if named is not None and named is not fmt:
            raise CliError(
                "cli_summary_refused.txt",
                error="format_mismatch",
                details={"path": args.output, "ext": ext, "format": fmt.value},
            )
        return fmt
    if args.output is None:
        return Format.TEXT
    if named is None:
        raise CliError(
            "cli_summary_refused.txt", error="unknown_extension", details={"path": args.output}
        )
    return named


async def _build(services: Services, args: argparse.Namespace, fmt: Format) -> bytes:
    results, operator = services.results, Actor.operator()
    summaries = services.summaries
    tz, now = services.settings.timezone, services.env.now()
    if args.round is not None and args.commune is None:
        raise _refused("round_needs_commune")
    if args.commune is not None:
        report = await results.commune(operator, args.commune, args.round)
        answers = await summaries.export_answers(report) if fmt is Format.XLSX else None
        homes = await services.households.issued_by_village(args.commune)
        return commune_output(
            report, fmt, tz=tz, now=now, answers=answers, village_households=homes
        ).content
    if args.province is not None:
        province = await results.province(operator, args.province)
        return province_output(province, fmt, tz=tz, now=now).content
    if fmt not in NATIONAL_FORMATS:
        raise _refused("national_text_only")
    rows = await results.national(operator)
    return national_output(rows, summaries.k, fmt, tz=tz, now=now).content


def _refused(error: str) -> CliError:
    return CliError("cli_summary_refused.txt", error=error, details={})
