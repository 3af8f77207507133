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
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.periodic import Periodic
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
        self.privacy = privacy
        self._job = Periodic(
            "retention", self.run_once, every=EVERY, first=FIRST, sleep=sleep, logger=log
        )

    @property
    def passes(self) -> int:
        """Passes that ended, failed ones included (the tests)."""
        return self._job.passes

    async def run_once(self) -> int:
        """One pass now; returns how many residents lost their identity."""
        erased = await self.privacy.run_retention()
        if erased:
            log.info("retention: removed the identity of %d inactive residents", erased)
        return erased

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        """Cancels the wait or the pass (see Periodic.stop)."""
        await self._job.stop()
