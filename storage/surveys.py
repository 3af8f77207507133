"""Survey definitions (as JSON) and the rounds that put them to a commune."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import Round, SurveyRow, dt, dt_req, ts

_ROUND_SELECT = (
    "SELECT id, commune_code, survey_id, opens_at, closes_at, closed_at, created_at, official "
    "FROM rounds"
)


def _round(r: aiosqlite.Row) -> Round:
    return Round(
        r["id"],
        r["commune_code"],
        r["survey_id"],
        dt_req(r["opens_at"]),
        dt(r["closes_at"]),
        dt(r["closed_at"]),
        dt_req(r["created_at"]),
        bool(r["official"]),
    )


def _survey(r: aiosqlite.Row) -> SurveyRow:
    return SurveyRow(r["id"], r["title"], r["definition"], r["source"], dt_req(r["added_at"]))


async def insert_survey(
    conn: aiosqlite.Connection,
    survey_id: str,
    title: str,
    definition: str,
    source: str,
    now: datetime,
) -> bool:
    """False when a survey with this id exists: definitions are never changed under answers."""
    cur = await conn.execute(
        "INSERT INTO surveys(id, title, definition, source, added_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO NOTHING",
        (survey_id, title, definition, source, ts(now)),
    )
    return cur.rowcount == 1


async def get_survey(conn: aiosqlite.Connection, survey_id: str) -> SurveyRow | None:
    row = await sql.one(
        conn,
        "SELECT id, title, definition, source, added_at FROM surveys WHERE id = ?",
        (survey_id,),
    )
    return _survey(row) if row else None


async def list_surveys(conn: aiosqlite.Connection) -> list[SurveyRow]:
    return [
        _survey(r)
        for r in await sql.rows(
            conn,
            "SELECT id, title, definition, source, added_at FROM surveys ORDER BY added_at, id",
        )
    ]


async def insert_round(
    conn: aiosqlite.Connection,
    commune_code: int,
    survey_id: str,
    opens_at: datetime,
    closes_at: datetime | None,
    now: datetime,
    *,
    official: bool = False,
) -> int:
    cur = await conn.execute(
        "INSERT INTO rounds(commune_code, survey_id, opens_at, closes_at, created_at, official) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            commune_code,
            survey_id,
            ts(opens_at),
            ts(closes_at) if closes_at else None,
            ts(now),
            int(official),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get_round(conn: aiosqlite.Connection, round_id: int) -> Round | None:
    row = await sql.one(conn, f"{_ROUND_SELECT} WHERE id = ?", (round_id,))
    return _round(row) if row else None


async def list_rounds(
    conn: aiosqlite.Connection, *, commune_code: int | None = None
) -> list[Round]:
    query, args = _ROUND_SELECT, ()
    if commune_code is not None:
        query, args = f"{query} WHERE commune_code = ?", (commune_code,)
    return [_round(r) for r in await sql.rows(conn, f"{query} ORDER BY id", args)]


async def open_rounds(conn: aiosqlite.Connection, commune_code: int, now: datetime) -> list[Round]:
    """Rounds accepting answers now, newest first."""
    stamp = ts(now)
    return [
        _round(r)
        for r in await sql.rows(
            conn,
            f"{_ROUND_SELECT} WHERE commune_code = ? AND closed_at IS NULL AND opens_at <= ? "
            "AND (closes_at IS NULL OR closes_at > ?) ORDER BY opens_at DESC, id DESC",
            (commune_code, stamp, stamp),
        )
    ]


async def close_round(conn: aiosqlite.Connection, round_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (ts(now), round_id)
    )
    return cur.rowcount == 1
