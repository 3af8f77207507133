"""Unreadable updates: skipped so that the people behind them are answered, and kept so that
an operator can see what was skipped and why."""

from __future__ import annotations

from storage import skipped_updates as skipped_db
from surveys.env import Env


async def record(env: Env, update_id: int, reason: str) -> None:
    async with env.db.transaction() as tx:
        await skipped_db.insert(tx, update_id, reason, env.now())


async def recorded(env: Env) -> list[tuple[int, str]]:
    """(update id, reason) of every skipped update, oldest first."""
    return await skipped_db.list_all(env.db.conn)
