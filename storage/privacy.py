"""What is stored about one resident, and removing their identity from it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts

# Rows elsewhere that name the person: deleted when the identity goes. A feature that stores
# an address, a person id or free text of a resident adds its statement here (parameter
# :resident_id, the person); tests/surveys/test_privacy.py scans every table.
ERASE_STATEMENTS: list[str] = [
    # An FAQ entry staff made from the person's question: gone if it still holds her words
    # (staff rewrite drafts, surveys.faq_questions; an entry in their own words stays, detached).
    "DELETE FROM faq_entries WHERE origin = 'staff' AND id IN (SELECT q.entry_id FROM "
    "faq_questions q WHERE q.resident_id = :resident_id AND EXISTS (SELECT 1 FROM "
    "json_each(faq_entries.questions) j WHERE instr(j.value, q.text) > 0 "
    "OR instr(q.text, j.value) > 0))",
    "DELETE FROM chat_states WHERE resident_id = :resident_id",
    "DELETE FROM menu_dirty WHERE resident_id = :resident_id",
    # FAQ: the person's typed questions, their feedback and what they sent to the commune.
    "DELETE FROM faq_feedback WHERE ask_id IN "
    "(SELECT id FROM faq_asks WHERE resident_id = :resident_id)",
    "DELETE FROM faq_questions WHERE resident_id = :resident_id OR ask_id IN "
    "(SELECT id FROM faq_asks WHERE resident_id = :resident_id)",
    "DELETE FROM faq_asks WHERE resident_id = :resident_id",
    "UPDATE faq_questions SET answered_by = NULL WHERE answered_by = :resident_id",
    "DELETE FROM question_spam WHERE resident_id = :resident_id",
    "UPDATE question_spam SET marked_by = 0 WHERE marked_by = :resident_id",
    # Every way to reach the person, on every channel.
    "DELETE FROM addresses WHERE resident_id = :resident_id",
    # Broadcast history keeps its rows (counts, transitions) but not the chat they went to.
    "UPDATE deliveries SET chat_id = -:resident_id WHERE resident_id = :resident_id",
]


@dataclass(frozen=True)
class StoredResponse:
    id: int
    round_id: int
    survey_id: str
    started_at: str
    completed_at: str | None


async def responses_of(conn: aiosqlite.Connection, resident_id: int) -> list[StoredResponse]:
    rows = await sql.rows(
        conn,
        "SELECT p.id, p.round_id, r.survey_id, p.started_at, p.completed_at "
        "FROM responses p JOIN rounds r ON r.id = p.round_id "
        "WHERE p.resident_id = ? ORDER BY p.id",
        (resident_id,),
    )
    return [StoredResponse(r[0], r[1], r[2], r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class StoredAsk:
    asked_at: datetime
    text: str
    verdict: str  # the FAQ matcher's: confident, unsure, none


@dataclass(frozen=True)
class StoredQuestion:
    asked_at: datetime
    text: str
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class StoredDelivery:
    round_id: int
    kind: str  # invite, reminder, result
    state: str  # queued, sent, blocked, ...
    updated_at: datetime


async def asks_of(conn: aiosqlite.Connection, person_id: int) -> list[StoredAsk]:
    """The questions the person typed to the FAQ."""
    rows = await sql.rows(
        conn,
        "SELECT asked_at, text, verdict FROM faq_asks WHERE resident_id = ? ORDER BY id",
        (person_id,),
    )
    return [StoredAsk(dt_req(r[0]), r[1], r[2]) for r in rows]


async def questions_of(conn: aiosqlite.Connection, resident_id: int) -> list[StoredQuestion]:
    """The questions the person sent to the commune, with the staff's answers."""
    rows = await sql.rows(
        conn,
        "SELECT asked_at, text, answer, answered_at FROM faq_questions WHERE resident_id = ? "
        "ORDER BY id",
        (resident_id,),
    )
    return [StoredQuestion(dt_req(r[0]), r[1], r[2], dt(r[3])) for r in rows]


async def deliveries_of(conn: aiosqlite.Connection, resident_id: int) -> list[StoredDelivery]:
    """The broadcasts sent (or queued) to the person."""
    rows = await sql.rows(
        conn,
        "SELECT b.round_id, b.kind, d.state, d.updated_at FROM deliveries d "
        "JOIN broadcasts b ON b.id = d.broadcast_id WHERE d.resident_id = ? ORDER BY d.id",
        (resident_id,),
    )
    return [StoredDelivery(r[0], r[1], r[2], dt_req(r[3])) for r in rows]


async def spam_marked(conn: aiosqlite.Connection, resident_id: int) -> str | None:
    row = await sql.one(
        conn, "SELECT marked_at FROM question_spam WHERE resident_id = ?", (resident_id,)
    )
    return str(row[0]) if row else None


async def erase_identity(
    conn: aiosqlite.Connection,
    resident_id: int,
    comments: list[tuple[int, str]],
    now: datetime,
) -> None:
    """Detaches the resident row from the person: no address on any channel, no name, no
    comments, no grants, questions, Zalo messages or pending step.

    The row keeps its id, its commune and village, so the answers hanging off it still count
    the same; the person who comes back is a new person. Their Zalo messages are deleted
    before this, in the same transaction (storage.zalo.erase_inbox_of), while the addresses
    still say which are theirs.
    """
    await _hand_over_roles(conn, resident_id, now)
    await conn.execute(
        "UPDATE residents SET display_name = '', "
        "stopped_at = coalesce(stopped_at, ?), erased_at = ? WHERE id = ?",
        (ts(now), ts(now), resident_id),
    )
    await conn.executemany(
        "UPDATE answers SET value_text = NULL WHERE response_id = ? AND question_id = ?",
        comments,
    )
    for statement in ERASE_STATEMENTS:
        await conn.execute(statement, {"resident_id": resident_id})


async def _hand_over_roles(conn: aiosqlite.Connection, resident_id: int, now: datetime) -> None:
    """Roles belong to the staff member or officer, not to the resident data being erased: a
    person holding an active grant keeps it, with the addresses that reach them, as a new person
    with no commune (grants keyed by Telegram id outlived an erasure before migration 0018)."""
    held = await sql.scalar(
        conn,
        "SELECT count(*) FROM grants WHERE resident_id = ? AND revoked_at IS NULL",
        (resident_id,),
    )
    if not held:
        return
    cur = await conn.execute("INSERT INTO residents(joined_at) VALUES (?)", (ts(now),))
    for table in ("grants", "menu_dirty"):
        await conn.execute(
            f"UPDATE {table} SET resident_id = ? WHERE resident_id = ?",
            (cur.lastrowid, resident_id),
        )
    await conn.execute(
        "UPDATE addresses SET resident_id = ? WHERE resident_id = ? AND channel <> 'paper'",
        (cur.lastrowid, resident_id),
    )


async def mark_voters(conn: aiosqlite.Connection, keys: list[tuple[str, int]]) -> None:
    """Sets the voter key (key, response id) of responses made before keys were kept."""
    await conn.executemany(
        "UPDATE OR IGNORE responses SET voter_key = ? WHERE id = ? AND voter_key IS NULL", keys
    )


def claim_round(
    conn: sqlite3.Connection, response_id: int, round_id: int, voter_keys: list[str]
) -> int:
    """Marks the response as the voter's in its round (with the first key); a detached (erased)
    response in the round carrying any of the voter's keys is deleted first, its answers
    leaving the counts. Returns how many. Run in the database thread (Database.grouped)."""
    if not voter_keys:
        return 0
    marks = ", ".join("?" for _ in voter_keys)
    dropped = conn.execute(
        f"DELETE FROM responses WHERE round_id = ? AND voter_key IN ({marks}) AND id != ? "
        "AND resident_id IN (SELECT id FROM residents WHERE erased_at IS NOT NULL)",
        (round_id, *voter_keys, response_id),
    ).rowcount
    conn.execute(
        "UPDATE responses SET voter_key = ? WHERE id = ? AND voter_key IS NULL",
        (voter_keys[0], response_id),
    )
    return dropped


async def inactive_since(conn: aiosqlite.Connection, before: datetime) -> list[int]:
    """Residents (person ids) with an address and no activity since `before`. Paper-sheet
    stand-ins identify nobody, and people with no commune (staff, officers) are no residents:
    both are left alone."""
    rows = await sql.rows(
        conn,
        "SELECT s.id FROM residents s LEFT JOIN responses p ON p.resident_id = s.id "
        "WHERE s.erased_at IS NULL AND s.commune_code IS NOT NULL AND EXISTS (SELECT 1 FROM "
        "addresses a WHERE a.resident_id = s.id AND a.channel <> 'paper') GROUP BY s.id "
        "HAVING max(s.joined_at, coalesce(max(p.updated_at), '')) < ? ORDER BY s.id",
        (ts(before),),
    )
    return [int(r[0]) for r in rows]
