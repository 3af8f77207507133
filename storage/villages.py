"""Renaming and removing villages, and what still refers to one."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage import sql
from storage.households import Household


@dataclass(frozen=True)
class VillageUse:
    responses: int  # answers given from the village (kept in every score)
    households: int  # household codes issued for it
    broadcasts: int  # broadcasts that targeted it
    residents: int  # residents who picked it


async def usage(conn: aiosqlite.Connection, village_id: int) -> VillageUse:
    counts = []
    for query in (
        "SELECT count(*) FROM responses WHERE village_id = ?",
        "SELECT count(*) FROM households WHERE village_id = ?",
        "SELECT count(*) FROM broadcasts WHERE audience = 'village' AND audience_ref = ?",
        "SELECT count(*) FROM residents WHERE village_id = ?",
    ):
        counts.append(await sql.scalar(conn, query, (village_id,)))
    return VillageUse(*counts)


async def rename(conn: aiosqlite.Connection, village_id: int, name: str) -> None:
    await conn.execute("UPDATE villages SET name = ? WHERE id = ?", (name, village_id))


async def delete(conn: aiosqlite.Connection, village_id: int) -> None:
    """Removes a village nothing counted refers to; residents who picked it pick again."""
    await conn.execute("UPDATE residents SET village_id = NULL WHERE village_id = ?", (village_id,))
    await conn.execute("DELETE FROM villages WHERE id = ?", (village_id,))


async def households(
    conn: aiosqlite.Connection, commune_code: int, village_id: int | None
) -> list[Household]:
    """The household codes issued in a commune (or one of its villages), oldest first."""
    query = "SELECT id, commune_code, village_id, code FROM households WHERE commune_code = ?"
    args: tuple[int, ...] = (commune_code,)
    if village_id is not None:
        query += " AND village_id = ?"
        args += (village_id,)
    found = await sql.rows(conn, f"{query} ORDER BY village_id, id", args)
    return [Household(r[0], r[1], r[2], r[3]) for r in found]
