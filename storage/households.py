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


async def issued_by_village(conn: aiosqlite.Connection, commune_code: int) -> dict[int, int]:
    """Issued household codes per village id of a commune, for the printed report."""
    rows = await sql.rows(
        conn,
        "SELECT village_id, count(*) AS n FROM households WHERE commune_code = ? "
        "GROUP BY village_id",
        (commune_code,),
    )
    return {int(r["village_id"] or 0): int(r["n"]) for r in rows}


async def code_of(conn: aiosqlite.Connection, resident_id: int) -> str | None:
    row = await sql.one(
        conn,
        "SELECT h.code FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = ?",
        (resident_id,),
    )
    return str(row[0]) if row else None


async def paper_member(conn: aiosqlite.Connection, household: Household, now: datetime) -> int:
    """The household's paper-sheet member (address ('paper', household id), never messaged);
    its person id."""
    found = await sql.one(
        conn,
        "SELECT resident_id FROM addresses WHERE channel = 'paper' AND address = ?",
        (str(household.id),),
    )
    if found is not None:
        return int(found[0])
    cur = await conn.execute(
        "INSERT INTO residents(display_name, commune_code, village_id, household_id, joined_at, "
        "stopped_at) VALUES ('', ?, ?, ?, ?, ?)",
        (household.commune_code, household.village_id, household.id, ts(now), ts(now)),
    )
    assert cur.lastrowid is not None
    await conn.execute(
        "INSERT INTO addresses(channel, address, resident_id) VALUES ('paper', ?, ?)",
        (str(household.id), cur.lastrowid),
    )
    return cur.lastrowid


async def conflicts(conn: aiosqlite.Connection, round_id: int) -> list[tuple[str, int, int]]:
    """(household code, complete members' responses, complete paper sheets) where both exist;
    a member's response is a chat answer or the household's web sheet (storage.web)."""
    rows = await sql.rows(
        conn,
        "SELECT h.code, sum(r.channel <> 'paper'), sum(r.channel = 'paper') "
        "FROM responses r JOIN residents p ON p.id = r.resident_id "
        "JOIN households h ON h.id = p.household_id "
        "WHERE r.round_id = ? AND r.completed_at IS NOT NULL GROUP BY h.id "
        "HAVING sum(r.channel <> 'paper') > 0 AND sum(r.channel = 'paper') > 0 "
        "ORDER BY h.code",
        (round_id,),
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


async def has_paper_sheet(conn: aiosqlite.Connection, round_id: int, household_id: int) -> bool:
    """Whether the household's paper member already has a complete sheet in the round."""
    return bool(
        await sql.scalar(
            conn,
            "SELECT count(*) FROM responses r JOIN residents p ON p.id = r.resident_id "
            "WHERE r.round_id = ? AND p.household_id = ? AND r.channel = 'paper' "
            "AND r.completed_at IS NOT NULL",
            (round_id, household_id),
        )
    )


async def held(conn: aiosqlite.Connection, round_id: int) -> list[tuple[str, int]]:
    """(household code, responses waiting) where an answer on another channel came after the
    paper sheet and is held until staff decide (migrations 0015, 0018; storage.conflicts)."""
    rows = await sql.rows(
        conn,
        "SELECT h.code, count(*) FROM responses r JOIN residents p ON p.id = r.resident_id "
        "JOIN households h ON h.id = p.household_id "
        "WHERE r.round_id = ? AND r.hold = 'conflict' GROUP BY h.id ORDER BY h.code",
        (round_id,),
    )
    return [(str(r[0]), int(r[1])) for r in rows]


async def waiting_sheet(
    conn: aiosqlite.Connection, household_id: int, round_ids: list[int]
) -> bool:
    """Whether a counting paper sheet is complete in one of the rounds: a chat answer there is
    held for staff."""
    if not round_ids:
        return False
    marks = ", ".join("?" for _ in round_ids)
    return bool(
        await sql.scalar(
            conn,
            "SELECT count(*) FROM responses r JOIN residents p ON p.id = r.resident_id "
            f"WHERE r.round_id IN ({marks}) AND p.household_id = ? AND r.channel = 'paper' "
            "AND r.completed_at IS NOT NULL AND r.hold IS NULL",
            (*round_ids, household_id),
        )
    )
