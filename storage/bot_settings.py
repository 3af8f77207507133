"""bot_settings: small facts the deployment learns about itself (the bot's username)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


async def get_setting(conn: aiosqlite.Connection, key: str) -> str | None:
    row = await sql.one(conn, "SELECT value FROM bot_settings WHERE key = ?", (key,))
    return str(row[0]) if row else None


async def set_setting(conn: aiosqlite.Connection, key: str, value: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO bot_settings(key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, ts(now)),
    )
