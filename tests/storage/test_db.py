"""Opening a database: a file SQLite cannot use raises at once and leaves no worker thread
behind (one used to keep the command line from ever exiting); inspect_file reads only."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from storage.db import Database, FileState, inspect_file


async def test_a_failed_open_closes_its_connection(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"x" * 5000)
    before = set(threading.enumerate())
    with pytest.raises(sqlite3.DatabaseError):
        await Database.open(path)
    new = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for thread in new:
        thread.join(timeout=5)
    assert [t for t in new if t.is_alive()] == []
    assert path.read_bytes() == b"x" * 5000


async def test_inspect_file_reads_only(tmp_path: Path) -> None:
    assert inspect_file(tmp_path / "none.db") is FileState.MISSING
    assert inspect_file(tmp_path / "no" / "x.db") is FileState.NO_FOLDER
    assert inspect_file(tmp_path) is FileState.FOLDER
    short = tmp_path / "short.db"
    short.write_bytes(b"abc")
    assert inspect_file(short) is FileState.NOT_DATABASE and short.read_bytes() == b"abc"
    made = tmp_path / "made.db"
    db = await Database.open(made)
    await db.close()
    before = made.read_bytes()
    assert inspect_file(made) is FileState.OK
    assert made.read_bytes() == before  # (SQLite may add its -wal/-shm side files)
