"""One-time invitations (stored by the hash of their token) and the 'menu dirty' marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts

_SELECT = (
    "SELECT id, role, province_code, created_at, expires_at, used_at, used_by, revoked_at "
    "FROM invitations"
)


@dataclass(frozen=True)
class Invitation:
    id: int
    role: str
    province_code: int | None
    communes: tuple[int, ...]
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    revoked_at: datetime | None


async def _invitation(conn: aiosqlite.Connection, r: aiosqlite.Row) -> Invitation:
    communes = await sql.rows(
        conn,
        "SELECT commune_code FROM invitation_communes WHERE invitation_id = ? "
        "ORDER BY commune_code",
        (r["id"],),
    )
    return Invitation(
        r["id"],
        r["role"],
        r["province_code"],
        tuple(int(c[0]) for c in communes),
        dt_req(r["created_at"]),
        dt_req(r["expires_at"]),
        dt(r["used_at"]),
        r["used_by"],
        dt(r["revoked_at"]),
    )


async def insert(
    conn: aiosqlite.Connection,
    *,
    token_hash: str,
    role: str,
    province_code: int | None,
    communes: list[int],
    now: datetime,
    expires_at: datetime,
) -> int:
    cur = await conn.execute(
        "INSERT INTO invitations(token, role, province_code, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (token_hash, role, province_code, ts(now), ts(expires_at)),
    )
    assert cur.lastrowid is not None
    await conn.executemany(
        "INSERT INTO invitation_communes(invitation_id, commune_code) VALUES (?, ?)",
        [(cur.lastrowid, code) for code in communes],
    )
    return cur.lastrowid


async def by_token_hash(conn: aiosqlite.Connection, token_hash: str) -> Invitation | None:
    row = await sql.one(conn, f"{_SELECT} WHERE token = ?", (token_hash,))
    return await _invitation(conn, row) if row else None


async def get(conn: aiosqlite.Connection, invitation_id: int) -> Invitation | None:
    row = await sql.one(conn, f"{_SELECT} WHERE id = ?", (invitation_id,))
    return await _invitation(conn, row) if row else None


async def list_all(conn: aiosqlite.Connection) -> list[Invitation]:
    return [await _invitation(conn, r) for r in await sql.rows(conn, f"{_SELECT} ORDER BY id")]


async def mark_used(
    conn: aiosqlite.Connection, invitation_id: int, user_id: int, grant_id: int, now: datetime
) -> bool:
    """Uses the invitation if it still can be used; False when another press got there first."""
    cur = await conn.execute(
        "UPDATE invitations SET used_at = ?, used_by = ?, grant_id = ? "
        "WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
        (ts(now), user_id, grant_id, invitation_id, ts(now)),
    )
    return cur.rowcount == 1


async def revoke(conn: aiosqlite.Connection, invitation_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE invitations SET revoked_at = ? "
        "WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL",
        (ts(now), invitation_id),
    )
    return cur.rowcount == 1


async def mark_menu_dirty(conn: aiosqlite.Connection, person_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO menu_dirty(resident_id, marked_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (person_id, ts(now)),
    )


async def menu_dirty(conn: aiosqlite.Connection) -> list[int]:
    rows = await sql.rows(conn, "SELECT resident_id FROM menu_dirty ORDER BY 1")
    return [int(r[0]) for r in rows]


async def clear_menu_dirty(conn: aiosqlite.Connection, person_id: int) -> None:
    await conn.execute("DELETE FROM menu_dirty WHERE resident_id = ?", (person_id,))
