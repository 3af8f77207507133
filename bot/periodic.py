"""A job of `ykien run` repeated forever in the background (the Zalo token refresh, the daily
retention pass): a pass after `first`, then one every `every`; a failing pass is logged and the
next one still runs; `stop()` cancels the wait or the pass in progress."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[object]],
        *,
        every: timedelta,
        first: timedelta = timedelta(0),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger = log,
    ) -> None:
        self.name, self._work, self.every, self.first, self._sleep = name, work, every, first, sleep
        self._log = logger  # the job's own module's, so its failures read as its own
        self._task: asyncio.Task[None] | None = None
        self.passes = 0  # passes that ended, failed ones included (the log and the tests)

    async def run(self) -> None:
        """Waits `first`, then a pass every `every`, until cancelled."""
        if self.first:
            await self._sleep(self.first.total_seconds())
        while True:
            try:
                await self._work()
            except Exception:  # a locked database, the network: the next pass may work
                self._log.exception("%s: the pass failed; the next is in %s", self.name, self.every)
            self.passes += 1
            await self._sleep(self.every.total_seconds())

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        """Cancels the wait or the pass (its open transaction rolls back; what it committed
        stays, and the next start's pass does the rest)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
