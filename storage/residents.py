"""Residents, their per-chat pending state, and group chats already told to go private."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ChatState, Resident, dt, dt_req, ts

_SELECT = (
    "SELECT id, telegram_user_id, display_name, commune_code, village_id, joined_at, stopped_at "
    "FROM residents"
)


def _resident(r: aiosqlite.Row) -> Resident:
    return Resident(
        r["id"],
        r["telegram_user_id"],
        r["display_name"],
        r["commune_code"],
        r["village_id"],
        dt_req(r["joined_at"]),
        dt(r["stopped_at"]),
    )


async def get_by_telegram_id(conn: aiosqlite.Connection, user_id: int) -> Resident | None:
    row = await sql.one(conn, f"{_SELECT} WHERE telegram_user_id = ?", (user_id,))
    return _resident(row) if row else None


async def get(conn: aiosqlite.Connection, resident_id: int) -> Resident | None:
    row = await sql.one(conn, f"{_SELECT} WHERE id = ?", (resident_id,))
    return _resident(row) if row else None


async def upsert_membership(
    conn: aiosqlite.Connection,
    user_id: int,
    display_name: str,
    commune_code: int,
    now: datetime,
) -> Resident:
    """Joins (or moves) a resident to a commune; the village is chosen afterwards."""
    await conn.execute(
        "INSERT INTO residents(telegram_user_id, display_name, commune_code, joined_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(telegram_user_id) DO UPDATE SET "
        "display_name = excluded.display_name, "
        "village_id = CASE WHEN residents.commune_code = excluded.commune_code "
        "THEN residents.village_id END, "
        "commune_code = excluded.commune_code, stopped_at = NULL",
        (user_id, display_name, commune_code, ts(now)),
    )
    resident = await get_by_telegram_id(conn, user_id)
    assert resident is not None
    return resident


async def set_village(conn: aiosqlite.Connection, resident_id: int, village_id: int) -> None:
    await conn.execute(
        "UPDATE residents SET village_id = ? WHERE id = ?", (village_id, resident_id)
    )


async def count_in_commune(conn: aiosqlite.Connection, commune_code: int) -> int:
    row = await sql.one(
        conn, "SELECT count(*) FROM residents WHERE commune_code = ?", (commune_code,)
    )
    return int(row[0]) if row else 0


async def get_chat_state(conn: aiosqlite.Connection, user_id: int) -> ChatState | None:
    row = await sql.one(
        conn,
        "SELECT state, ref, question_id, data FROM chat_states WHERE telegram_user_id = ?",
        (user_id,),
    )
    return ChatState(row["state"], row["ref"], row["question_id"], row["data"]) if row else None


async def set_chat_state(
    conn: aiosqlite.Connection, user_id: int, state: ChatState, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO chat_states(telegram_user_id, state, ref, question_id, data, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(telegram_user_id) DO UPDATE SET "
        "state = excluded.state, ref = excluded.ref, question_id = excluded.question_id, "
        "data = excluded.data, updated_at = excluded.updated_at",
        (user_id, state.state, state.ref, state.question_id, state.data, ts(now)),
    )


async def clear_chat_state(conn: aiosqlite.Connection, user_id: int) -> bool:
    cur = await conn.execute("DELETE FROM chat_states WHERE telegram_user_id = ?", (user_id,))
    return cur.rowcount > 0


async def mark_group_notified(conn: aiosqlite.Connection, chat_id: int, now: datetime) -> bool:
    """True the first time a group is seen, so the bot speaks there only once."""
    cur = await conn.execute(
        "INSERT INTO group_chats(chat_id, notified_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (chat_id, ts(now)),
    )
    return cur.rowcount == 1
