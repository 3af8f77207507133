"""People and their channel addresses (migration 0018): a person is a `residents` row; each way
to reach them (a Telegram id, a Zalo id, a web session, a household's paper sheet) is a row of
`addresses`, so the same person answers, asks and is erased once whatever the channel."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage import sql
from storage.records import dt, ts


class Channel(StrEnum):
    """The channels a person can be reached on (addresses.channel)."""

    TELEGRAM = "telegram"  # address: the Telegram user id
    ZALO = "zalo"  # address: "<oa id>:<user id>" (Zalo's user ids are per Official Account)
    WEB = "web"  # address: a browser session bound to a household code
    PAPER = "paper"  # address: the household id whose paper sheet the committee enters


@dataclass(frozen=True)
class Address:
    channel: Channel
    address: str


async def person_for(
    conn: aiosqlite.Connection,
    channel: Channel,
    address: str,
    *,
    create: bool,
    now: datetime | None = None,
) -> int | None:
    """The person reached at `address` on `channel`; with `create`, a new person (no commune)
    is made when the address is unknown (call inside a transaction). None when unknown."""
    found = await sql.one(
        conn,
        "SELECT resident_id FROM addresses WHERE channel = ? AND address = ?",
        (channel.value, address),
    )
    if found is not None:
        return int(found[0])
    if not create:
        return None
    if now is None:
        raise ValueError("creating a person needs the time")
    cur = await conn.execute("INSERT INTO residents(joined_at) VALUES (?)", (ts(now),))
    person = cur.lastrowid
    assert person is not None
    await add_address(conn, person, channel, address)
    return person


# Who a first-contact write is for: a known person (id), or an address nobody holds yet. The
# person is made inside the write's own transaction (`ensure`), so input that is refused
# before the write leaves no person behind.
Who = int | Address

# The person id of nobody: no row has it, so every read for it finds nothing (residents ids
# start at 1), and a write for it fails on its foreign key.
NOBODY = 0


async def ensure(conn: aiosqlite.Connection, who: Who, now: datetime) -> int:
    """The person `who` names, made (no commune) if it is an address nobody holds yet."""
    if isinstance(who, int):
        return who
    person = await person_for(conn, who.channel, who.address, create=True, now=now)
    assert person is not None
    return person


async def add_address(
    conn: aiosqlite.Connection, person_id: int, channel: Channel, address: str
) -> None:
    """Binds an address to the person (an address belongs to one person at a time)."""
    await conn.execute(
        "INSERT INTO addresses(channel, address, resident_id) VALUES (?, ?, ?) "
        "ON CONFLICT(channel, address) DO UPDATE SET resident_id = excluded.resident_id",
        (channel.value, address, person_id),
    )


_ADDRESSES = (
    "SELECT channel, address FROM addresses WHERE resident_id = ? ORDER BY channel, address"
)


async def addresses_of(conn: aiosqlite.Connection, person_id: int) -> list[Address]:
    """Every address of the person, by channel then address."""
    rows = await sql.rows(conn, _ADDRESSES, (person_id,))
    return [Address(Channel(r[0]), r[1]) for r in rows]


def addresses_of_in(conn: sqlite3.Connection, person_id: int) -> list[Address]:
    """`addresses_of` inside work run in the database thread (Database.grouped)."""
    return [Address(Channel(c), a) for c, a in conn.execute(_ADDRESSES, (person_id,))]


async def telegram_id(conn: aiosqlite.Connection, person_id: int) -> int | None:
    """The person's Telegram user id, for sending them a message; None without one."""
    row = await sql.one(
        conn,
        "SELECT address FROM addresses WHERE resident_id = ? AND channel = 'telegram' "
        "ORDER BY address LIMIT 1",
        (person_id,),
    )
    return int(row[0]) if row else None


async def forget_addresses(conn: aiosqlite.Connection, person_id: int) -> int:
    """Removes every address of the person (erasure); how many there were."""
    cur = await conn.execute("DELETE FROM addresses WHERE resident_id = ?", (person_id,))
    return cur.rowcount


async def touch(conn: aiosqlite.Connection, channel: Channel, address: str, when: datetime) -> None:
    """Records that the person wrote on this address at `when` (never moves it back)."""
    await conn.execute(
        "UPDATE addresses SET last_seen_at = ? WHERE channel = ? AND address = ? "
        "AND (last_seen_at IS NULL OR last_seen_at < ?)",
        (ts(when), channel.value, address, ts(when)),
    )


async def last_seen(conn: aiosqlite.Connection, channel: Channel, address: str) -> datetime | None:
    row = await sql.one(
        conn,
        "SELECT last_seen_at FROM addresses WHERE channel = ? AND address = ?",
        (channel.value, address),
    )
    return dt(row[0]) if row else None
