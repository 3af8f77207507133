"""The process's Zalo clients: one per connected Official Account, over one HTTP session.

The inbox worker's replies and the broadcast sender's messages to the same OA go through the
same client, so they share its pacing (Zalo's rate limit is per OA and app). ``mask`` is told
each secret and token a client loads or receives (the process's log filter).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp

from handlers.zalo.client import ClientSettings, ZaloClient
from surveys.env import Env
from surveys.zalo_tokens import Mask, ZaloTokens


class ZaloClients:
    def __init__(
        self,
        env: Env,
        settings: ClientSettings | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        mask: Mask | None = None,
    ) -> None:
        self.env = env
        self.settings = settings or ClientSettings()
        self._sleep = sleep
        self._mask = mask
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, ZaloClient] = {}

    def of(self, oa_id: str) -> ZaloClient:
        """The OA's client (made on first use; an OA never connected answers FAILED)."""
        client = self._clients.get(oa_id)
        if client is None:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            tokens = ZaloTokens(self.env, oa_id, mask=self._mask)
            client = ZaloClient(tokens, self.settings, session=self._session, sleep=self._sleep)
            self._clients[oa_id] = client
        return client

    async def close(self) -> None:
        self._clients.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
