"""`ykien sheets import FILE.csv | conflicts --round ID | decide ...`: households' paper sheets."""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path

from bot.cli_support import CliError
from bot.config import Config
from handlers.texts import render
from surveys.access import Actor
from surveys.services import Services
from surveys.sheet_conflicts import Decided, Keep

COMMANDS = {"sheets"}
MAX_ROWS = 10_000


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sheets = sub.add_parser("sheets", help="phiếu giấy của hộ gia đình").add_subparsers(
        dest="action", required=True
    )
    sheets.add_parser("import", help="nhập tệp CSV phiếu giấy").add_argument("file")
    conflicts = sheets.add_parser("conflicts", help="hộ có cả phiếu giấy và trả lời qua chat")
    conflicts.add_argument("--round", type=int, required=True)
    decide = sheets.add_parser(
        "decide", help="trả lời qua chat đến sau phiếu giấy: giữ phiếu giấy hay lấy trả lời chat"
    )
    decide.add_argument("--round", type=int, required=True)
    decide.add_argument("--household", required=True, help="mã hộ gia đình")
    decide.add_argument("--keep", choices=[k.value for k in Keep], required=True)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"round", "household"} <= set(reader.fieldnames):
            raise CliError("cli_sheets_error.txt", reason="header", value=path)
        rows = []
        for row in reader:
            rows.append({k: v or "" for k, v in row.items() if isinstance(k, str)})
            if len(rows) > MAX_ROWS:
                raise CliError("cli_sheets_error.txt", reason="too_many", value=MAX_ROWS)
        return rows


async def act(services: Services, config: Config, args: argparse.Namespace) -> str:
    if args.action == "conflicts":
        found = await services.sheets.conflicts(args.round)
        held = await services.conflicts.held(args.round)
        return render("cli_sheets_conflicts.txt", conflicts={args.round: found}) + render(
            "cli_sheets_held.txt", round_id=args.round, held=held
        )
    if args.action == "decide":
        decision = await services.conflicts.decide(
            Actor.operator(), args.round, args.household, Keep(args.keep)
        )
        if decision.outcome is not Decided.DONE:
            raise CliError("cli_sheets_decided.txt", decision=decision)
        return render("cli_sheets_decided.txt", decision=decision)
    path = Path(args.file)
    try:
        rows = await asyncio.to_thread(_read, path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CliError("cli_sheets_error.txt", reason="unreadable", value=path) from exc
    result = await services.sheets.import_rows(rows)
    if result.errors or not result.imported:
        raise CliError("cli_sheets_error.txt", reason="rows", errors=result.errors, value=path)
    return (
        render("cli_sheets_imported.txt", result=result)
        + "\n"
        + render("cli_sheets_conflicts.txt", conflicts=result.conflicts)
    )
