"""One aiosqlite connection per process: WAL, foreign keys, explicit transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

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


T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]


class Database:
    """Owns the connection; every write goes through `transaction()` so it commits whole, or
    through `grouped()` (answers), which shares one commit among writes arriving together."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()
        self._waiting: list[tuple[Work[Any], asyncio.Future[Any]]] = []  # the next group
        self._flusher: asyncio.Task[None] | None = None
        self._reads: list[tuple[Work[Any], asyncio.Future[Any]]] = []  # the next read trip
        self._reader: asyncio.Task[None] | None = None
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
        for task in (self._reader, self._flusher):
            while task is not None and not task.done():
                await asyncio.wait([task])
        async with self._write_lock:
            await self.conn.close()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in the connection's own thread, in one trip: each `await
        conn.execute` is a hop to that thread and back, so a hot path's statements go together.
        (aiosqlite's `_execute` is how all of its own calls reach the thread.)"""
        return cast(T, await self.conn._execute(work, self.conn._conn, *args))

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` (reads only) in the database thread, sharing the trip
        there with the reads of other requests waiting at the same time: under load a page's
        reads cost a share of one hop instead of a hop each. An error is raised to its own
        caller only."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._reads.append((partial(_call, work, args) if args else work, done))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read_all())
        return await done

    async def _read_all(self) -> None:
        while self._reads:
            batch, self._reads = self._reads, []
            try:
                outcomes = await self.run(_each, [work for work, _ in batch])
            except BaseException as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                raise
            _settle(batch, outcomes)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, serialised: one writer at a time on this connection."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()
            self.commits += 1

    async def write(self, work: Work[T]) -> T:
        """`work` in a transaction of its own (BEGIN IMMEDIATE, work, COMMIT in one trip)."""
        async with self._write_lock:
            ((ok, value),) = await self.run(_commit_group, [work])
            self.commits += 1
        if not ok:
            raise value
        return cast(T, value)

    async def grouped(self, work: Work[T]) -> T:
        """Group commit: `work` joins the writes waiting for the next COMMIT; the whole group
        (BEGIN, each write in a savepoint of its own, COMMIT) goes to the database thread in
        one trip and shares one fsync under synchronous=FULL. A write that fails undoes only
        itself and raises to its own caller. Returns only after that COMMIT: an answer is
        acknowledged once it is durable, exactly as with `transaction()`.

        The group window is the previous COMMIT: writers arriving while a group is being
        written and synced wait for it to end and then go together; a writer alone waits only
        for the next turn of the event loop."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return await done  # a cancelled caller cancels only `done`: its write stays in the group

    async def _flush(self) -> None:
        while self._waiting:
            async with self._write_lock:
                group, self._waiting = self._waiting, []
                try:
                    outcomes = await self.run(_commit_group, [work for work, _ in group])
                except BaseException as exc:  # BEGIN or COMMIT failed: none of the group is stored
                    for _, done in group:
                        if not done.done():  # its caller was cancelled
                            done.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                self.commits += 1
            _settle(group, outcomes)

    async def checkpoint(self) -> None:
        """Copies the WAL into the database and empties it, so erased bytes leave the -wal file
        now rather than at some later automatic checkpoint."""
        async with self._write_lock:
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


def _commit_group(conn: sqlite3.Connection, group: list[Work[Any]]) -> list[tuple[bool, Any]]:
    """In the database thread: one transaction, each write in its own savepoint; (ok, result
    or exception) per write. Raises (everything rolled back) when BEGIN or COMMIT fails."""
    conn.execute("BEGIN IMMEDIATE")
    outcomes: list[tuple[bool, Any]] = []
    try:
        for work in group:
            conn.execute("SAVEPOINT grouped")
            try:
                outcomes.append((True, work(conn)))
            except Exception as exc:
                conn.execute("ROLLBACK TO grouped")
                outcomes.append((False, exc))
            conn.execute("RELEASE grouped")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _call(work: Callable[..., T], args: tuple[Any, ...], conn: sqlite3.Connection) -> T:
    return work(conn, *args)


def _each(conn: sqlite3.Connection, batch: list[Work[Any]]) -> list[tuple[bool, Any]]:
    """In the database thread: each read of a trip, (ok, result or exception) per read."""
    outcomes: list[tuple[bool, Any]] = []
    for work in batch:
        try:
            outcomes.append((True, work(conn)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _settle(
    waiting: list[tuple[Work[Any], asyncio.Future[Any]]], outcomes: list[tuple[bool, Any]]
) -> None:
    for (_, done), (ok, value) in zip(waiting, outcomes, strict=True):
        if done.done():  # its caller was cancelled
            continue
        if ok:
            done.set_result(value)
        else:
            done.set_exception(value)
