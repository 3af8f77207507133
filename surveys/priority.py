"""Replies to people go ahead of broadcast sends.

A resident who pressed a button is waiting for the next question; a broadcast recipient is
not waiting for anything. When a reply has to be retried (429, 5xx, timeout), the broadcast
sender holds back until the reply has gone out, so the retry finds the bot's flood budget
free instead of spent on invitations. The sender marks its own calls as background work
(a context variable, inherited by the tasks it starts), so they are never retried twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Iterator

_background: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ykien_background_send", default=False
)


class Priority:
    """Counts interactive replies waiting for a retry; background work waits for none."""

    def __init__(self) -> None:
        self._retrying = 0
        self._clear = asyncio.Event()
        self._clear.set()

    @staticmethod
    def is_background() -> bool:
        """True inside the broadcast sender's calls (they have their own retry policy)."""
        return _background.get()

    @staticmethod
    @contextlib.contextmanager
    def background() -> Iterator[None]:
        """Marks the calls made inside (and in tasks started inside) as background work."""
        token = _background.set(True)
        try:
            yield
        finally:
            _background.reset(token)

    @contextlib.contextmanager
    def retrying(self) -> Iterator[None]:
        """Held by an interactive reply from its first failure until it is out (or given up)."""
        self._retrying += 1
        self._clear.clear()
        try:
            yield
        finally:
            self._retrying -= 1
            if self._retrying == 0:
                self._clear.set()

    @property
    def waiting(self) -> int:
        return self._retrying

    async def wait_clear(self) -> None:
        """Returns once no interactive reply is waiting for a retry."""
        while not self._clear.is_set():
            await self._clear.wait()
