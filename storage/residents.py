"""Residents (people), their pending chat step, and group chats already told to go private."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ChatState, Resident, dt, dt_req, ts

_SELECT = "SELECT id, display_name, commune_code, village_id, joined_at, stopped_at FROM residents"


def _resident(r: aiosqlite.Row | sqlite3.Row) -> Resident:
    return Resident(
        r["id"],
        r["display_name"],
        r["commune_code"],
        r["village_id"],
        dt_req(r["joined_at"]),
        dt(r["stopped_at"]),
    )


async def get(conn: aiosqlite.Connection, resident_id: int) -> Resident | None:
    row = await sql.one(conn, f"{_SELECT} WHERE id = ?", (resident_id,))
    return _resident(row) if row else None


def get_in(conn: sqlite3.Connection, resident_id: int) -> Resident | None:
    """`get` inside work run in the database thread (Database.grouped)."""
    row = conn.execute(f"{_SELECT} WHERE id = ?", (resident_id,)).fetchone()
    return _resident(row) if row else None


async def upsert_membership(
    conn: aiosqlite.Connection,
    person_id: int,
    display_name: str,
    commune_code: int,
    now: datetime,
) -> Resident:
    """Joins (or moves) a person to a commune; the village is chosen afterwards. A person who
    had no commune yet (storage.people.person_for made them) counts as joining now."""
    await conn.execute(
        "UPDATE residents SET display_name = ?, "
        "joined_at = CASE WHEN commune_code IS NULL THEN ? ELSE joined_at END, "
        "village_id = CASE WHEN commune_code = ? THEN village_id END, "
        "commune_code = ?, stopped_at = NULL WHERE id = ?",
        (display_name, ts(now), commune_code, commune_code, person_id),
    )
    resident = await get(conn, person_id)
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


async def get_chat_state(conn: aiosqlite.Connection, person_id: int) -> ChatState | None:
    row = await sql.one(
        conn,
        "SELECT state, ref, question_id, data FROM chat_states WHERE resident_id = ?",
        (person_id,),
    )
    return ChatState(row["state"], row["ref"], row["question_id"], row["data"]) if row else None


async def set_chat_state(
    conn: aiosqlite.Connection, person_id: int, state: ChatState, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO chat_states(resident_id, state, ref, question_id, data, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(resident_id) DO UPDATE SET "
        "state = excluded.state, ref = excluded.ref, question_id = excluded.question_id, "
        "data = excluded.data, updated_at = excluded.updated_at",
        (person_id, state.state, state.ref, state.question_id, state.data, ts(now)),
    )


_CLEAR_CHAT_STATE = "DELETE FROM chat_states WHERE resident_id = ?"


async def clear_chat_state(conn: aiosqlite.Connection, person_id: int) -> bool:
    cur = await conn.execute(_CLEAR_CHAT_STATE, (person_id,))
    return cur.rowcount > 0


def clear_chat_state_in(conn: sqlite3.Connection, person_id: int) -> bool:
    """`clear_chat_state` inside work that runs in the database thread (Database.grouped)."""
    return conn.execute(_CLEAR_CHAT_STATE, (person_id,)).rowcount > 0


async def mark_group_notified(conn: aiosqlite.Connection, chat_id: int, now: datetime) -> bool:
    """True the first time a group is seen, so the bot speaks there only once."""
    cur = await conn.execute(
        "INSERT INTO group_chats(chat_id, notified_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (chat_id, ts(now)),
    )
    return cur.rowcount == 1
