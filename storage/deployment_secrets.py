"""deployment_secrets: keys the deployment generates once and keeps (the pseudonym key)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


async def get_secret(conn: aiosqlite.Connection, key: str) -> str | None:
    row = await sql.one(conn, "SELECT value FROM deployment_secrets WHERE key = ?", (key,))
    return str(row[0]) if row else None


async def keep_secret(conn: aiosqlite.Connection, key: str, value: str, now: datetime) -> str:
    """Stores `value` unless the key already has one, and returns the stored value: of two
    processes opening a new database at once, both end up with the first one's secret."""
    await conn.execute(
        "INSERT INTO deployment_secrets(key, value, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO NOTHING",
        (key, value, ts(now)),
    )
    stored = await get_secret(conn, key)
    assert stored is not None  # inserted just now, or there already
    return stored
