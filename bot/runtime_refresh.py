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
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

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
        self.env, self.clients, self.margin, self._sleep = env, clients, margin, sleep
        self._task: asyncio.Task[None] | None = None
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
        while True:
            try:
                await self.check()
            except Exception:  # the next check may work (a locked database, the network)
                log.exception("Zalo token refresh: the check failed")
            await self._sleep(CHECK_EVERY.total_seconds())

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
