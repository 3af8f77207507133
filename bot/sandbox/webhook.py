"""Webhook delivery: once setWebhook stored a URL, the sandbox POSTs each queued update to it.

As Telegram does: one update per request, in order, as JSON, with the secret token in the
``X-Telegram-Bot-Api-Secret-Token`` header when one was set; an update leaves the queue only
when the bot answered 2xx, otherwise the error shows in getWebhookInfo and the same update is
tried again after ``retry_delay`` seconds. Telegram accepts only HTTPS URLs; a sandbox built
with ``local_webhooks=True`` also accepts ``http://127.0.0.1`` and ``http://localhost``, so a
test can run the real bot's webhook server without a certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


def webhook_url_ok(url: str, *, local: bool) -> bool:
    """HTTPS as on Telegram; with ``local``, plain HTTP to this machine as well."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return local and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS


class WebhookPusher:
    """The delivery task of one sandbox; started by setWebhook, ended by deleteWebhook."""

    def __init__(self, sandbox: Sandbox, retry_delay: float = 0.2) -> None:
        self.sandbox = sandbox
        self.retry_delay = retry_delay
        self.delivered = 0
        self.refused = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        sb = self.sandbox
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            while sb.webhook.url:
                update = sb.next_update()
                if update is None:
                    await sb.wait_for_event(loop.time() + 60)
                    continue
                error = await self._post(session, sb.webhook.url, update)
                if error is None:
                    sb.confirm_update(update["update_id"])
                    self.delivered += 1
                else:
                    self.refused += 1
                    sb.webhook.last_error_date = int(sb.clock())
                    sb.webhook.last_error_message = error
                    await sb.wait_for_event(loop.time() + self.retry_delay)

    async def _post(self, session: aiohttp.ClientSession, url: str, update: dict) -> str | None:
        """None when the bot took the update; else why not, worded as getWebhookInfo does."""
        headers = {"Content-Type": "application/json"}
        secret = self.sandbox.webhook.secret_token
        if secret:
            headers[SECRET_HEADER] = secret
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as resp:
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {type(exc).__name__}"
