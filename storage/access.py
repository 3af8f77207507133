"""Role grants and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import AuditEntry, Grant, dt, dt_req, ts

_GRANT = (
    "SELECT id, resident_id, role, commune_code, province_code, granted_at, granted_by, "
    "revoked_at, (SELECT address FROM addresses a WHERE a.resident_id = grants.resident_id "
    "AND a.channel = 'telegram' ORDER BY address LIMIT 1) AS telegram_id FROM grants"
)


def _grant(r: aiosqlite.Row) -> Grant:
    return Grant(
        r["id"],
        r["resident_id"],
        r["role"],
        r["commune_code"],
        r["province_code"],
        dt_req(r["granted_at"]),
        r["granted_by"],
        dt(r["revoked_at"]),
        int(r["telegram_id"]) if r["telegram_id"] is not None else None,
    )


async def active_grants(conn: aiosqlite.Connection, person_id: int) -> list[Grant]:
    found = await sql.rows(
        conn, f"{_GRANT} WHERE resident_id = ? AND revoked_at IS NULL ORDER BY id", (person_id,)
    )
    return [_grant(r) for r in found]


async def ever_granted(conn: aiosqlite.Connection, person_id: int) -> bool:
    """Whether the person holds or ever held a grant (revoked included)."""
    return bool(
        await sql.scalar(conn, "SELECT count(*) FROM grants WHERE resident_id = ?", (person_id,))
    )


async def all_grants(conn: aiosqlite.Connection, *, include_revoked: bool = False) -> list[Grant]:
    where = "" if include_revoked else " WHERE revoked_at IS NULL"
    return [_grant(r) for r in await sql.rows(conn, f"{_GRANT}{where} ORDER BY id")]


async def get_grant(conn: aiosqlite.Connection, grant_id: int) -> Grant | None:
    row = await sql.one(conn, f"{_GRANT} WHERE id = ?", (grant_id,))
    return _grant(row) if row else None


async def insert_grant(
    conn: aiosqlite.Connection,
    person_id: int,
    role: str,
    *,
    commune_code: int | None,
    province_code: int | None,
    granted_by: str,
    now: datetime,
) -> int:
    """Adds a grant unless the same active one exists; returns its id either way."""
    existing = await sql.one(
        conn,
        "SELECT id FROM grants WHERE resident_id = ? AND role = ? AND revoked_at IS NULL "
        "AND commune_code IS ? AND province_code IS ?",
        (person_id, role, commune_code, province_code),
    )
    if existing is not None:
        return int(existing["id"])
    cur = await conn.execute(
        "INSERT INTO grants(resident_id, role, commune_code, province_code, granted_at, "
        "granted_by) VALUES (?, ?, ?, ?, ?, ?)",
        (person_id, role, commune_code, province_code, ts(now), granted_by),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def revoke_grant(conn: aiosqlite.Connection, grant_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (ts(now), grant_id)
    )
    return cur.rowcount == 1


async def append_audit(
    conn: aiosqlite.Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    commune_code: int | None,
    province_code: int | None,
    outcome: str,
    detail: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO audit_log(at, actor, action, commune_code, province_code, outcome, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ts(at), actor, action, commune_code, province_code, outcome, detail),
    )


async def count_resident_action(
    conn: aiosqlite.Connection, day: str, action: str, outcome: str
) -> None:
    await conn.execute(
        "INSERT INTO resident_actions(day, action, outcome, n) VALUES (?, ?, ?, 1) "
        "ON CONFLICT DO UPDATE SET n = n + 1",
        (day, action, outcome),
    )


async def resident_actions(
    conn: aiosqlite.Connection, since: str = ""
) -> list[tuple[str, str, str, int]]:
    """(day, action, outcome, how many) of residents' counted actions from `since` on."""
    rows = await sql.rows(
        conn,
        "SELECT day, action, outcome, n FROM resident_actions WHERE day >= ? ORDER BY 1, 2, 3",
        (since,),
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


async def audit_entries(
    conn: aiosqlite.Connection, since: datetime | None = None, limit: int = 1000
) -> list[AuditEntry]:
    found = await sql.rows(
        conn,
        "SELECT id, at, actor, action, commune_code, province_code, outcome, detail "
        "FROM audit_log WHERE at >= ? ORDER BY id LIMIT ?",
        (ts(since) if since else "", limit),
    )
    return [
        AuditEntry(
            r["id"],
            dt_req(r["at"]),
            r["actor"],
            r["action"],
            r["commune_code"],
            r["province_code"],
            r["outcome"],
            r["detail"],
        )
        for r in found
    ]
