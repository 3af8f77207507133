"""FAQ categories and entries, residents' asks and feedback, and the communes' question queues."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts


@dataclass(frozen=True)
class FaqCategoryRow:
    """A category as read from categories.toml and as stored (one shape for both)."""

    id: str
    title: str
    order: int


@dataclass(frozen=True)
class FaqEntryRow:
    """An FAQ entry as read from a content file and as stored (one shape for both)."""

    id: str
    category: str
    questions: tuple[str, ...]
    answer: str
    source: str
    reviewed: date
    origin: str  # 'package' (shipped), 'import' (ykien faq import), 'staff' (from an answer)


@dataclass(frozen=True)
class AskRow:
    id: int
    resident_id: int  # the person who typed it
    text: str
    verdict: str
    entry_id: str | None
    asked_at: datetime


@dataclass(frozen=True)
class QuestionRow:
    id: int
    ask_id: int
    commune_code: int
    resident_id: int
    resident_user_id: int | None  # the asker's Telegram id, to send the answer to
    village: str | None
    text: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    entry_id: str | None


async def replace_categories(
    conn: aiosqlite.Connection, categories: Sequence[FaqCategoryRow]
) -> None:
    await conn.executemany(
        "INSERT INTO faq_categories(id, title, ord) VALUES (?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET title = excluded.title, ord = excluded.ord",
        [(c.id, c.title, c.order) for c in categories],
    )


async def list_categories(conn: aiosqlite.Connection) -> list[FaqCategoryRow]:
    found = await sql.rows(conn, "SELECT id, title, ord FROM faq_categories ORDER BY ord, id")
    return [FaqCategoryRow(r["id"], r["title"], r["ord"]) for r in found]


def _entry(r: aiosqlite.Row) -> FaqEntryRow:
    return FaqEntryRow(
        r["id"],
        r["category_id"],
        tuple(json.loads(r["questions"])),
        r["answer"],
        r["source"],
        date.fromisoformat(r["reviewed"]),
        r["origin"],
    )


_ENTRY = "SELECT id, category_id, questions, answer, source, reviewed, origin FROM faq_entries"


async def list_entries(conn: aiosqlite.Connection) -> list[FaqEntryRow]:
    return [_entry(r) for r in await sql.rows(conn, f"{_ENTRY} ORDER BY category_id, id")]


async def delete_unlisted(conn: aiosqlite.Connection, origin: str, keep: Sequence[str]) -> int:
    """Removes the entries of one origin whose id is not in keep (a shipped entry withdrawn)."""
    marks = ", ".join("?" * len(keep)) or "NULL"
    cur = await conn.execute(
        f"DELETE FROM faq_entries WHERE origin = ? AND id NOT IN ({marks})", (origin, *keep)
    )
    return cur.rowcount


async def upsert_entry(
    conn: aiosqlite.Connection, entry: FaqEntryRow, now: datetime, *, keep_other_origins: bool
) -> bool:
    """Writes an entry; with keep_other_origins, only rows of the same origin are replaced.

    An unchanged entry is left alone, so updated_at says when its content last changed (a
    restart that syncs the shipped FAQ touches nothing).
    """
    columns = ("category_id", "questions", "answer", "source", "reviewed", "origin")
    old = ", ".join(f"faq_entries.{c}" for c in columns)
    new = ", ".join(f"excluded.{c}" for c in columns)
    changed = f"({old}) IS NOT ({new})"
    guard = f"WHERE {changed}"
    if keep_other_origins:
        guard += " AND faq_entries.origin = excluded.origin"
    cur = await conn.execute(
        "INSERT INTO faq_entries(id, category_id, questions, answer, source, reviewed, origin, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "category_id = excluded.category_id, questions = excluded.questions, "
        "answer = excluded.answer, source = excluded.source, reviewed = excluded.reviewed, "
        f"origin = excluded.origin, updated_at = excluded.updated_at {guard}",
        (
            entry.id,
            entry.category,
            json.dumps(list(entry.questions), ensure_ascii=False),
            entry.answer,
            entry.source,
            entry.reviewed.isoformat(),
            entry.origin,
            ts(now),
        ),
    )
    return cur.rowcount > 0


async def insert_ask(
    conn: aiosqlite.Connection,
    user_id: int,
    text: str,
    verdict: str,
    entry_id: str | None,
    now: datetime,
) -> int:
    cur = await conn.execute(
        "INSERT INTO faq_asks(resident_id, text, verdict, entry_id, asked_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (user_id, text, verdict, entry_id, ts(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get_ask(conn: aiosqlite.Connection, ask_id: int) -> AskRow | None:
    r = await sql.one(
        conn,
        "SELECT id, resident_id, text, verdict, entry_id, asked_at FROM faq_asks WHERE id = ?",
        (ask_id,),
    )
    if r is None:
        return None
    return AskRow(
        r["id"],
        r["resident_id"],
        r["text"],
        r["verdict"],
        r["entry_id"],
        dt_req(r["asked_at"]),
    )


async def set_ask_entry(conn: aiosqlite.Connection, ask_id: int, entry_id: str) -> None:
    await conn.execute("UPDATE faq_asks SET entry_id = ? WHERE id = ?", (entry_id, ask_id))


async def set_feedback(
    conn: aiosqlite.Connection, ask_id: int, entry_id: str, helpful: bool, now: datetime
) -> None:
    """One verdict per answer shown; pressing the other button changes it."""
    await conn.execute(
        "INSERT INTO faq_feedback(ask_id, entry_id, helpful, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(ask_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
        (ask_id, entry_id, int(helpful), ts(now)),
    )


async def unhelpful_counts(conn: aiosqlite.Connection) -> list[tuple[str, int, int]]:
    """(entry id, 👎 count, 👍 count) for entries with at least one 👎, most 👎 first."""
    found = await sql.rows(
        conn,
        "SELECT entry_id, sum(helpful = 0) AS down, sum(helpful = 1) AS up FROM faq_feedback "
        "GROUP BY entry_id HAVING down > 0 ORDER BY down DESC, entry_id",
    )
    return [(r["entry_id"], r["down"], r["up"]) for r in found]


async def unmatched_texts(conn: aiosqlite.Connection, limit: int) -> list[str]:
    found = await sql.rows(
        conn,
        "SELECT text FROM faq_asks WHERE verdict = 'none' ORDER BY asked_at DESC LIMIT ?",
        (limit,),
    )
    return [r["text"] for r in found]


async def insert_question(
    conn: aiosqlite.Connection,
    ask_id: int,
    commune_code: int,
    resident_id: int,
    text: str,
    now: datetime,
) -> int | None:
    """None when this ask was already sent to the commune."""
    cur = await conn.execute(
        "INSERT INTO faq_questions(ask_id, commune_code, resident_id, text, asked_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(ask_id) DO NOTHING",
        (ask_id, commune_code, resident_id, text, ts(now)),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


_QUESTION = (
    "SELECT q.id, q.ask_id, q.commune_code, q.resident_id, a.address AS telegram_id, "
    "v.name AS village, q.text, q.asked_at, q.answer, q.answered_at, q.entry_id "
    "FROM faq_questions q "
    "JOIN residents r ON r.id = q.resident_id LEFT JOIN villages v ON v.id = r.village_id "
    "LEFT JOIN addresses a ON a.resident_id = r.id AND a.channel = 'telegram'"
)


def _question(r: aiosqlite.Row) -> QuestionRow:
    return QuestionRow(
        r["id"],
        r["ask_id"],
        r["commune_code"],
        r["resident_id"],
        int(r["telegram_id"]) if r["telegram_id"] is not None else None,
        r["village"],
        r["text"],
        dt_req(r["asked_at"]),
        r["answer"],
        dt(r["answered_at"]),
        r["entry_id"],
    )


async def get_question(conn: aiosqlite.Connection, question_id: int) -> QuestionRow | None:
    row = await sql.one(conn, f"{_QUESTION} WHERE q.id = ?", (question_id,))
    return _question(row) if row else None


_NOT_SPAM = " AND q.resident_id NOT IN (SELECT resident_id FROM question_spam)"


async def open_questions(
    conn: aiosqlite.Connection, communes: Sequence[int] | None, limit: int
) -> list[QuestionRow]:
    """Unanswered questions, oldest first, without those of senders marked as spam;
    communes=None means every commune."""
    where = "q.answer IS NULL" + _NOT_SPAM
    args: list[object] = []
    if communes is not None:
        where += f" AND q.commune_code IN ({','.join('?' * len(communes))})"
        args.extend(communes)
    found = await sql.rows(
        conn, f"{_QUESTION} WHERE {where} ORDER BY q.asked_at, q.id LIMIT ?", [*args, limit]
    )
    return [_question(r) for r in found]


async def count_open(conn: aiosqlite.Connection, communes: Sequence[int] | None) -> int:
    """How many unanswered questions are waiting (senders marked as spam left out)."""
    where = "q.answer IS NULL" + _NOT_SPAM
    args: list[object] = []
    if communes is not None:
        where += f" AND q.commune_code IN ({','.join('?' * len(communes))})"
        args.extend(communes)
    return await sql.scalar(conn, f"SELECT count(*) FROM faq_questions q WHERE {where}", args)


async def sent_since(conn: aiosqlite.Connection, resident_id: int, since: datetime) -> int:
    """Questions the resident sent to the commune from `since` on."""
    return await sql.scalar(
        conn,
        "SELECT count(*) FROM faq_questions WHERE resident_id = ? AND asked_at >= ?",
        (resident_id, ts(since)),
    )


async def mark_spam(conn: aiosqlite.Connection, resident_id: int, by: int, now: datetime) -> bool:
    """False when the sender was already marked."""
    cur = await conn.execute(
        "INSERT INTO question_spam(resident_id, marked_by, marked_at) VALUES (?, ?, ?) "
        "ON CONFLICT(resident_id) DO NOTHING",
        (resident_id, by, ts(now)),
    )
    return cur.rowcount == 1


async def unmark_spam(conn: aiosqlite.Connection, mark_id: int) -> bool:
    cur = await conn.execute("DELETE FROM question_spam WHERE id = ?", (mark_id,))
    return cur.rowcount == 1


async def spam_marks(conn: aiosqlite.Connection) -> list[tuple[int, int | None, str, int, str]]:
    """(mark id, commune, marked at, questions hidden, marked by) of every mark."""
    rows = await sql.rows(
        conn,
        "SELECT m.id, r.commune_code, m.marked_at, "
        "(SELECT count(*) FROM faq_questions q WHERE q.resident_id = m.resident_id "
        "AND q.answer IS NULL), m.marked_by FROM question_spam m "
        "JOIN residents r ON r.id = m.resident_id ORDER BY m.id",
    )
    return [(int(r[0]), r[1], str(r[2]), int(r[3]), str(r[4])) for r in rows]


async def answer_question(
    conn: aiosqlite.Connection, question_id: int, answer: str, by: int, now: datetime
) -> bool:
    """False when someone answered it first."""
    cur = await conn.execute(
        "UPDATE faq_questions SET answer = ?, answered_by = ?, answered_at = ? "
        "WHERE id = ? AND answer IS NULL",
        (answer, by, ts(now), question_id),
    )
    return cur.rowcount == 1


async def link_question_entry(conn: aiosqlite.Connection, question_id: int, entry_id: str) -> bool:
    cur = await conn.execute(
        "UPDATE faq_questions SET entry_id = ? WHERE id = ? AND entry_id IS NULL",
        (entry_id, question_id),
    )
    return cur.rowcount == 1
