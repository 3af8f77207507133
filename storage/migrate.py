"""Numbered SQL migrations tracked by PRAGMA user_version, each applied in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def available() -> list[Migration]:
    """The shipped migrations in order; numbers must run 1, 2, 3... without gaps."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise RuntimeError(f"migration numbers are not contiguous at {migration.number:04d}")
    return found


async def current_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def pending(conn: aiosqlite.Connection) -> list[Migration]:
    version = await current_version(conn)
    return [m for m in available() if m.number > version]


async def apply(conn: aiosqlite.Connection, *, stop_before: int | None = None) -> list[int]:
    """Applies pending migrations; each one and its version bump commit together or not at all."""
    done = []
    for migration in await pending(conn):
        if stop_before is not None and migration.number >= stop_before:
            break
        script = f"BEGIN;\n{migration.sql}\nPRAGMA user_version = {migration.number};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except Exception:
            await conn.rollback()
            raise
        done.append(migration.number)
    return done
