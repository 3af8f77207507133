"""What every command-line action shares: exit codes, refusals, reading a time, a commune."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.views.texts import render
from storage.records import Commune
from surveys.services import Services

OK, FAILED, BAD_INPUT = 0, 1, 2  # FAILED: the database, the network or the output failed


class CliError(Exception):
    """A refusal to print on stderr (rendered from a template), exiting with BAD_INPUT."""

    code = BAD_INPUT

    def __init__(self, template: str, **ctx: object) -> None:
        super().__init__(template)
        self.template = template
        self.ctx = ctx


class CliFailure(CliError):
    """The database, the network or the output failed (not the operator's input)."""

    code = FAILED


def refuse(exc: CliError) -> int:
    """Prints the refusal on stderr and returns its exit code."""
    print(render(exc.template, **exc.ctx), file=sys.stderr)
    return exc.code


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """'2026-12-01 19:00' (Vietnam time unless an offset is given) -> aware datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise CliError("cli_error.txt", reason="bad_time", value=text) from exc
    return value if value.tzinfo else value.replace(tzinfo=tz)


async def known_commune(services: Services, code: int) -> Commune:
    """The commune of a --commune code; refuses a code that names none."""
    commune = await services.residents.commune(code)
    if commune is None:
        raise CliError("cli_error.txt", reason="unknown_commune", value=code)
    return commune
