"""`ykien sheets import FILE.csv | conflicts --round ID | decide ...`: households' paper sheets,
and households that answered a round on two channels.

The file may come from any spreadsheet: comma, semicolon (Excel in a Vietnamese or European
locale) or tab separated, with or without a byte-order mark. The separator is the one that
makes the header read as `round,household,...`; a row with more cells than the header has is
refused rather than guessed (an unquoted separator inside a comment would shift every answer).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.access import Actor
from surveys.services import Services
from surveys.sheet_conflicts import Decided, Keep
from surveys.sheets import RowError

COMMANDS = Commands(groups={"sheets": "phiếu giấy của hộ gia đình"})
MAX_ROWS = 10_000
DELIMITERS = (",", ";", "\t")
REQUIRED = {"round", "household"}


@dataclass(frozen=True)
class SheetFile:
    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]  # the line each row starts on
    errors: list[RowError]  # rows that cannot be read unambiguously


def _delimiter(header: str) -> str | None:
    for delimiter in DELIMITERS:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        if {f.strip() for f in fields} >= REQUIRED:
            return delimiter
    return None


def _read(path: Path) -> SheetFile:
    with path.open(encoding="utf-8-sig", newline="") as f:
        delimiter = _delimiter(f.readline())
        if delimiter is None:
            raise CliError("cli_sheets_error.txt", reason="header", value=path)
        f.seek(0)  # utf-8-sig drops the byte-order mark again
        reader = csv.reader(f, delimiter=delimiter)
        columns = [c.strip() for c in next(reader)]
        sheet = SheetFile(columns, [], [], [])
        for name in sorted({c for c in columns if c and columns.count(c) > 1}):
            sheet.errors.append(RowError(1, "duplicate_column", name))
        line = reader.line_num + 1
        for cells in reader:
            while len(cells) > len(columns) and not cells[-1].strip():
                cells.pop()  # trailing separators, as some spreadsheets write them
            if any(c.strip() for c in cells):
                if len(cells) > len(columns):
                    sheet.errors.append(RowError(line, "ambiguous", f"{len(cells)}/{len(columns)}"))
                sheet.rows.append(dict(zip(columns, cells, strict=False)))
                sheet.lines.append(line)
                if len(sheet.rows) > MAX_ROWS:
                    raise CliError("cli_sheets_error.txt", reason="too_many", value=MAX_ROWS)
            line = reader.line_num + 1
        # A column without a name and without a value (a trailing separator) is no column.
        used = {c for row in sheet.rows for c, v in row.items() if v.strip()}
        sheet.columns[:] = [c for c in columns if c or c in used]
        return sheet


@COMMANDS.command("sheets import", Arg("file"), help="nhập tệp CSV phiếu giấy")
async def import_file(services: Services, args: argparse.Namespace) -> str:
    path = Path(args.file)
    try:
        sheet = await asyncio.to_thread(_read, path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CliError("cli_sheets_error.txt", reason="unreadable", value=path) from exc
    if sheet.errors:
        raise CliError("cli_sheets_error.txt", reason="rows", errors=sheet.errors, value=path)
    result = await services.sheets.import_rows(
        Actor.operator(), sheet.rows, lines=sheet.lines, columns=sheet.columns
    )
    if result.errors or not result.imported:
        raise CliError("cli_sheets_error.txt", reason="rows", errors=result.errors, value=path)
    return (
        render("cli_sheets_imported.txt", result=result)
        + "\n"
        + render(
            "cli_sheets_conflicts.txt",
            conflicts=result.conflicts,
            labels=await services.rounds.labels_of(result.conflicts),
        )
    )


@COMMANDS.command(
    "sheets conflicts",
    Arg("--round", type=int, required=True),
    help="hộ trả lời qua hai kênh trong đợt (phiếu giấy, chat, web, Zalo) và phiếu nào được tính",
)
async def conflicts(services: Services, args: argparse.Namespace) -> str:
    found = await services.conflicts.listed(Actor.operator(), args.round)
    return render(
        "cli_conflicts.txt",
        found=found,
        round_id=args.round,
        labels=await services.rounds.labels_of([args.round]),
        tz=services.settings.timezone,
    )


@COMMANDS.command(
    "sheets decide",
    Arg("--round", type=int, required=True),
    Arg("--household", required=True, help="mã hộ gia đình"),
    Arg("--keep", choices=[k.value for k in Keep], required=True),
    help="hộ trả lời qua hai kênh: giữ phiếu của một kênh, để riêng các kênh khác",
)
async def decide(services: Services, args: argparse.Namespace) -> str:
    decision = await services.conflicts.decide(
        Actor.operator(), args.round, args.household, Keep(args.keep)
    )
    labels = await services.rounds.labels_of([args.round])
    if decision.outcome is not Decided.DONE:
        raise CliError("cli_sheets_decided.txt", decision=decision, labels=labels)
    return render("cli_sheets_decided.txt", decision=decision, labels=labels)
