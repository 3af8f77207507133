"""One aiosqlite connection per process: WAL, foreign keys, explicit transactions."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from enum import StrEnum
from pathlib import Path

import aiosqlite

from storage import migrate

_HEADER = b"SQLite format 3\x00"


class FileState(StrEnum):
    """What a database path holds, read without writing to it."""

    MISSING = "missing"  # no file, or an empty one: opening it would create a database
    NO_FOLDER = "no_folder"  # the folder it would go in does not exist
    FOLDER = "folder"  # the path is a folder
    NOT_DATABASE = "not_database"  # some other file (SQLite would overwrite a short one)
    FOREIGN = "foreign"  # an SQLite database with tables that ykien never made
    DAMAGED = "damaged"  # an SQLite header, but its schema cannot be read
    UNREADABLE = "unreadable"  # no permission to read it
    OK = "ok"


def inspect_file(path: str | Path) -> FileState:
    """Looks at a database file read-only, so that a mistyped or wrong path is refused before
    SQLite creates, overwrites or migrates anything there."""
    target = Path(path)
    if target.is_dir():
        return FileState.FOLDER
    if not target.parent.is_dir():
        return FileState.NO_FOLDER
    if not target.exists() or target.stat().st_size == 0:
        return FileState.MISSING
    try:
        with target.open("rb") as f:
            if f.read(len(_HEADER)) != _HEADER:
                return FileState.NOT_DATABASE
    except PermissionError:
        return FileState.UNREADABLE
    try:
        uri = f"{target.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.OperationalError:
        return FileState.OK  # busy or unreadable: the real open waits, or says what it is
    except sqlite3.DatabaseError:  # "file is not a database", "malformed"
        return FileState.DAMAGED
    return FileState.FOREIGN if version == 0 and tables > 0 else FileState.OK


class Database:
    """Owns the connection; every write goes through `transaction()` so it commits whole, or
    through `grouped()` (answers), which shares one commit among writes arriving together."""

    # Seconds a group stays open for more writes before its COMMIT. 0: one turn of the event
    # loop, so a writer alone waits for nobody, while writers that queued up during the
    # previous COMMIT's fsync (a few ms) all join the next group.
    GROUP_WINDOW = 0.0

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()
        self._group: asyncio.Future[None] | None = None  # the open group's COMMIT, when open
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed (grouped or not), for tests and benchmarks

    @classmethod
    async def open(cls, path: str | Path, *, migrate_now: bool = True) -> Database:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            # Deleted rows are overwritten with zeros, not left in free pages (erasure, retention).
            await conn.execute("PRAGMA secure_delete = ON")
            if str(path) != ":memory:":
                await conn.execute("PRAGMA journal_mode = WAL")
                # FULL syncs the WAL at each commit: an acknowledged answer survives a power cut.
                await conn.execute("PRAGMA synchronous = FULL")
            if migrate_now:
                await migrate.apply(conn)
        except BaseException:
            # aiosqlite's worker thread outlives an unclosed connection and keeps the
            # process from exiting (a damaged file used to hang the command line for good).
            await conn.close()
            raise
        return cls(conn)

    async def close(self) -> None:
        async with self._write_lock:
            await self._commit_group()
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, serialised: one writer at a time on this connection."""
        async with self._write_lock:
            await self._commit_group()
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()
            self.commits += 1

    @asynccontextmanager
    async def grouped(self) -> AsyncIterator[aiosqlite.Connection]:
        """Group commit: the writes of callers arriving together share one
        transaction (one fsync under synchronous=FULL), each in a savepoint of its own, so a
        failing caller undoes only its writes. Returns only after that COMMIT: an answer is
        acknowledged once it is durable, exactly as with `transaction()`."""
        async with self._write_lock:
            if self._group is None:
                await self.conn.execute("BEGIN IMMEDIATE")
                self._group = asyncio.get_running_loop().create_future()
                self._flusher = asyncio.get_running_loop().create_task(
                    self._flush_later(self._group)
                )
            done = self._group
            await self.conn.execute("SAVEPOINT grouped")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK TO grouped")
                await self.conn.execute("RELEASE grouped")
                raise
            await self.conn.execute("RELEASE grouped")
        await asyncio.shield(done)

    async def _flush_later(self, group: asyncio.Future[None]) -> None:
        await asyncio.sleep(self.GROUP_WINDOW)
        async with self._write_lock:
            if self._group is group:
                with contextlib.suppress(Exception):  # its callers get the error instead
                    await self._commit_group()

    async def _commit_group(self) -> None:
        """COMMITs the open group (the write lock is held); its callers then return."""
        group, self._group = self._group, None
        if group is None:
            return
        try:
            await self.conn.commit()
        except BaseException as exc:
            await self.conn.rollback()
            group.set_exception(exc)
            raise
        self.commits += 1
        group.set_result(None)

    async def checkpoint(self) -> None:
        """Copies the WAL into the database and empties it, so erased bytes leave the -wal file
        now rather than at some later automatic checkpoint."""
        async with self._write_lock:
            await self._commit_group()
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def integrity_ok(self) -> bool:
        async with self.conn.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return row is not None and row[0] == "ok"

    async def backup(self, target: str | Path) -> None:
        """A consistent online copy (SQLite's backup API) while the bot keeps running."""
        dest = await aiosqlite.connect(str(target))
        try:
            await self.conn.backup(dest)
        finally:
            await dest.close()
