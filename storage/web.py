"""The web e-sheet's tables: browser sessions, wrong-code lockouts, final submits."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage import communes as communes_db
from storage import people as people_db
from storage import responses as responses_db
from storage import sql
from storage import surveys as surveys_db
from storage.households import Household
from storage.people import Channel
from storage.records import Answer, Commune, Response, Round, dt, ts

# The household's web answerer: one stand-in member per household, shared by its browsers,
# reached at the address ('web', household id) (storage.people). Its responses are recorded
# with channel 'web', so the hold rule (migration 0018) treats it as a member's answer: a web
# sheet after a complete paper sheet is held for staff.


async def web_member_of(conn: aiosqlite.Connection, household: Household) -> int | None:
    """The household's web answerer (its person id); None before its first web sheet."""
    return await people_db.person_for(conn, Channel.WEB, str(household.id), create=False)


async def web_member(conn: aiosqlite.Connection, household: Household, now: datetime) -> int:
    """The household's web answerer (never messaged: stopped), made on its first web sheet
    (call inside a transaction); its person id."""
    found = await web_member_of(conn, household)
    if found is not None:
        return found
    person = await people_db.person_for(conn, Channel.WEB, str(household.id), create=True, now=now)
    assert person is not None
    await conn.execute(
        "UPDATE residents SET commune_code = ?, village_id = ?, household_id = ?, stopped_at = ? "
        "WHERE id = ?",
        (household.commune_code, household.village_id, household.id, ts(now), person),
    )
    return person


@dataclass(frozen=True)
class Started:
    """The web answerer's response in a round, as its pages show it."""

    response: Response
    answers: list[Answer]
    submitted: bool
    hold: str | None  # migration 0015: 'conflict' while a paper sheet counts instead


@dataclass(frozen=True)
class Visit:
    """All an e-sheet page needs, read in one trip to the database thread."""

    household: Household
    member: int | None  # the web answerer, once the household started a web sheet
    commune: Commune | None
    round: Round | None  # the commune's current round (storage.surveys.current_rounds)
    started: Started | None  # the answerer's response in that round


# The household of a browser session, its web answerer, the commune's current round and the
# answerer's response in it with its answers: one row, one statement (every tap reads it).
_ROUND_AT = 5  # where the round's columns start
_RESPONSE_AT = _ROUND_AT + len(surveys_db.ROUND_FIELDS)
_VISIT = (
    "SELECT h.id, h.commune_code, h.village_id, h.code, a.resident_id, "
    f"{surveys_db.round_columns('o')}, {responses_db.response_columns('r')}, r.hold, "
    "EXISTS (SELECT 1 FROM web_submits w WHERE w.response_id = r.id), "
    f"{responses_db.answers_json('r.id')} "
    "FROM web_sessions s JOIN households h ON h.id = s.household_id "
    f"LEFT JOIN addresses a ON a.channel = '{Channel.WEB.value}' "
    "AND a.address = CAST(h.id AS TEXT) "
    f"LEFT JOIN rounds o ON o.id = ({surveys_db.current_round_id('h.commune_code')}) "
    "LEFT JOIN responses r ON r.round_id = o.id AND r.resident_id = a.resident_id "
    "WHERE s.token_hash = ?"
)


def visit(
    conn: sqlite3.Connection, token_hash: str, now: datetime, with_commune: bool = True
) -> Visit | None:
    """What the browser's household page shows, in one trip (Database.read); a tap, which
    shows nothing, reads no commune."""
    cur = conn.cursor()
    cur.row_factory = None
    stamp = ts(now)
    row = cur.execute(_VISIT, (stamp, stamp, token_hash)).fetchone()
    if row is None:
        return None
    household, member = Household(*row[:4]), row[4]
    commune = communes_db.get_commune_in(conn, household.commune_code) if with_commune else None
    round_ = None if row[_ROUND_AT] is None else surveys_db.round_of(row[_ROUND_AT:_RESPONSE_AT])
    started = None
    if row[_RESPONSE_AT] is not None:
        hold, submitted, answers = row[-3:]
        response = responses_db.response_of(row[_RESPONSE_AT:-3])
        started = Started(response, responses_db.answers_from_json(answers), bool(submitted), hold)
    return Visit(household, member, commune, round_, started)


async def bind_session(
    conn: aiosqlite.Connection, token_hash: str, household_id: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO web_sessions(token_hash, household_id, created_at, seen_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(token_hash) DO UPDATE SET "
        "household_id = excluded.household_id, seen_at = excluded.seen_at",
        (token_hash, household_id, ts(now), ts(now)),
    )


async def drop_sessions_before(conn: aiosqlite.Connection, before: datetime) -> int:
    cur = await conn.execute("DELETE FROM web_sessions WHERE seen_at < ?", (ts(before),))
    return cur.rowcount


async def locked_until(
    conn: aiosqlite.Connection, scope: str, key: str, now: datetime
) -> datetime | None:
    """When the lockout of a browser or commune ends, if it is locked now."""
    row = await sql.one(
        conn, "SELECT locked_until FROM web_failures WHERE scope = ? AND key = ?", (scope, key)
    )
    until = dt(row[0]) if row is not None else None
    return until if until is not None and until > now else None


async def record_failure(
    conn: aiosqlite.Connection,
    scope: str,
    key: str,
    now: datetime,
    *,
    window: timedelta,
    limit: int,
    lock_for: timedelta,
) -> datetime | None:
    """Counts one wrong code; returns the end of the lockout when this one reached the limit.
    A window older than `window` starts again at one."""
    row = await sql.one(
        conn,
        "SELECT window_start, failures FROM web_failures WHERE scope = ? AND key = ?",
        (scope, key),
    )
    fresh = row is None or (dt(row[0]) or now) + window <= now
    failures = 1 if fresh or row is None else int(row[1]) + 1
    start = now if fresh or row is None else dt(row[0]) or now
    until = now + lock_for if failures >= limit else None
    await conn.execute(
        "INSERT INTO web_failures(scope, key, window_start, failures, locked_until) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET "
        "window_start = excluded.window_start, failures = excluded.failures, "
        "locked_until = excluded.locked_until",
        (scope, key, ts(start), failures, ts(until) if until else None),
    )
    return until


async def submit(conn: aiosqlite.Connection, response_id: int, now: datetime) -> bool:
    """Records the final submit; False when it was already recorded (a replay)."""
    cur = await conn.execute(
        "INSERT INTO web_submits(response_id, submitted_at) VALUES (?, ?) "
        "ON CONFLICT(response_id) DO NOTHING",
        (response_id, ts(now)),
    )
    return cur.rowcount == 1
