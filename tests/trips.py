"""Counting trips to the database thread: each is a hop there and back, what the hot paths
(a tap, a page) are measured in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite


@contextmanager
def trips_of(conn: aiosqlite.Connection) -> Iterator[list[str]]:
    """The names of the functions sent to `conn`'s thread inside the block, in order
    (`_commit_group` is a group commit, `_each` a shared read)."""
    trips: list[str] = []
    execute = conn._execute

    async def counted(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await execute(fn, *args, **kwargs)

    conn._execute = counted  # type: ignore[method-assign]
    try:
        yield trips
    finally:
        conn._execute = execute  # type: ignore[method-assign]
