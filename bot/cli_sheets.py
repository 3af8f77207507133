"""`ykien sheets import FILE.csv | conflicts --round ID`: paper sheets of households."""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path

from bot.cli_support import CliError
from bot.config import Config
from handlers.texts import render
from surveys.services import Services

COMMANDS = {"sheets"}
MAX_ROWS = 10_000


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sheets = sub.add_parser("sheets", help="phiếu giấy của hộ gia đình").add_subparsers(
        dest="action", required=True
    )
    sheets.add_parser("import", help="nhập tệp CSV phiếu giấy").add_argument("file")
    conflicts = sheets.add_parser("conflicts", help="hộ có cả phiếu giấy và trả lời qua chat")
    conflicts.add_argument("--round", type=int, required=True)


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
        return render("cli_sheets_conflicts.txt", conflicts={args.round: found})
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
