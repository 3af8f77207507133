"""The web benchmark's baseline: a bare aiohttp handler doing one SQLite write per request.

    python benchmarks/web_baseline.py DB_PATH PORT

Same durability as ykien (WAL, synchronous=FULL, one BEGIN IMMEDIATE ... COMMIT per request),
no checks, no templates, no session: the floor any web answer path pays.
"""

from __future__ import annotations

import asyncio
import sys

import aiosqlite
from aiohttp import web

DB = web.AppKey("db", aiosqlite.Connection)
LOCK = asyncio.Lock()  # one writer at a time on the connection, as storage.db does


async def answer(request: web.Request) -> web.Response:
    form = await request.post()
    conn = request.app[DB]
    async with LOCK:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute(
            "INSERT INTO answers(household, question, value) VALUES (?, ?, ?) "
            "ON CONFLICT(household, question) DO UPDATE SET value = excluded.value",
            (str(form.get("h", "")), str(form.get("q", "")), str(form.get("value", ""))),
        )
        await conn.commit()
    return web.Response(text="<!doctype html><p>ok</p>", content_type="text/html")


async def open_db(app: web.Application) -> None:
    conn = await aiosqlite.connect(sys.argv[1], isolation_level=None)
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = FULL")
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS answers (household TEXT, question TEXT, value TEXT, "
        "PRIMARY KEY (household, question))"
    )
    app[DB] = conn


async def close_db(app: web.Application) -> None:
    await app[DB].close()


if __name__ == "__main__":
    server = web.Application()
    server.router.add_post("/a", answer)
    server.on_startup.append(open_db)
    server.on_cleanup.append(close_db)
    web.run_app(
        server,
        host="127.0.0.1",
        port=int(sys.argv[2]),
        access_log=None,
        print=lambda _message: print("listening", flush=True),  # once the socket is bound
    )
