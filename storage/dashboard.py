"""The dashboard's tables: one-time sign-in links and signed-in sessions (hashes only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts


@dataclass(frozen=True)
class Holder:
    """Whose link or session it is, and the role a command-line link was made for."""

    person_id: int  # residents.id
    grant_id: int | None
    expires_at: datetime


@dataclass(frozen=True)
class LinkState:
    holder: Holder
    used_at: datetime | None


async def insert_link(
    conn: aiosqlite.Connection,
    secret_hash: str,
    person_id: int,
    grant_id: int | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO dashboard_links(secret_hash, resident_id, grant_id, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?)",
        (secret_hash, person_id, grant_id, ts(now), ts(expires_at)),
    )


async def get_link(conn: aiosqlite.Connection, secret_hash: str) -> LinkState | None:
    row = await sql.one(
        conn,
        "SELECT resident_id, grant_id, expires_at, used_at FROM dashboard_links "
        "WHERE secret_hash = ?",
        (secret_hash,),
    )
    if row is None:
        return None
    return LinkState(Holder(int(row[0]), row[1], dt_req(row[2])), dt(row[3]))


async def use_link(conn: aiosqlite.Connection, secret_hash: str, now: datetime) -> bool:
    """Marks the link used; False when it was used already (or is unknown or expired)."""
    cur = await conn.execute(
        "UPDATE dashboard_links SET used_at = ? "
        "WHERE secret_hash = ? AND used_at IS NULL AND expires_at > ?",
        (ts(now), secret_hash, ts(now)),
    )
    return cur.rowcount == 1


async def insert_session(
    conn: aiosqlite.Connection,
    token_hash: str,
    holder: Holder,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO dashboard_sessions(token_hash, resident_id, grant_id, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?)",
        (token_hash, holder.person_id, holder.grant_id, ts(now), ts(holder.expires_at)),
    )


async def live_session(conn: aiosqlite.Connection, token_hash: str, now: datetime) -> Holder | None:
    """The session's holder while it is neither ended nor expired."""
    row = await sql.one(
        conn,
        "SELECT resident_id, grant_id, expires_at FROM dashboard_sessions "
        "WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?",
        (token_hash, ts(now)),
    )
    return None if row is None else Holder(int(row[0]), row[1], dt_req(row[2]))


async def end_session(conn: aiosqlite.Connection, token_hash: str, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE dashboard_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
        (ts(now), token_hash),
    )
    return cur.rowcount == 1


async def previous_rounds(conn: aiosqlite.Connection, round_ids: list[int]) -> dict[int, int]:
    """round id -> the commune's round of the same survey just before it (those that have one),
    in one query: the province table's "change since the previous round"."""
    if not round_ids:
        return {}
    marks = ", ".join("?" for _ in round_ids)
    found = await sql.rows(
        conn,
        "SELECT r.id, (SELECT max(p.id) FROM rounds p WHERE p.commune_code = r.commune_code "
        f"AND p.survey_id = r.survey_id AND p.id < r.id) FROM rounds r WHERE r.id IN ({marks})",
        round_ids,
    )
    return {int(r[0]): int(r[1]) for r in found if r[1] is not None}
