"""zalo_accounts and zalo_inbox: an OA's credentials and tokens, and the webhook's queue."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req, ts

_COLUMNS = (
    "oa_id, app_id, app_secret, oa_secret, access_token, refresh_token, access_expires_at, "
    "refresh_expires_at, connected_at, refreshed_at, refresh_failed_at, refresh_error, commune_code"
)


@dataclass(frozen=True)
class ZaloAccount:
    """One OA's row; the secrets stay out of repr() so that no log line can show them."""

    oa_id: str
    app_id: str
    app_secret: str = field(repr=False)
    oa_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    connected_at: datetime
    refreshed_at: datetime | None = None
    refresh_failed_at: datetime | None = None
    refresh_error: str | None = None
    commune_code: int | None = None  # the commune the OA speaks for (migration 0023)


def _account(row: aiosqlite.Row) -> ZaloAccount:
    return ZaloAccount(
        oa_id=row[0],
        app_id=row[1],
        app_secret=row[2],
        oa_secret=row[3],
        access_token=row[4],
        refresh_token=row[5],
        access_expires_at=dt_req(row[6]),
        refresh_expires_at=dt_req(row[7]),
        connected_at=dt_req(row[8]),
        refreshed_at=dt(row[9]),
        refresh_failed_at=dt(row[10]),
        refresh_error=row[11],
        commune_code=row[12],
    )


async def get_account(conn: aiosqlite.Connection, oa_id: str) -> ZaloAccount | None:
    row = await sql.one(conn, f"SELECT {_COLUMNS} FROM zalo_accounts WHERE oa_id = ?", (oa_id,))
    return None if row is None else _account(row)


async def list_accounts(conn: aiosqlite.Connection) -> list[ZaloAccount]:
    return [
        _account(r)
        for r in await sql.rows(conn, f"SELECT {_COLUMNS} FROM zalo_accounts ORDER BY oa_id")
    ]


async def save_account(conn: aiosqlite.Connection, account: ZaloAccount) -> None:
    """Inserts or replaces an OA's row (a new connection starts with a clean refresh record)."""
    await conn.execute(
        f"INSERT OR REPLACE INTO zalo_accounts({_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)",
        (
            account.oa_id,
            account.app_id,
            account.app_secret,
            account.oa_secret,
            account.access_token,
            account.refresh_token,
            ts(account.access_expires_at),
            ts(account.refresh_expires_at),
            ts(account.connected_at),
            account.commune_code,
        ),
    )


async def set_commune(conn: aiosqlite.Connection, oa_id: str, commune_code: int | None) -> bool:
    """Ties the OA to the commune it speaks for; False for an OA that is not connected."""
    cur = await conn.execute(
        "UPDATE zalo_accounts SET commune_code = ? WHERE oa_id = ?", (commune_code, oa_id)
    )
    return cur.rowcount == 1


async def rotate_tokens(
    conn: aiosqlite.Connection,
    oa_id: str,
    *,
    used_refresh: str,
    access_token: str,
    refresh_token: str,
    access_expires_at: datetime,
    refresh_expires_at: datetime,
    now: datetime,
) -> bool:
    """Stores the new pair in place of the one whose refresh token was just used.

    Returns False (and changes nothing) when the stored refresh token is no longer
    `used_refresh`: someone else rotated it first."""
    cur = await conn.execute(
        "UPDATE zalo_accounts SET access_token = ?, refresh_token = ?, access_expires_at = ?, "
        "refresh_expires_at = ?, refreshed_at = ?, refresh_failed_at = NULL, refresh_error = NULL "
        "WHERE oa_id = ? AND refresh_token = ?",
        (
            access_token,
            refresh_token,
            ts(access_expires_at),
            ts(refresh_expires_at),
            ts(now),
            oa_id,
            used_refresh,
        ),
    )
    return cur.rowcount == 1


async def record_refresh_failure(
    conn: aiosqlite.Connection, oa_id: str, error: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE zalo_accounts SET refresh_failed_at = ?, refresh_error = ? WHERE oa_id = ?",
        (ts(now), error, oa_id),
    )


@dataclass(frozen=True)
class InboxEvent:
    id: int
    event_key: str
    oa_id: str
    kind: str  # 'text' | 'button' | 'follow' | 'unfollow'
    user_id: str
    body: str
    sent_at: datetime
    received_at: datetime
    target: str | None = None  # what a typed reply was taken to mean (migration 0024)


_ENQUEUE = (
    "INSERT INTO zalo_inbox(event_key, oa_id, kind, user_id, body, sent_at, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING"
)


def enqueue(
    conn: sqlite3.Connection,
    *,
    event_key: str,
    oa_id: str,
    kind: str,
    user_id: str,
    body: str,
    sent_at: datetime,
    now: datetime,
) -> bool:
    """Queues an event, in the database thread (Database.grouped: the webhook's group commit);
    False when one with this key is already there (a redelivery)."""
    cur = conn.execute(_ENQUEUE, (event_key, oa_id, kind, user_id, body, ts(sent_at), ts(now)))
    return cur.rowcount == 1


async def pending_events(
    conn: aiosqlite.Connection, limit: int = 100, *, after: int = 0
) -> list[InboxEvent]:
    """Events not handled yet with an id above ``after``, oldest first."""
    rows = await sql.rows(
        conn,
        "SELECT id, event_key, oa_id, kind, user_id, body, sent_at, received_at, target "
        "FROM zalo_inbox WHERE handled_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        (after, limit),
    )
    return [
        InboxEvent(r[0], r[1], r[2], r[3], r[4], r[5], dt_req(r[6]), dt_req(r[7]), r[8])
        for r in rows
    ]


async def mark_handled(
    conn: aiosqlite.Connection, event_id: int, now: datetime, failure: str | None = None
) -> bool:
    """Marks the event handled (with why it failed, if it did) and empties its body: what a
    resident typed is not kept once answered. False when it was handled already."""
    cur = await conn.execute(
        "UPDATE zalo_inbox SET handled_at = ?, body = '', failure = ? "
        "WHERE id = ? AND handled_at IS NULL",
        (ts(now), failure, event_id),
    )
    return cur.rowcount == 1


async def set_target(conn: aiosqlite.Connection, event_id: int, target: str) -> None:
    """Records what a typed reply stands for, before it is acted on."""
    await conn.execute("UPDATE zalo_inbox SET target = ? WHERE id = ?", (target, event_id))


async def account_commune(conn: aiosqlite.Connection, oa_id: str) -> tuple[bool, int | None]:
    """(whether the OA is connected, the commune it speaks for)."""
    row = await sql.one(conn, "SELECT commune_code FROM zalo_accounts WHERE oa_id = ?", (oa_id,))
    return (False, None) if row is None else (True, row[0])


# Privacy (issue 13): a Zalo user's events are personal data, shown by /mydata while queued,
# deleted with the person, and purged once handled and old (surveys.privacy). A person's Zalo
# addresses are "<oa id>:<user id>" (surveys.people.zalo_address).
_OF_PERSON = (
    "(oa_id || ':' || user_id) IN "
    "(SELECT address FROM addresses WHERE channel = 'zalo' AND resident_id = ?)"
)


async def queued_for(conn: aiosqlite.Connection, users: list[tuple[str, str]]) -> list[InboxEvent]:
    """Events of these (oa id, user id) not handled yet, oldest first."""
    if not users:
        return []
    marks = ", ".join("(?, ?)" for _ in users)
    rows = await sql.rows(
        conn,
        "SELECT id, event_key, oa_id, kind, user_id, body, sent_at, received_at FROM zalo_inbox "
        f"WHERE handled_at IS NULL AND (oa_id, user_id) IN (VALUES {marks}) ORDER BY id",
        [part for user in users for part in user],
    )
    return [
        InboxEvent(r[0], r[1], r[2], r[3], r[4], r[5], dt_req(r[6]), dt_req(r[7])) for r in rows
    ]


async def erase_inbox_of(conn: aiosqlite.Connection, person_id: int) -> int:
    """Deletes every event (handled or not) from the person's Zalo addresses; run before the
    addresses themselves go."""
    cur = await conn.execute(f"DELETE FROM zalo_inbox WHERE {_OF_PERSON}", (person_id,))
    return cur.rowcount


async def purge_handled(conn: aiosqlite.Connection, before: datetime) -> int:
    """Deletes events handled before `before`; queued ones stay for the worker."""
    cur = await conn.execute(
        "DELETE FROM zalo_inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (ts(before),)
    )
    return cur.rowcount
