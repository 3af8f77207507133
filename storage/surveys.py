"""Survey definitions (as JSON) and the rounds that put them to a commune."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage import sql
from storage.records import Round, SurveyRow, dt, dt_req, ts

# A round's columns in the order `round_of` reads them (any query selecting a round does).
ROUND_FIELDS = (
    "id", "commune_code", "survey_id", "opens_at", "closes_at", "closed_at", "created_at",
    "official",
)  # fmt: skip
_ROUND_COLUMNS = f"SELECT {', '.join(ROUND_FIELDS)}"
_ROUND_SELECT = f"{_ROUND_COLUMNS} FROM rounds"


def round_columns(alias: str) -> str:
    """A round's columns (ROUND_FIELDS) of the table aliased `alias`, to join into a query."""
    return ", ".join(f"{alias}.{name}" for name in ROUND_FIELDS)


def round_of(r: Sequence[Any]) -> Round:
    """A round from its columns, in ROUND_FIELDS order (a row, or a slice of a wider one)."""
    rid, commune_code, survey_id, opens, closes, closed, created, official = r
    return Round(
        rid, commune_code, survey_id, dt_req(opens), dt(closes), dt(closed), dt_req(created),
        bool(official),
    )  # fmt: skip


def _survey(r: aiosqlite.Row | sqlite3.Row) -> SurveyRow:
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


_SURVEY = "SELECT id, title, definition, source, added_at FROM surveys WHERE id = ?"


async def get_survey(conn: aiosqlite.Connection, survey_id: str) -> SurveyRow | None:
    row = await sql.one(conn, _SURVEY, (survey_id,))
    return _survey(row) if row else None


def get_survey_in(conn: sqlite3.Connection, survey_id: str) -> SurveyRow | None:
    """`get_survey` inside work run in the database thread (Database.run, read, grouped)."""
    row = conn.execute(_SURVEY, (survey_id,)).fetchone()
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
    return round_of(row) if row else None


async def list_rounds(
    conn: aiosqlite.Connection, *, commune_code: int | None = None
) -> list[Round]:
    query = _ROUND_SELECT
    args: tuple[int, ...] = ()
    if commune_code is not None:
        query, args = f"{query} WHERE commune_code = ?", (commune_code,)
    return [round_of(r) for r in await sql.rows(conn, f"{query} ORDER BY id", args)]


async def communes_of_rounds(conn: aiosqlite.Connection, round_ids: list[int]) -> list[int]:
    """The communes these rounds belong to (each once), in one query."""
    if not round_ids:
        return []
    marks = ", ".join("?" for _ in round_ids)
    found = await sql.rows(
        conn, f"SELECT DISTINCT commune_code FROM rounds WHERE id IN ({marks})", round_ids
    )
    return [int(r[0]) for r in found]


async def open_rounds(conn: aiosqlite.Connection, commune_code: int, now: datetime) -> list[Round]:
    """Rounds accepting answers now, newest first."""
    stamp = ts(now)
    return [
        round_of(r)
        for r in await sql.rows(
            conn,
            f"{_ROUND_SELECT} WHERE commune_code = ? AND closed_at IS NULL AND opens_at <= ? "
            "AND (closes_at IS NULL OR closes_at > ?) ORDER BY opens_at DESC, id DESC",
            (commune_code, stamp, stamp),
        )
    ]


async def current_rounds(
    conn: aiosqlite.Connection,
    now: datetime,
    *,
    commune_code: int | None = None,
    province_code: int | None = None,
) -> list[Round]:
    """Each commune's current round (at most one), by commune code; the rule is documented on
    surveys.rounds.current_rounds: open first (newest opening), else the one that ended last;
    never a round that has not opened yet, nor one closed before it opened (a cancelled launch).
    """
    query, args = _current_rounds(now, commune_code, province_code)
    return [round_of(r) for r in await sql.rows(conn, query, args)]


def current_round_in(conn: sqlite3.Connection, now: datetime, commune_code: int) -> Round | None:
    """`current_rounds` of one commune, inside work run in the database thread (Database.run):
    the same rule, as one ORDER BY ... LIMIT 1 (half the cost of the window over communes; every
    answer on the web reads it)."""
    stamp = ts(now)
    row = conn.execute(
        f"{_ROUND_SELECT} WHERE id = ({current_round_id('?')})", (stamp, stamp, commune_code)
    ).fetchone()
    return round_of(row) if row else None


def current_round_id(commune: str) -> str:
    """A scalar subquery: the id of the current round (current_rounds' rule) of the commune
    `commune` (an SQL expression of the outer query), to read it in the same statement as what
    it goes with (args: now, now)."""
    return (
        f"SELECT id FROM ({_candidates(f' AND r.commune_code = {commune}')})"
        f" WHERE {_ENDED_AFTER_OPENING} ORDER BY {_CURRENT_FIRST} LIMIT 1"
    )


_ENDED_AFTER_OPENING = "ended IS NULL OR ended > opens_at"  # not a cancelled launch
_CURRENT_FIRST = "live DESC, CASE WHEN live THEN opens_at ELSE ended END DESC, id DESC"


def _candidates(filters: str) -> str:
    """Rounds opened by a time (args: now, now, then the filters'), with `live` and `ended`."""
    return (
        "SELECT r.*, (r.closed_at IS NULL AND (r.closes_at IS NULL OR r.closes_at > ?))"
        " AS live, CASE WHEN r.closed_at IS NOT NULL AND (r.closes_at IS NULL"
        " OR r.closed_at < r.closes_at) THEN r.closed_at ELSE r.closes_at END AS ended"
        " FROM rounds r JOIN communes c ON c.code = r.commune_code"
        f" WHERE r.opens_at <= ?{filters}"
    )


def _current_rounds(
    now: datetime, commune_code: int | None, province_code: int | None
) -> tuple[str, list[object]]:
    stamp = ts(now)
    filters = ""
    args: list[object] = [stamp, stamp]
    if commune_code is not None:
        filters += " AND r.commune_code = ?"
        args.append(commune_code)
    if province_code is not None:
        filters += " AND c.province_code = ?"
        args.append(province_code)
    query = (
        f"{_ROUND_COLUMNS} FROM ("
        f" SELECT *, row_number() OVER (PARTITION BY commune_code ORDER BY {_CURRENT_FIRST})"
        f" AS n FROM ({_candidates(filters)}) WHERE {_ENDED_AFTER_OPENING}"
        ") WHERE n = 1 ORDER BY commune_code"
    )
    return query, args


async def close_round(conn: aiosqlite.Connection, round_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (ts(now), round_id)
    )
    return cur.rowcount == 1
