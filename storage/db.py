"""One aiosqlite connection per process: WAL, foreign keys, explicit transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage import migrate


class Database:
    """Owns the connection; every write goes through `transaction()` so it commits whole."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, migrate_now: bool = True) -> Database:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure, retention).
        await conn.execute("PRAGMA secure_delete = ON")
        if str(path) != ":memory:":
            await conn.execute("PRAGMA journal_mode = WAL")
            # FULL syncs the WAL at each commit: an acknowledged answer survives a power cut.
            await conn.execute("PRAGMA synchronous = FULL")
        db = cls(conn)
        if migrate_now:
            await migrate.apply(conn)
        return db

    async def close(self) -> None:
        await self.conn.close()

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
