"""Reads in one trip to aiosqlite's worker thread (execute + fetch + close together)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite


async def rows(
    conn: aiosqlite.Connection, sql: str, args: Sequence[Any] | Mapping[str, Any] = ()
) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, args))


async def one(
    conn: aiosqlite.Connection, sql: str, args: Sequence[Any] = ()
) -> aiosqlite.Row | None:
    found = await conn.execute_fetchall(sql, args)
    return next(iter(found), None)


async def scalar(conn: aiosqlite.Connection, sql: str, args: Sequence[Any] = ()) -> int:
    row = await one(conn, sql, args)
    return int(row[0]) if row is not None and row[0] is not None else 0
