"""Score aggregates kept by triggers (migration *_scores.sql), their rebuild, and the naive reads.

Every summary reads `score_counts`, `village_counts` and `commune_counts`; the GROUP BY over
`answers` here (`naive_*`) exists only for `rebuild` and for the benchmark to compare against.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import aiosqlite

from storage import sql
from storage.db import Database

Pause = Callable[[float], Awaitable[None]]

Counts = dict[str, dict[int, int]]  # question id -> stored value -> answers


async def _tuples(conn: aiosqlite.Connection, query: str, args: Sequence[Any]) -> list[Any]:
    """Plain tuples: a province table reads thousands of rows, and Row objects cost 2x."""
    async with conn.execute(query, args) as cur:
        cur.row_factory = None
        return list(await cur.fetchall())


async def _where_in(
    conn: aiosqlite.Connection, query: str, values: Sequence[Any], size: int = 500
) -> list[Any]:
    """Tuples of `query` (with `{marks}` where the IN list goes) for every value, read in chunks
    below SQLite's limit on bound parameters."""
    found: list[Any] = []
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        marks = ", ".join("?" for _ in chunk)
        found += await _tuples(conn, query.format(marks=marks), chunk)
    return found


async def round_counts(conn: aiosqlite.Connection, round_id: int) -> Counts:
    """question id -> {value -> answers} of one round, from the maintained aggregate."""
    counts: Counts = {}
    for row in await sql.rows(
        conn, "SELECT question_id, value, n FROM score_counts WHERE round_id = ?", (round_id,)
    ):
        counts.setdefault(row[0], {})[row[1]] = row[2]
    return counts


async def village_counts(conn: aiosqlite.Connection, round_id: int) -> dict[int, Counts]:
    """village id (0: none chosen) -> counts, for the per-village rows."""
    out: dict[int, Counts] = {}
    for row in await sql.rows(
        conn,
        "SELECT village_id, question_id, value, n FROM village_counts WHERE round_id = ?",
        (round_id,),
    ):
        out.setdefault(row[0], {}).setdefault(row[1], {})[row[2]] = row[3]
    return out


def _columns(values: Sequence[int], prefix: str = "") -> str:
    """The question_values columns (v0, v1, ...) holding the counts of `values`."""
    return ", ".join(f"{prefix}v{int(v)}" for v in values)


async def question_counts(
    conn: aiosqlite.Connection, pairs: Sequence[tuple[int, str]], values: Sequence[int]
) -> dict[int, dict[int, int]]:
    """round id -> {value -> answers} of one question per round (the overall one, for tables),
    from question_values: one row per round; `values` are the stored values to read."""
    out: dict[int, dict[int, int]] = {}
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        marks = ", ".join("(?, ?)" for _ in chunk)
        args = [x for pair in chunk for x in pair]
        for row in await _tuples(
            conn,
            f"WITH wanted(r, q) AS (VALUES {marks}) SELECT s.round_id, {_columns(values, 's.')} "
            f"FROM wanted JOIN question_values s "
            f"ON s.round_id = wanted.r AND s.question_id = wanted.q",
            args,
        ):
            out[row[0]] = {value: n for value, n in zip(values, row[1:], strict=True) if n}
    return out


async def question_values(
    conn: aiosqlite.Connection, round_ids: Sequence[int], values: Sequence[int]
) -> dict[int, dict[str, tuple[int, ...]]]:
    """round id -> question id -> (answers, answers of each of `values` in turn), one row each."""
    out: dict[int, dict[str, tuple[int, ...]]] = {}
    for row in await _where_in(
        conn,
        f"SELECT round_id, question_id, n, {_columns(values)} FROM question_values "
        "WHERE round_id IN ({marks})",
        round_ids,
    ):
        out.setdefault(row[0], {})[row[1]] = row[2:]
    return out


async def value_columns(conn: aiosqlite.Connection) -> list[int]:
    """The stored values question_values keeps a count of (its columns v0, v1, ...)."""
    found = await sql.rows(conn, "SELECT name FROM pragma_table_info('question_values')")
    return sorted(int(r[0][1:]) for r in found if r[0][:1] == "v" and r[0][1:].isdigit())


async def provinces_of(conn: aiosqlite.Connection, communes: Sequence[int]) -> dict[int, int]:
    """commune code -> province code."""
    wanted = set(communes)
    rows = await sql.rows(conn, "SELECT code, province_code FROM communes")
    return {row[0]: row[1] for row in rows if row[0] in wanted}


async def units(conn: aiosqlite.Connection, communes: Iterable[int]) -> dict[int, tuple[int, int]]:
    """commune code -> (issued households, residents outside any household); none: absent."""
    found = await _where_in(
        conn,
        "SELECT commune_code, households, residents FROM commune_counts "
        "WHERE commune_code IN ({marks})",
        list(communes),
    )
    return {row[0]: (row[1], row[2]) for row in found}


async def channel_counts(conn: aiosqlite.Connection, round_id: int) -> dict[str, int]:
    """channel ('chat', 'web', 'zalo', 'paper') -> the round's counted responses that came
    through it (one per household, as every other figure)."""
    found = await sql.rows(
        conn,
        "SELECT channel, count(*) FROM responses WHERE round_id = ? AND counted "
        "GROUP BY channel ORDER BY channel",
        (round_id,),
    )
    return {str(r[0]): int(r[1]) for r in found}


async def registered(conn: aiosqlite.Connection, communes: Iterable[int]) -> dict[int, int]:
    """commune code -> the units it is judged on: issued households plus residents outside."""
    return {code: h + r for code, (h, r) in (await units(conn, communes)).items()}


async def latest_rounds(
    conn: aiosqlite.Connection, province_code: int | None, survey_id: str | None = None
) -> list[tuple[int, int, str]]:
    """(commune code, round id, survey id) of each commune's newest round, in a province or all."""
    where: list[str] = []
    args: list[object] = []
    if province_code is not None:
        where.append("c.province_code = ?")
        args.append(province_code)
    if survey_id is not None:
        where.append("r.survey_id = ?")
        args.append(survey_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    found = await sql.rows(
        conn,
        f"SELECT r.commune_code, max(r.id) AS round_id FROM rounds r "
        f"JOIN communes c ON c.code = r.commune_code {clause} GROUP BY r.commune_code",
        args,
    )
    ids = [row[1] for row in found]
    surveys = dict(
        await _where_in(conn, "SELECT id, survey_id FROM rounds WHERE id IN ({marks})", ids)
    )
    return [(row[0], row[1], surveys[row[1]]) for row in found]


async def comments(conn: aiosqlite.Connection, round_id: int, question_id: str) -> list[str]:
    """The typed comments of one round, without who wrote them, in no meaningful order."""
    found = await sql.rows(
        conn,
        "SELECT a.value_text FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.round_id = ? AND a.question_id = ? AND a.skipped = 0 "
        "AND a.value_text IS NOT NULL ORDER BY a.value_text",
        (round_id, question_id),
    )
    return [row[0] for row in found]


async def pseudonymous_answers(
    conn: aiosqlite.Connection, round_id: int
) -> list[tuple[int, int, str, int | None, int]]:
    """(resident id, village id or 0, question id, value, skipped) of a round's counted coded
    answers (the responses the scores count)."""
    found = await sql.rows(
        conn,
        "SELECT r.resident_id, coalesce(r.village_id, 0), a.question_id, a.value_int, a.skipped "
        "FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.round_id = ? AND r.counted = 1 AND a.value_text IS NULL "
        "ORDER BY r.resident_id, a.question_id",
        (round_id,),
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in found]


# One round's aggregates rebuilt from its answers (arguments: the round id, once per `?`);
# whether a response counts is the rule of the view household_pick (*_counted_rule.sql).
_ROUND_REBUILD = (
    "UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id) "
    "WHERE round_id = ?",
    "DELETE FROM score_counts WHERE round_id = ?",
    "DELETE FROM village_counts WHERE round_id = ?",
    "INSERT INTO score_counts(round_id, question_id, value, n) "
    "SELECT r.round_id, a.question_id, a.value_int, count(*) FROM answers a "
    "JOIN responses r ON r.id = a.response_id WHERE r.round_id = ? "
    "AND r.counted = 1 AND a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3",
    "INSERT INTO village_counts(round_id, village_id, question_id, value, n) "
    "SELECT r.round_id, coalesce(r.village_id, 0), a.question_id, a.value_int, count(*) "
    "FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.round_id = ? "
    "AND r.counted = 1 AND a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3, 4",
    # the triggers on score_counts have kept question_values in step; recomputed all the same
    "DELETE FROM question_values WHERE round_id = ?",
)


def _values_rebuild(values: Sequence[int]) -> str:
    """question_values of one round from its score_counts, one column per stored value."""
    sums = ", ".join(f"sum((value = {int(v)}) * n)" for v in values)
    return (
        f"INSERT INTO question_values(round_id, question_id, n, {_columns(values)}) "
        f"SELECT round_id, question_id, sum(n), {sums} FROM score_counts WHERE round_id = ? "
        "GROUP BY 1, 2"
    )


_COMMUNES_REBUILD = (
    "DELETE FROM commune_counts",
    "INSERT INTO commune_counts(commune_code, residents, households) "
    "SELECT code, sum(residents), sum(households) FROM ("
    "SELECT commune_code AS code, 1 AS residents, 0 AS households FROM residents "
    "WHERE commune_code IS NOT NULL AND household_id IS NULL "
    "UNION ALL SELECT commune_code, 0, 1 FROM households) GROUP BY code",
)
_EVERY_ROUND = (
    "SELECT id FROM rounds UNION SELECT round_id FROM responses "
    "UNION SELECT round_id FROM score_counts UNION SELECT round_id FROM village_counts "
    "UNION SELECT round_id FROM question_values ORDER BY 1"
)
CHUNK_SECONDS = 0.05  # work per write transaction before the writer is handed back


async def rebuild(
    db: Database, *, pause: Pause = asyncio.sleep, chunk_seconds: float = CHUNK_SECONDS
) -> int:
    """Recomputes every aggregate from the stored answers; returns the answers counted.

    A round's aggregates depend on that round's answers only, so each round is rebuilt in
    its own short transaction (readers see a round's old or new aggregates, never neither),
    several small rounds per transaction up to about `chunk_seconds` of work; between two,
    the write lock is handed back for as long as the chunk held it, so the bot answering
    residents meanwhile waits a chunk at most, never the whole rebuild. Answers stored
    between chunks are kept by the triggers, so the result equals a rebuild in one go.
    """
    rounds = [r[0] for r in await sql.rows(db.conn, _EVERY_ROUND)]
    statements = (*_ROUND_REBUILD, _values_rebuild(await value_columns(db.conn)))
    at = 0
    while at < len(rounds):
        began = time.monotonic()
        async with db.transaction() as conn:
            if at == 0:
                for statement in _COMMUNES_REBUILD:
                    await conn.execute(statement)
            while at < len(rounds):
                for statement in statements:
                    await conn.execute(statement, (rounds[at],) * statement.count("?"))
                at += 1
                if time.monotonic() - began >= chunk_seconds:
                    break
        if at < len(rounds):
            await pause(max(0.005, time.monotonic() - began))
    return await sql.scalar(db.conn, "SELECT coalesce(sum(n), 0) FROM score_counts")


async def dump(conn: aiosqlite.Connection) -> dict[str, list[tuple[int | str, ...]]]:
    """Every non-zero aggregate row, sorted: what a rebuild must reproduce exactly."""
    out: dict[str, list[tuple[int | str, ...]]] = {}
    for table, column in (
        ("score_counts", "n"),
        ("village_counts", "n"),
        ("commune_counts", "residents + households"),
        ("question_values", "n"),
        ("responses", "counted"),
    ):
        what = "id" if table == "responses" else "*"
        rows = await sql.rows(conn, f"SELECT {what} FROM {table} WHERE {column} > 0")
        out[table] = sorted(tuple(r) for r in rows)
    return out


async def naive_round_counts(conn: aiosqlite.Connection, round_ids: Sequence[int]) -> int:
    """The GROUP BY over answers a summary would run without aggregates (benchmark baseline)."""
    marks = ", ".join("?" for _ in round_ids)
    found = await sql.rows(
        conn,
        f"SELECT r.round_id, a.question_id, a.value_int, count(*) FROM answers a "
        f"JOIN responses r ON r.id = a.response_id WHERE r.round_id IN ({marks}) "
        f"AND a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3",
        list(round_ids),
    )
    return len(found)


async def round_starts(
    conn: aiosqlite.Connection, communes: Sequence[int]
) -> list[tuple[int, int, str]]:
    """(round id, commune code, opens_at) of every round of the communes, for their numbers."""
    return await _where_in(
        conn,
        "SELECT id, commune_code, opens_at FROM rounds WHERE commune_code IN ({marks})",
        list(communes),
    )
