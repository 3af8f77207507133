"""Provinces, communes, villages and commune join links."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import Commune, Province, Village, ts

_COMMUNE_SELECT = (
    "SELECT c.code, c.name, c.division_type, c.province_code, p.name AS province_name "
    "FROM communes c JOIN provinces p ON p.code = c.province_code"
)


def _commune(row: aiosqlite.Row | sqlite3.Row) -> Commune:
    return Commune(
        row["code"], row["name"], row["division_type"], row["province_code"], row["province_name"]
    )


async def count_provinces(conn: aiosqlite.Connection) -> int:
    row = await sql.one(conn, "SELECT count(*) FROM provinces")
    return int(row[0]) if row else 0


async def upsert_provinces(
    conn: aiosqlite.Connection, rows: Iterable[tuple[int, str, str]]
) -> None:
    await conn.executemany(
        "INSERT INTO provinces(code, name, division_type) VALUES (?, ?, ?) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
        "division_type = excluded.division_type",
        rows,
    )


async def upsert_communes(
    conn: aiosqlite.Connection, rows: Iterable[tuple[int, int, str, str, str]]
) -> None:
    """Rows are (code, province_code, name, name_folded, division_type)."""
    await conn.executemany(
        "INSERT INTO communes(code, province_code, name, name_folded, division_type) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET "
        "province_code = excluded.province_code, name = excluded.name, "
        "name_folded = excluded.name_folded, division_type = excluded.division_type",
        rows,
    )


async def list_provinces(conn: aiosqlite.Connection) -> list[Province]:
    return [
        Province(r["code"], r["name"], r["division_type"])
        for r in await sql.rows(
            conn, "SELECT code, name, division_type FROM provinces ORDER BY code"
        )
    ]


async def get_province(conn: aiosqlite.Connection, code: int) -> Province | None:
    r = await sql.one(
        conn, "SELECT code, name, division_type FROM provinces WHERE code = ?", (code,)
    )
    return Province(r["code"], r["name"], r["division_type"]) if r else None


async def get_commune(conn: aiosqlite.Connection, code: int) -> Commune | None:
    row = await sql.one(conn, f"{_COMMUNE_SELECT} WHERE c.code = ?", (code,))
    return _commune(row) if row else None


def get_commune_in(conn: sqlite3.Connection, code: int) -> Commune | None:
    """`get_commune` inside work run in the database thread (Database.run)."""
    row = conn.execute(f"{_COMMUNE_SELECT} WHERE c.code = ?", (code,)).fetchone()
    return _commune(row) if row else None


async def list_communes(
    conn: aiosqlite.Connection, *, province_code: int | None = None
) -> list[Commune]:
    query = _COMMUNE_SELECT
    args: tuple[int, ...] = ()
    if province_code is not None:
        query, args = f"{query} WHERE c.province_code = ?", (province_code,)
    return [_commune(r) for r in await sql.rows(conn, f"{query} ORDER BY c.code", args)]


async def search_communes(
    conn: aiosqlite.Connection, folded: str, *, province_code: int | None, limit: int
) -> list[Commune]:
    """Communes whose folded name contains `folded` (already folded by the caller)."""
    pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = f"{_COMMUNE_SELECT} WHERE c.name_folded LIKE ? ESCAPE '\\'"
    args: tuple[object, ...] = (pattern,)
    if province_code is not None:
        query += " AND c.province_code = ?"
        args += (province_code,)
    return [
        _commune(r)
        for r in await sql.rows(conn, f"{query} ORDER BY c.name LIMIT ?", (*args, limit))
    ]


async def get_join_token(conn: aiosqlite.Connection, commune_code: int) -> str | None:
    row = await sql.one(
        conn, "SELECT token FROM join_links WHERE commune_code = ?", (commune_code,)
    )
    return row["token"] if row else None


async def insert_join_token(
    conn: aiosqlite.Connection, commune_code: int, token: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO join_links(token, commune_code, created_at) VALUES (?, ?, ?)",
        (token, commune_code, ts(now)),
    )


async def commune_by_join_token(conn: aiosqlite.Connection, token: str) -> Commune | None:
    row = await sql.one(
        conn,
        f"{_COMMUNE_SELECT} JOIN join_links j ON j.commune_code = c.code WHERE j.token = ?",
        (token,),
    )
    return _commune(row) if row else None


async def insert_village(conn: aiosqlite.Connection, commune_code: int, name: str) -> bool:
    """Returns False when the commune already has a village of that name."""
    cur = await conn.execute(
        "INSERT INTO villages(commune_code, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (commune_code, name),
    )
    return cur.rowcount == 1


async def list_villages(conn: aiosqlite.Connection, commune_code: int) -> list[Village]:
    return [
        Village(r["id"], r["commune_code"], r["name"])
        for r in await sql.rows(
            conn,
            "SELECT id, commune_code, name FROM villages WHERE commune_code = ? ORDER BY name",
            (commune_code,),
        )
    ]


async def get_village(conn: aiosqlite.Connection, village_id: int) -> Village | None:
    r = await sql.one(
        conn, "SELECT id, commune_code, name FROM villages WHERE id = ?", (village_id,)
    )
    return Village(r["id"], r["commune_code"], r["name"]) if r else None
