"""The daily retention pass of every `ykien run` mode (polling, webhook, the web channel alone):
residents inactive past YKIEN_RETENTION_DAYS lose their identity, and Zalo events handled long
ago are purged (PrivacyService.run_retention; with retention off only the purge happens).

It ran as a Telegram JobQueue job before, so a deployment without a Telegram token (web and
Zalo only) never ran it. Now the Runtime starts it: a first pass FIRST after start, then one
every EVERY. A failing pass is logged and the next one still happens; the log holds counts
only, never who.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from surveys.privacy import PrivacyService

log = logging.getLogger(__name__)
FIRST = timedelta(minutes=1)  # after start: the process is up and serving first
EVERY = timedelta(days=1)


class RetentionJob:
    def __init__(
        self,
        privacy: PrivacyService,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.privacy, self._sleep = privacy, sleep
        self._task: asyncio.Task[None] | None = None
        self.passes = 0  # passes that ended, failed ones included (the log and the tests)

    async def run_once(self) -> int:
        """One pass now; returns how many residents lost their identity."""
        erased = await self.privacy.run_retention()
        if erased:
            log.info("retention: removed the identity of %d inactive residents", erased)
        return erased

    async def run(self) -> None:
        """Waits FIRST, then a pass every EVERY, until cancelled."""
        await self._sleep(FIRST.total_seconds())
        while True:
            try:
                await self.run_once()
            except Exception:  # a locked or full database: tomorrow's pass may work
                log.exception("retention: the pass failed; the next one is in a day")
            self.passes += 1
            await self._sleep(EVERY.total_seconds())

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Cancels the wait or the pass (its open transaction rolls back; what it committed
        stays, and the next start's pass does the rest)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
