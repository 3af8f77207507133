"""Group commit: answers arriving together share one COMMIT, each caller returns only once
its write is durable, and a failing caller undoes only its own write."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage.db import Database


async def _db(tmp_path: Path) -> Database:
    db = await Database.open(tmp_path / "g.db", migrate_now=False)
    await db.conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    return db


def _committed(path: Path) -> set[int]:
    """What another connection (another process) sees: committed rows only."""
    with sqlite3.connect(path) as other:
        return {r[0] for r in other.execute("SELECT n FROM t")}


async def test_writers_arriving_together_share_one_commit(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    seen: dict[int, bool] = {}

    async def write(n: int) -> None:
        async with db.grouped() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (?)", (n,))
        seen[n] = n in _committed(tmp_path / "g.db")  # durable when the caller returns

    try:
        await asyncio.gather(*(write(n) for n in range(50)))
        assert seen == dict.fromkeys(range(50), True)
        assert db.commits < 10  # 50 writes in a handful of transactions
        assert (await db.conn.execute_fetchall("PRAGMA synchronous"))[0][0] == 2  # FULL
    finally:
        await db.close()


async def test_a_failing_writer_undoes_only_its_own_write(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    async def write(n: int) -> None:
        async with db.grouped() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (?)", (n,))
            if n == 3:
                raise ValueError("refused")

    try:
        results = await asyncio.gather(*(write(n) for n in range(6)), return_exceptions=True)
        assert [isinstance(r, ValueError) for r in results] == [False] * 3 + [True] + [False] * 2
        assert _committed(tmp_path / "g.db") == {0, 1, 2, 4, 5}
    finally:
        await db.close()


async def test_a_transaction_commits_the_open_group_first(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    db.GROUP_WINDOW = 3600.0  # only the transaction below can end this group
    inside = asyncio.Event()

    async def grouped() -> None:
        async with db.grouped() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (1)")
            inside.set()

    try:
        task = asyncio.create_task(grouped())
        await inside.wait()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (2)")
        await task  # returned: the group was committed before the transaction began
        assert _committed(tmp_path / "g.db") == {1, 2} and db.commits == 2
    finally:
        await db.close()


async def test_one_writer_alone_is_committed(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        async with db.grouped() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (7)")
        assert _committed(tmp_path / "g.db") == {7} and db.commits == 1
    finally:
        await db.close()
