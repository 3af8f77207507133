"""Broadcasts and the audience queries that pick their recipients.

Their delivery rows, one per recipient, are in storage.deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts

ACTIVE = ("scheduled", "running", "paused")
Connection = aiosqlite.Connection


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    round_id: int
    commune_code: int
    kind: str  # 'invite' | 'reminder' | 'result'
    audience: str  # 'all' | 'village' | 'nonrespondents'
    audience_ref: int | None
    status: str  # see surveys.broadcasts.BroadcastStatus
    starts_at: datetime
    resume_at: datetime | None
    launch_key: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress_chat: int | None
    progress_msg: int | None
    held_at: datetime | None = None  # paused by staff until they resume it


_SELECT = (
    "SELECT id, round_id, commune_code, kind, audience, audience_ref, status, starts_at, "
    "resume_at, launch_key, created_by, created_at, started_at, finished_at, progress_chat, "
    "progress_msg, held_at FROM broadcasts"
)


def _row(r: aiosqlite.Row) -> BroadcastRow:
    return BroadcastRow(
        r["id"],
        r["round_id"],
        r["commune_code"],
        r["kind"],
        r["audience"],
        r["audience_ref"],
        r["status"],
        dt_req(r["starts_at"]),
        dt(r["resume_at"]),
        r["launch_key"],
        r["created_by"],
        dt_req(r["created_at"]),
        dt(r["started_at"]),
        dt(r["finished_at"]),
        r["progress_chat"],
        r["progress_msg"],
        dt(r["held_at"]),
    )


def audience_sql(kind: str, audience: str) -> str:
    """Residents of the commune a broadcast goes to; subscribed ones only.

    Arguments, in order: commune, then round (reminder, result), then audience_ref (village,
    nonrespondents).
    """
    where = ["r.commune_code = ?", "r.stopped_at IS NULL"]
    if kind == "reminder":
        where.append(
            "NOT EXISTS (SELECT 1 FROM responses p WHERE p.round_id = ? "
            "AND p.resident_id = r.id AND p.completed_at IS NOT NULL)"
        )
    elif kind == "result":
        where.append(
            "EXISTS (SELECT 1 FROM responses p WHERE p.round_id = ? AND p.resident_id = r.id)"
        )
    if audience == "village":
        where.append("r.village_id = ?")
    elif audience == "nonrespondents":
        where.append(
            "NOT EXISTS (SELECT 1 FROM responses q WHERE q.round_id = ? "
            "AND q.resident_id = r.id AND q.completed_at IS NOT NULL)"
        )
    return " AND ".join(where)


def audience_args(
    kind: str, audience: str, commune: int, round_id: int, ref: int | None
) -> list[object]:
    args: list[object] = [commune]
    if kind in ("reminder", "result"):
        args.append(round_id)
    if audience in ("village", "nonrespondents"):
        args.append(ref)
    return args


async def count_audience(
    conn: aiosqlite.Connection,
    kind: str,
    audience: str,
    commune: int,
    round_id: int,
    ref: int | None,
) -> int:
    return await sql.scalar(
        conn,
        f"SELECT count(*) FROM residents r WHERE {audience_sql(kind, audience)}",
        audience_args(kind, audience, commune, round_id, ref),
    )


async def insert_broadcast(
    conn: aiosqlite.Connection,
    *,
    round_id: int,
    commune_code: int,
    kind: str,
    audience: str,
    audience_ref: int | None,
    starts_at: datetime,
    launch_key: str,
    created_by: str,
    now: datetime,
) -> tuple[int, bool]:
    """(id, created): a launch key already used returns the existing broadcast's id."""
    cur = await conn.execute(
        "INSERT INTO broadcasts(round_id, commune_code, kind, audience, audience_ref, status, "
        "starts_at, launch_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'scheduled', "
        "?, ?, ?, ?) ON CONFLICT(launch_key) DO NOTHING",
        (
            round_id,
            commune_code,
            kind,
            audience,
            audience_ref,
            ts(starts_at),
            launch_key,
            created_by,
            ts(now),
        ),
    )
    if cur.rowcount == 1:
        return int(cur.lastrowid or 0), True
    existing = await sql.scalar(
        conn, "SELECT id FROM broadcasts WHERE launch_key = ?", (launch_key,)
    )
    return existing, False


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> BroadcastRow | None:
    row = await sql.one(conn, f"{_SELECT} WHERE id = ?", (broadcast_id,))
    return _row(row) if row else None


async def list_for(
    conn: aiosqlite.Connection, *, commune: int | None = None, round_id: int | None = None
) -> list[BroadcastRow]:
    where, args = [], []
    if commune is not None:
        where.append("commune_code = ?")
        args.append(commune)
    if round_id is not None:
        where.append("round_id = ?")
        args.append(round_id)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return [_row(r) for r in await sql.rows(conn, f"{_SELECT}{clause} ORDER BY id", args)]


async def list_active(conn: aiosqlite.Connection) -> list[BroadcastRow]:
    marks = ", ".join("?" * len(ACTIVE))
    rows = await sql.rows(conn, f"{_SELECT} WHERE status IN ({marks}) ORDER BY id", ACTIVE)
    return [_row(r) for r in rows]


async def set_status(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    status: str,
    now: datetime,
    *,
    resume_at: datetime | None = None,
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET status = ?, resume_at = ?, "
        "started_at = CASE WHEN ? = 'running' THEN coalesce(started_at, ?) ELSE started_at END, "
        "finished_at = CASE WHEN ? IN ('done', 'cancelled', 'expired') THEN ? ELSE NULL END "
        "WHERE id = ?",
        (
            status,
            ts(resume_at) if resume_at else None,
            status,
            ts(now),
            status,
            ts(now),
            broadcast_id,
        ),
    )


async def cancel_if_scheduled(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
    """Cancels a broadcast that has not started; its queued rows become skipped."""
    cur = await conn.execute(
        "UPDATE broadcasts SET status = 'cancelled', finished_at = ? "
        "WHERE id = ? AND status = 'scheduled'",
        (ts(now), broadcast_id),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute(
        "UPDATE deliveries SET state = 'skipped', detail = 'cancelled', updated_at = ? "
        "WHERE broadcast_id = ? AND state = 'queued'",
        (ts(now), broadcast_id),
    )
    return True


async def set_progress_message(
    conn: aiosqlite.Connection, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET progress_chat = ?, progress_msg = ? WHERE id = ?",
        (chat_id, message_id, broadcast_id),
    )


async def hold(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
    """Staff pause a broadcast that is sending or waiting out quiet hours; False otherwise."""
    cur = await conn.execute(
        "UPDATE broadcasts SET held_at = ? WHERE id = ? AND held_at IS NULL "
        "AND status IN ('running', 'paused')",
        (ts(now), broadcast_id),
    )
    return cur.rowcount == 1


async def release(conn: aiosqlite.Connection, broadcast_id: int) -> bool:
    """Staff resume a broadcast they paused; False when it is not held (or has ended)."""
    cur = await conn.execute(
        "UPDATE broadcasts SET held_at = NULL WHERE id = ? AND held_at IS NOT NULL "
        "AND status IN ('running', 'paused')",
        (broadcast_id,),
    )
    return cur.rowcount == 1


async def is_held(conn: aiosqlite.Connection, broadcast_id: int) -> bool:
    return bool(
        await sql.scalar(
            conn, "SELECT held_at IS NOT NULL FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
    )


async def finish(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
    """Marks the broadcast done, unless a row still waits or is in flight (then False)."""
    cur = await conn.execute(
        "UPDATE broadcasts SET status = 'done', resume_at = NULL, finished_at = ? "
        "WHERE id = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = ? "
        "AND state IN ('queued', 'sending'))",
        (ts(now), broadcast_id, broadcast_id),
    )
    return cur.rowcount == 1


async def set_stopped(
    conn: aiosqlite.Connection, person_id: int, stopped_at: datetime | None
) -> bool:
    """/stop sets the time, /start clears it; False when the person is not a resident."""
    cur = await conn.execute(
        "UPDATE residents SET stopped_at = ? WHERE id = ? AND commune_code IS NOT NULL",
        (ts(stopped_at) if stopped_at else None, person_id),
    )
    return cur.rowcount == 1


async def count_kind(conn: aiosqlite.Connection, round_id: int, kind: str) -> int:
    return await sql.scalar(
        conn,
        "SELECT count(*) FROM broadcasts WHERE round_id = ? AND kind = ? AND status != 'cancelled'",
        (round_id, kind),
    )


async def get_by_key(conn: aiosqlite.Connection, launch_key: str) -> BroadcastRow | None:
    row = await sql.one(conn, f"{_SELECT} WHERE launch_key = ?", (launch_key,))
    return _row(row) if row else None


async def expire(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> None:
    """The round closed: rows not yet sent are skipped and the broadcast ends."""
    await conn.execute(
        "UPDATE deliveries SET state = 'skipped', detail = 'round closed', updated_at = ? "
        "WHERE broadcast_id = ? AND state IN ('queued', 'sending')",
        (ts(now), broadcast_id),
    )
    await set_status(conn, broadcast_id, "expired", now)
