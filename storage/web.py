"""The web e-sheet's tables: browser sessions, wrong-code lockouts, final submits."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from storage import people as people_db
from storage import sql
from storage.households import Household
from storage.people import Channel
from storage.records import dt, ts

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


async def session_household(conn: aiosqlite.Connection, token_hash: str) -> int | None:
    """The household a browser session is bound to, or None."""
    row = await sql.one(
        conn, "SELECT household_id FROM web_sessions WHERE token_hash = ?", (token_hash,)
    )
    return None if row is None or row[0] is None else int(row[0])


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


async def submitted(conn: aiosqlite.Connection, response_id: int) -> bool:
    return bool(
        await sql.scalar(
            conn, "SELECT count(*) FROM web_submits WHERE response_id = ?", (response_id,)
        )
    )


async def household(conn: aiosqlite.Connection, household_id: int) -> Household | None:
    row = await sql.one(
        conn,
        "SELECT id, commune_code, village_id, code FROM households WHERE id = ?",
        (household_id,),
    )
    return Household(row[0], row[1], row[2], row[3]) if row else None


async def hold_of(conn: aiosqlite.Connection, response_id: int) -> str | None:
    """The response's hold (migration 0018): None, 'conflict' (a paper sheet counts, this one
    waits for staff) or 'set_aside' (staff counted the household's sheet on another channel)."""
    row = await sql.one(conn, "SELECT hold FROM responses WHERE id = ?", (response_id,))
    return row[0] if row else None


async def tapped_response(
    conn: aiosqlite.Connection, round_id: int, member: int
) -> tuple[int, str | None] | None:
    """(id, hold) of the web answerer's response in the round, in one read (the tap's path)."""
    row = await sql.one(
        conn,
        "SELECT id, hold FROM responses WHERE round_id = ? AND resident_id = ?",
        (round_id, member),
    )
    return (int(row[0]), row[1]) if row else None
