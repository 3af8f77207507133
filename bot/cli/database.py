"""The --db file of a command, checked before it is opened: only commands declared with
`Db.CREATES` (`run`, `migrate`) may create one (a typo must not silently start an empty
database), and a file that is not a ykien database, or a damaged one, is refused with a
message instead of a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.cli.support import CliError, CliFailure
from storage.db import FileState, inspect_file


def check_database(path: Path, *, may_create: bool) -> None:
    """Raises CliError unless the command may open (or create) the database at `path`."""
    state = inspect_file(path)
    if state is FileState.OK or (state is FileState.MISSING and may_create):
        return
    kind = CliFailure if state in (FileState.DAMAGED, FileState.UNREADABLE) else CliError
    raise kind("cli_db_error.txt", reason=state.value, path=path, detail="")


def database_failed(path: Path, exc: sqlite3.DatabaseError) -> CliError:
    """What to say when SQLite fails while a command runs (a damaged page, a lock)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        reason = "locked"
    elif isinstance(exc, sqlite3.OperationalError) and "unable to open" in text:
        reason = "unreadable"
    else:
        reason = "damaged"
    return CliFailure("cli_db_error.txt", reason=reason, path=path, detail=text)
