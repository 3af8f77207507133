"""Group commit: answers arriving together share one COMMIT, each caller returns only once
its write is durable, and a failing caller undoes only its own write."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.db import Database


async def _db(tmp_path: Path) -> Database:
    db = await Database.open(tmp_path / "g.db", migrate_now=False)
    await db.conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    return db


def _committed(path: Path) -> set[int]:
    """What another connection (another process) sees: committed rows only."""
    with sqlite3.connect(path) as other:
        return {r[0] for r in other.execute("SELECT n FROM t")}


def _insert(n: int) -> Callable[[sqlite3.Connection], int]:
    def work(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t(n) VALUES (?)", (n,))
        return n * 10

    return work


async def test_writers_arriving_together_share_one_commit(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    seen: dict[int, bool] = {}

    async def write(n: int) -> None:
        assert await db.grouped(_insert(n)) == n * 10
        seen[n] = n in _committed(tmp_path / "g.db")  # durable when the caller returns

    try:
        await asyncio.gather(*(write(n) for n in range(50)))
        assert seen == dict.fromkeys(range(50), True)
        assert db.commits < 10  # 50 writes in a handful of transactions
        assert (await db.conn.execute_fetchall("PRAGMA synchronous"))[0][0] == 2  # FULL
    finally:
        await db.close()


async def test_writers_arriving_during_a_commit_go_in_the_next_group(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        first = asyncio.create_task(db.grouped(_insert(1)))
        await asyncio.sleep(0)  # its group is on its way to the database thread
        later = [asyncio.create_task(db.grouped(_insert(n))) for n in range(2, 30)]
        await asyncio.gather(first, *later)
        assert _committed(tmp_path / "g.db") == set(range(1, 30))
        assert db.commits == 2  # the first alone, then everyone who came during its COMMIT
    finally:
        await db.close()


async def test_a_failing_writer_undoes_only_its_own_write(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def write_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t(n) VALUES (3)")
        raise ValueError("refused")

    try:
        works: list[Callable[[sqlite3.Connection], object]] = (
            [_insert(n) for n in range(3)] + [write_then_fail] + [_insert(4), _insert(5)]
        )
        results = await asyncio.gather(*(db.grouped(w) for w in works), return_exceptions=True)
        assert [isinstance(r, ValueError) for r in results] == [False] * 3 + [True] + [False] * 2
        assert _committed(tmp_path / "g.db") == {0, 1, 2, 4, 5}
        assert db.commits == 1
    finally:
        await db.close()


async def test_a_failed_commit_fails_every_writer_of_the_group(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    other = sqlite3.connect(tmp_path / "g.db", timeout=0)
    await db.conn.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock: BEGIN fails
    try:
        results = await asyncio.gather(
            *(db.grouped(_insert(n)) for n in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        other.rollback()
        assert await db.grouped(_insert(9)) == 90
        assert _committed(tmp_path / "g.db") == {9}
    finally:
        other.close()
        await db.close()


async def test_a_transaction_waits_for_the_group_being_written(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        grouped = asyncio.create_task(db.grouped(_insert(1)))
        await asyncio.sleep(0)
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t(n) VALUES (2)")
        await grouped
        assert _committed(tmp_path / "g.db") == {1, 2} and db.commits == 2
    finally:
        await db.close()


async def test_one_writer_alone_is_committed(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        assert await db.grouped(_insert(7)) == 70
        assert _committed(tmp_path / "g.db") == {7} and db.commits == 1
    finally:
        await db.close()


async def test_write_is_one_transaction_of_its_own(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t(n) VALUES (8)")
        raise ValueError("refused")

    try:
        assert await db.write(_insert(6)) == 60
        with pytest.raises(ValueError):
            await db.write(fail)
        assert _committed(tmp_path / "g.db") == {6} and db.commits == 2
    finally:
        await db.close()


async def test_close_waits_for_the_group_in_flight(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    pending = asyncio.create_task(db.grouped(_insert(4)))
    await asyncio.sleep(0)
    await db.close()
    assert await pending == 40 and _committed(tmp_path / "g.db") == {4}


async def test_reads_waiting_together_share_one_trip(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    trips = 0
    go = db.run

    async def counted(work: Callable[..., object], *args: object) -> object:
        nonlocal trips
        trips += 1
        return await go(work, *args)

    def count(conn: sqlite3.Connection, at_least: int) -> int:
        if at_least < 0:
            raise ValueError("refused")
        return int(conn.execute("SELECT count(*) FROM t WHERE n >= ?", (at_least,)).fetchone()[0])

    try:
        await db.grouped(_insert(1))
        await db.grouped(_insert(5))
        db.run = counted  # type: ignore[method-assign]
        results = await asyncio.gather(
            *(db.read(count, n) for n in (0, 2, -1, 6)), return_exceptions=True
        )
        assert results[:2] == [2, 1] and isinstance(results[2], ValueError) and results[3] == 0
        assert trips == 1
    finally:
        await db.close()


async def test_a_cancelled_writer_leaves_its_group_unharmed(tmp_path: Path) -> None:
    """A caller cancelled while its write waits (a client gone): the others of the group get
    their results, and its write, already handed over, is committed with them."""
    db = await _db(tmp_path)
    try:
        writers = [asyncio.create_task(db.grouped(_insert(n))) for n in range(3)]
        await asyncio.sleep(0)  # every writer has joined the group
        writers[1].cancel()
        results = await asyncio.gather(*writers, return_exceptions=True)
        assert results[0] == 0 and results[2] == 20
        assert isinstance(results[1], asyncio.CancelledError)
        assert _committed(tmp_path / "g.db") == {0, 1, 2}
    finally:
        await db.close()


async def test_a_cancelled_writer_in_a_failed_group_leaves_the_others_their_error(
    tmp_path: Path,
) -> None:
    db = await _db(tmp_path)
    other = sqlite3.connect(tmp_path / "g.db", timeout=0)
    await db.conn.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")  # BEGIN fails for the whole group
    try:
        writers = [asyncio.create_task(db.grouped(_insert(n))) for n in range(3)]
        await asyncio.sleep(0)
        writers[0].cancel()
        async with asyncio.timeout(10):  # a flusher that died would leave the others waiting
            results = await asyncio.gather(*writers, return_exceptions=True)
        assert isinstance(results[0], asyncio.CancelledError)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results[1:])
        other.rollback()
        assert await db.grouped(_insert(9)) == 90  # the flusher carries on
    finally:
        other.close()
        await db.close()
