"""Responses and answers, and the counts that scoring is computed from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import aiosqlite

from storage import sql
from storage import surveys as surveys_db
from storage.people import Address
from storage.records import Answer, Response, Round, dt, dt_req, ts

# A response's columns in the order `response_of` reads them (any query selecting one does).
RESPONSE_FIELDS = ("id", "round_id", "resident_id", "started_at", "updated_at", "completed_at")
_SELECT = f"SELECT {', '.join(RESPONSE_FIELDS)} FROM responses"


def response_columns(alias: str) -> str:
    """A response's columns (RESPONSE_FIELDS) of the table aliased `alias`, to join into a query."""
    return ", ".join(f"{alias}.{name}" for name in RESPONSE_FIELDS)


def response_of(r: Sequence[Any]) -> Response:
    """A response from its columns, in RESPONSE_FIELDS order (a row, or a slice of one)."""
    rid, round_id, resident_id, started, updated, completed = r
    return Response(rid, round_id, resident_id, dt_req(started), dt_req(updated), dt(completed))


async def get(conn: aiosqlite.Connection, response_id: int) -> Response | None:
    row = await sql.one(conn, f"{_SELECT} WHERE id = ?", (response_id,))
    return response_of(row) if row else None


_FIND = f"{_SELECT} WHERE round_id = ? AND resident_id = ?"


async def find(conn: aiosqlite.Connection, round_id: int, resident_id: int) -> Response | None:
    row = await sql.one(conn, _FIND, (round_id, resident_id))
    return response_of(row) if row else None


_START = (
    "INSERT INTO responses(round_id, resident_id, started_at, updated_at, channel) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(round_id, resident_id) DO NOTHING"
)


async def get_or_create(
    conn: aiosqlite.Connection,
    round_id: int,
    resident_id: int,
    now: datetime,
    channel: str = "chat",
) -> Response:
    """The person's response in the round, started through `channel` ('chat', 'web', 'zalo',
    'paper') if new; the survey version is filled in by the database (migration 0018)."""
    await conn.execute(_START, (round_id, resident_id, ts(now), ts(now), channel))
    response = await find(conn, round_id, resident_id)
    assert response is not None
    return response


def get_or_create_in(
    conn: sqlite3.Connection, round_id: int, resident_id: int, now: datetime, channel: str
) -> Response:
    """`get_or_create` inside work run in the database thread (Database.grouped)."""
    conn.execute(_START, (round_id, resident_id, ts(now), ts(now), channel))
    return response_of(conn.execute(_FIND, (round_id, resident_id)).fetchone())


_ANSWERS = (
    "SELECT question_id, value_int, value_text, skipped, answered_at FROM answers "
    "WHERE response_id = ?"
)
_UPSERT = (
    "INSERT INTO answers(response_id, question_id, value_int, value_text, skipped, "
    "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(response_id, question_id) DO UPDATE "
    "SET value_int = excluded.value_int, value_text = excluded.value_text, "
    "skipped = excluded.skipped, answered_at = excluded.answered_at"
)
_TOUCH = "UPDATE responses SET updated_at = ? WHERE id = ?"
_COMPLETE = "UPDATE responses SET completed_at = ? WHERE id = ? AND completed_at IS NULL"


def answer_of(r: sqlite3.Row | aiosqlite.Row) -> Answer:
    return Answer(
        r["question_id"], r["value_int"], r["value_text"], bool(r["skipped"]), r["answered_at"]
    )  # fmt: skip


def answers_json(response_id: str) -> str:
    """A scalar subquery: the answers of the response `response_id` (an SQL expression) folded
    into one JSON array, read by `answers_from_json`. The database thread then steps to one row
    instead of one per answer; it lets go of the GIL at each step and, while the event loop is
    busy, waits to get it back."""
    return (
        "(SELECT json_group_array(json_array(question_id, value_int, value_text, skipped, "
        f"answered_at)) FROM answers WHERE response_id = {response_id})"
    )


def answers_from_json(folded: str) -> list[Answer]:
    return [
        Answer(question, value_int, value_text, bool(skipped), at)
        for question, value_int, value_text, skipped, at in json.loads(folded)
    ]


def answers_in(conn: sqlite3.Connection, response_id: int) -> list[Answer]:
    """The response's answers, inside work run in the database thread (every tap reads them)."""
    (folded,) = conn.execute(f"SELECT {answers_json('?')}", (response_id,)).fetchone()
    return answers_from_json(folded)


async def list_answers(conn: aiosqlite.Connection, response_id: int) -> list[Answer]:
    return [answer_of(r) for r in await sql.rows(conn, _ANSWERS, (response_id,))]


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
        _UPSERT, (response_id, question_id, value_int, value_text, int(skipped), ts(now))
    )
    await conn.execute(_TOUCH, (ts(now), response_id))


def store_answer(
    conn: sqlite3.Connection,
    response_id: int,
    question_id: str,
    value: int | str | None,
    now: datetime,
    complete: Callable[[dict[str, Answer]], bool],
    known: dict[str, Answer] | None = None,
) -> dict[str, Answer]:
    """One answer (None: skipped) as `upsert_answer` stores it, run in the database thread
    (Database.grouped); marks the response completed when `complete(answers)` says so. Returns
    the response's answers: read after the write (another browser may have answered too), or
    `known` (the answers read in this same transaction) with this one, which saves the read."""
    stored = Answer(
        question_id,
        value if isinstance(value, int) else None,
        value if isinstance(value, str) else None,
        value is None,
        ts(now),  # as a read gives it back
    )
    conn.execute(_UPSERT, (response_id, *stored))
    conn.execute(_TOUCH, (stored.stamp, response_id))
    if known is None:
        answers = {a.question_id: a for a in answers_in(conn, response_id)}
    else:
        answers = {**known, question_id: stored}
    if complete(answers):
        conn.execute(_COMPLETE, (stored.stamp, response_id))
    return answers


async def mark_completed(conn: aiosqlite.Connection, response_id: int, now: datetime) -> None:
    await conn.execute(_COMPLETE, (ts(now), response_id))


# The responses that count in a round, read from the rule itself (the view household_pick of
# *_counted_rule.sql) rather than from the flag: the kept counts (storage.scores,
# responses.counted) apply it incrementally, and this reading is what the tests compare them with.
_PICKED = "WITH counted AS (SELECT id FROM household_pick WHERE round_id = :round AND counted) "


async def value_counts(conn: aiosqlite.Connection, round_id: int) -> dict[str, dict[int, int]]:
    """question id -> {value -> answers} over the round's numeric answers."""
    counts: dict[str, dict[int, int]] = {}
    found = await sql.rows(
        conn,
        f"{_PICKED}SELECT a.question_id, a.value_int, count(*) AS n FROM answers a "
        "JOIN counted c ON c.id = a.response_id "
        "WHERE a.skipped = 0 AND a.value_int IS NOT NULL "
        "GROUP BY a.question_id, a.value_int",
        {"round": round_id},
    )
    for row in found:
        counts.setdefault(row["question_id"], {})[row["value_int"]] = row["n"]
    return counts


async def count_responses(conn: aiosqlite.Connection, round_id: int) -> tuple[int, int]:
    """(started, completed) responses in a round."""
    row = await sql.one(
        conn, "SELECT count(*), count(completed_at) FROM responses WHERE round_id = ?", (round_id,)
    )
    return (int(row[0]), int(row[1])) if row else (0, 0)


class Owned(NamedTuple):
    """A response with what a tap on it is checked against (`get_with_owner`)."""

    response: Response
    round: Round
    commune_code: int | None  # the owner's commune now
    answers: list[Answer]
    presser: int | None  # the person at the presser's address; None: nobody, or none given

    @property
    def owner(self) -> int:
        """The person whose response it is."""
        return self.response.resident_id


_OWNED = (
    f"SELECT {response_columns('r')}, p.commune_code, {surveys_db.round_columns('o')}, "
    "(SELECT resident_id FROM addresses WHERE channel = ? AND address = ?), "
    f"{answers_json('r.id')} FROM responses r "
    "JOIN residents p ON p.id = r.resident_id JOIN rounds o ON o.id = r.round_id WHERE r.id = ?"
)


def get_with_owner(
    conn: sqlite3.Connection, response_id: int, presser: Address | None = None
) -> Owned | None:
    """A response, its round, its owner and their current commune, its answers and, given the
    presser's address, the person it belongs to: everything a tap is checked against, in one
    trip to the database thread (run there: Database.read). One row, the answers folded into
    it (answers_json)."""
    cur = conn.cursor()
    cur.row_factory = None
    channel, address = (presser.channel.value, presser.address) if presser else (None, None)
    row = cur.execute(_OWNED, (channel, address, response_id)).fetchone()
    if row is None:
        return None
    at = len(RESPONSE_FIELDS)  # then the owner's commune, the round, the presser, the answers
    round_ = surveys_db.round_of(row[at + 1 : -2])
    found, stored = row[-2:]
    return Owned(response_of(row[:at]), round_, row[at], answers_from_json(stored), found)
