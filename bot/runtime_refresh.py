"""The scheduled Zalo token refresh: every OA's access token renewed before it runs out.

Zalo's access token lives about 25 h; the client refreshes one that is about to run out before
a call, but an OA nobody wrote to for a day would then start its next conversation on a stale
token, and a refresh token unused for 90 days is lost. So every CHECK_EVERY the job refreshes
each OA whose access token runs out within MARGIN (ZaloClient.refresh: one rotation in one
write transaction, surveys.zalo_tokens). A refused refresh is recorded there (shown by `ykien
zalo status`) and logged without any token; the next check tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.periodic import Periodic
from handlers.zalo.clients import ZaloClients
from surveys.env import Env
from surveys.zalo_tokens import TokenState, statuses

log = logging.getLogger(__name__)
MARGIN = timedelta(hours=2)  # a failed refresh still has ~12 more tries before the token ends
CHECK_EVERY = timedelta(minutes=10)


@dataclass
class Pass:
    """What one check did, for the log and the tests."""

    refreshed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class TokenRefresher:
    def __init__(
        self,
        env: Env,
        clients: ZaloClients,
        *,
        margin: timedelta = MARGIN,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.env, self.clients, self.margin = env, clients, margin
        self._job = Periodic(
            "Zalo token refresh", self.check, every=CHECK_EVERY, sleep=sleep, logger=log
        )
        self._lost: set[str] = set()  # OAs already reported disconnected

    async def check(self) -> Pass:
        """Refreshes every OA whose access token runs out within the margin, now."""
        done = Pass()
        for status in await statuses(self.env):
            if status.state is TokenState.DISCONNECTED:
                if status.oa_id not in self._lost:
                    self._lost.add(status.oa_id)
                    log.error("Zalo OA %s: refresh token expired, connect again", status.oa_id)
                continue
            self._lost.discard(status.oa_id)
            if status.access_expires_at - self.margin > self.env.now():
                continue
            ok = await self.clients.of(status.oa_id).refresh()
            (done.refreshed if ok else done.failed).append(status.oa_id)
        return done

    async def run(self) -> None:
        """Checks now, then every CHECK_EVERY, until cancelled; a failing check is logged."""
        await self._job.run()

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
