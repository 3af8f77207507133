"""Responses and answers, and the counts that scoring is computed from."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import Answer, Response, dt, dt_req, ts

_SELECT = "SELECT id, round_id, resident_id, started_at, updated_at, completed_at FROM responses"


def _response(r: aiosqlite.Row) -> Response:
    return Response(
        r["id"],
        r["round_id"],
        r["resident_id"],
        dt_req(r["started_at"]),
        dt_req(r["updated_at"]),
        dt(r["completed_at"]),
    )


async def get(conn: aiosqlite.Connection, response_id: int) -> Response | None:
    async with conn.execute(f"{_SELECT} WHERE id = ?", (response_id,)) as cur:
        row = await cur.fetchone()
    return _response(row) if row else None


async def find(conn: aiosqlite.Connection, round_id: int, resident_id: int) -> Response | None:
    async with conn.execute(
        f"{_SELECT} WHERE round_id = ? AND resident_id = ?", (round_id, resident_id)
    ) as cur:
        row = await cur.fetchone()
    return _response(row) if row else None


async def get_or_create(
    conn: aiosqlite.Connection, round_id: int, resident_id: int, now: datetime
) -> Response:
    await conn.execute(
        "INSERT INTO responses(round_id, resident_id, started_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(round_id, resident_id) DO NOTHING",
        (round_id, resident_id, ts(now), ts(now)),
    )
    response = await find(conn, round_id, resident_id)
    assert response is not None
    return response


async def list_answers(conn: aiosqlite.Connection, response_id: int) -> list[Answer]:
    async with conn.execute(
        "SELECT question_id, value_int, value_text, skipped, answered_at FROM answers "
        "WHERE response_id = ?",
        (response_id,),
    ) as cur:
        return [
            Answer(
                r["question_id"],
                r["value_int"],
                r["value_text"],
                bool(r["skipped"]),
                dt_req(r["answered_at"]),
            )
            for r in await cur.fetchall()
        ]


async def upsert_answer(
    conn: aiosqlite.Connection,
    response_id: int,
    question_id: str,
    *,
    value_int: int | None,
    value_text: str | None,
    skipped: bool,
    now: datetime,
) -> None:
    """A later answer to the same question replaces the earlier one."""
    await conn.execute(
        "INSERT INTO answers(response_id, question_id, value_int, value_text, skipped, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(response_id, question_id) DO UPDATE "
        "SET value_int = excluded.value_int, value_text = excluded.value_text, "
        "skipped = excluded.skipped, answered_at = excluded.answered_at",
        (response_id, question_id, value_int, value_text, int(skipped), ts(now)),
    )
    await conn.execute("UPDATE responses SET updated_at = ? WHERE id = ?", (ts(now), response_id))


async def mark_completed(conn: aiosqlite.Connection, response_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE responses SET completed_at = ? WHERE id = ? AND completed_at IS NULL",
        (ts(now), response_id),
    )


async def value_counts(conn: aiosqlite.Connection, round_id: int) -> dict[str, dict[int, int]]:
    """question id -> {value -> answers} over the round's numeric answers."""
    counts: dict[str, dict[int, int]] = {}
    async with conn.execute(
        "SELECT a.question_id, a.value_int, count(*) AS n FROM answers a "
        "JOIN responses r ON r.id = a.response_id "
        "WHERE r.round_id = ? AND a.skipped = 0 AND a.value_int IS NOT NULL "
        "GROUP BY a.question_id, a.value_int",
        (round_id,),
    ) as cur:
        for row in await cur.fetchall():
            counts.setdefault(row["question_id"], {})[row["value_int"]] = row["n"]
    return counts


async def count_answering(conn: aiosqlite.Connection, round_id: int, question_id: str) -> int:
    """Residents with a stored, not skipped answer to one question (overall: respondents)."""
    async with conn.execute(
        "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.round_id = ? AND a.question_id = ? AND a.skipped = 0",
        (round_id, question_id),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def count_responses(conn: aiosqlite.Connection, round_id: int) -> tuple[int, int]:
    """(started, completed) responses in a round."""
    async with conn.execute(
        "SELECT count(*), count(completed_at) FROM responses WHERE round_id = ?", (round_id,)
    ) as cur:
        row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
