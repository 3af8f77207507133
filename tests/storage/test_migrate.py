"""Migrations: a fresh database reaches the latest version, a re-run does nothing, a failed
migration leaves nothing behind, and later migrations carry existing rows along."""

from __future__ import annotations

import aiosqlite
import pytest

from storage import migrate
from storage.migrate import Migration


async def _connect(path: str = ":memory:") -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    return conn


async def test_fresh_database_reaches_latest_version() -> None:
    conn = await _connect()
    applied = await migrate.apply(conn)
    assert applied == [m.number for m in migrate.available()]
    assert await migrate.current_version(conn) == migrate.available()[-1].number
    assert await migrate.pending(conn) == []
    await conn.close()


async def test_rerun_is_a_no_op(tmp_path) -> None:
    path = str(tmp_path / "y.db")
    conn = await _connect(path)
    await migrate.apply(conn)
    await conn.close()
    conn = await _connect(path)
    assert await migrate.apply(conn) == []
    await conn.close()


async def test_migration_over_existing_data_keeps_rows() -> None:
    conn = await _connect()
    await migrate.apply(conn, stop_before=2)
    assert await migrate.current_version(conn) == 1
    await conn.executescript(
        "INSERT INTO provinces VALUES (1, 'Hà Nội', 'thành phố trung ương');"
        "INSERT INTO communes VALUES (70, 1, 'Phường Hoàn Kiếm', 'phuong hoan kiem', 'phường');"
        "INSERT INTO residents(telegram_user_id, display_name, commune_code, joined_at) "
        "VALUES (42, 'Lan', 70, '2026-11-23T03:00:00+00:00');"
    )
    await migrate.apply(conn)
    async with conn.execute(
        "SELECT a.address, r.language_code FROM residents r "
        "JOIN addresses a ON a.resident_id = r.id AND a.channel = 'telegram'"
    ) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    assert rows == [("42", "vi")]
    await conn.close()


async def test_failed_migration_rolls_back_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = await _connect()
    shipped = migrate.available()
    broken = Migration(
        len(shipped) + 1,
        "broken",
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    monkeypatch.setattr(migrate, "available", lambda: [*shipped, broken])
    with pytest.raises(aiosqlite.OperationalError):
        await migrate.apply(conn)
    assert await migrate.current_version(conn) == len(shipped)
    async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as cur:
        assert await cur.fetchone() is None
    await conn.close()
