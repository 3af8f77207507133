"""Whether a staff answer to a resident's question reached them (faq_questions.delivered_at,
migration 0024): an answer Zalo refused outside its window waits for the resident's next write."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


async def mark_delivered(conn: aiosqlite.Connection, question_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE faq_questions SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
        (ts(now), question_id),
    )


async def waiting_answers(conn: aiosqlite.Connection, person_id: int) -> list[int]:
    """Ids of the person's answered questions whose answer has not reached them, oldest first."""
    rows = await sql.rows(
        conn,
        "SELECT id FROM faq_questions WHERE resident_id = ? AND answered_at IS NOT NULL "
        "AND delivered_at IS NULL ORDER BY answered_at, id",
        (person_id,),
    )
    return [int(r[0]) for r in rows]
