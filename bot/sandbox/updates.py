"""The update queue with Telegram's getUpdates semantics, and the wake-up primitive.

Long polls and ``Sandbox.wait_for`` both sleep on a :class:`Pulse` that every sandbox
event fires, so nothing here polls on a timer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.params import Params
from bot.sandbox.store import json_copy

# Delivered only when asked for explicitly, as on Telegram.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


ALL: Any = object()  # notify() scope: wake every waiter


class Pulse:
    """Condition-like wake-up that synchronous code (SimUser actions) can fire too.

    ``asyncio.Condition.notify_all`` needs the lock, i.e. an ``await``; SimUser actions
    are plain methods, so waiters park on futures that :meth:`notify` resolves.
    Waiters may give a chat as their scope: then only events in that chat (or events of
    every scope) wake them, so hundreds of simulated residents don't all wake for each call.
    """

    def __init__(self) -> None:
        self._waiters: dict[int | None, set[asyncio.Future[None]]] = {}

    def notify(self, scope: Any = ALL) -> None:
        """Wake unscoped waiters, and those of `scope` (a chat id), or everyone for ALL."""
        keys = list(self._waiters) if scope is ALL else [None] if scope is None else [None, scope]
        for key in keys:
            for waiter in self._waiters.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def wait(self, deadline: float, scope: int | None = None) -> bool:
        """Wait for the next :meth:`notify`; False if the loop-time ``deadline`` passed first."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(scope, set()).add(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except TimeoutError:
            return False
        finally:
            waiting = self._waiters.get(scope)
            if waiting is not None:
                waiting.discard(waiter)
                if not waiting:
                    del self._waiters[scope]
        return True


class UpdateQueue:
    """Pending updates, confirmed by offset, served to one long-polling client at a time."""

    def __init__(self, pulse: Pulse) -> None:
        self._pulse = pulse
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed: frozenset[str] | None = None
        self._poll_generation = 0
        self._release_generation = 0

    def __len__(self) -> int:
        return len(self._updates)

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Append an update of ``kind``; returns a copy."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._pulse.notify(None)  # the long poll waits unscoped; chat waiters need not wake
        return json_copy(update)

    def take(self) -> list[dict[str, Any]]:
        """Remove and return everything queued."""
        updates, self._updates = self._updates, []
        self._pulse.notify()
        return updates

    def release(self) -> None:
        """Make running long polls return at once (server shutdown)."""
        self._release_generation += 1
        self._pulse.notify()

    def peek(self) -> dict[str, Any] | None:
        """The oldest deliverable update, without confirming it."""
        batch = self._deliverable(1)
        return batch[0] if batch else None

    def confirm(self, offset: int) -> None:
        """Forget updates older than ``offset``, as getUpdates(offset=...) does."""
        self._confirm(offset)

    def set_allowed(self, allowed: list[str] | None) -> None:
        """The update kinds to deliver (setWebhook's allowed_updates); None or []: default."""
        self._allowed = frozenset(allowed) if allowed else None

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        else:  # negative: keep the last -offset updates, forget the rest
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        def allowed(update: dict[str, Any]) -> bool:
            kind = next(k for k in update if k != "update_id")
            if self._allowed is None:
                return kind not in OPT_IN_UPDATES
            return kind in self._allowed

        self._updates = [u for u in self._updates if allowed(u)]  # Telegram drops the rest
        return json_copy(self._updates[:limit])

    async def get_updates(self, params: Params, *, webhook_active: bool) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, long-poll up to ``timeout``, newest poller wins."""
        if webhook_active:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.opt_int("offset")
        limit = min(100, max(1, params.opt_int("limit") or 100))
        timeout = max(0.0, params.opt_float("timeout") or 0.0)
        allowed = params.opt_list("allowed_updates", "can't parse allowed updates")
        if allowed is not None:  # absent keeps the previous setting, [] means the default
            self._allowed = frozenset(allowed) if allowed else None
        self._poll_generation += 1
        generation, release = self._poll_generation, self._release_generation
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout  # real time: the injected clock may be frozen
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._deliverable(limit)
            if batch or loop.time() >= deadline or release != self._release_generation:
                return batch
            await self._pulse.wait(deadline)
