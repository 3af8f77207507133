"""Updates the bot skipped because python-telegram-bot could not read them (migration 0017)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


async def insert(conn: aiosqlite.Connection, update_id: int, reason: str, now: datetime) -> bool:
    """Keeps the first reason an update was skipped for; False when it was already kept."""
    cur = await conn.execute(
        "INSERT INTO skipped_updates(update_id, reason, seen_at) VALUES (?, ?, ?) "
        "ON CONFLICT(update_id) DO NOTHING",
        (update_id, reason, ts(now)),
    )
    return cur.rowcount == 1


async def list_all(conn: aiosqlite.Connection) -> list[tuple[int, str]]:
    rows = await sql.rows(conn, "SELECT update_id, reason FROM skipped_updates ORDER BY update_id")
    return [(r[0], r[1]) for r in rows]
