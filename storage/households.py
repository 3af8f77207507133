"""Household codes and the residents bound to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


@dataclass(frozen=True)
class Household:
    id: int
    commune_code: int
    village_id: int
    code: str


async def insert_many(
    conn: aiosqlite.Connection, commune_code: int, village_id: int, codes: list[str], now: datetime
) -> list[Household]:
    found = []
    for code in codes:
        cur = await conn.execute(
            "INSERT INTO households(commune_code, village_id, code, issued_at) VALUES (?, ?, ?, ?)",
            (commune_code, village_id, code, ts(now)),
        )
        assert cur.lastrowid is not None
        found.append(Household(cur.lastrowid, commune_code, village_id, code))
    return found


async def by_code(conn: aiosqlite.Connection, code: str) -> Household | None:
    row = await sql.one(
        conn, "SELECT id, commune_code, village_id, code FROM households WHERE code = ?", (code,)
    )
    return Household(row[0], row[1], row[2], row[3]) if row else None


async def bind(conn: aiosqlite.Connection, resident_id: int, household: Household) -> None:
    await conn.execute(
        "UPDATE residents SET household_id = ?, village_id = ? WHERE id = ?",
        (household.id, household.village_id, resident_id),
    )


async def members(conn: aiosqlite.Connection, household_id: int) -> int:
    return await sql.scalar(
        conn, "SELECT count(*) FROM residents WHERE household_id = ?", (household_id,)
    )


async def issued(conn: aiosqlite.Connection, commune_code: int) -> int:
    return await sql.scalar(
        conn, "SELECT count(*) FROM households WHERE commune_code = ?", (commune_code,)
    )


async def code_of(conn: aiosqlite.Connection, resident_id: int) -> str | None:
    row = await sql.one(
        conn,
        "SELECT h.code FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = ?",
        (resident_id,),
    )
    return str(row[0]) if row else None
