"""Webhook mode on aiohttp.web: `ykien run --webhook-url URL --listen ADDR:PORT`.

python-telegram-bot's custom-webhook pattern (the Application is started without its Updater;
each update goes to `app.update_queue`), on the one aiohttp.web server design.md wants for
everything HTTP. Each POST is checked in this order, so a stranger costs nothing:
  1. the secret token header (constant-time compare), else 403 without reading the body;
  2. the declared size, else 413; the body is read up to MAX_BODY (client_max_size), else 413;
  3. the JSON and the update's shape, else 400, logged with the size only (never the body).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Config, listen_address

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # 1 MB: Telegram's updates are a few KB


class TelegramWebhook:
    """The POST handler; `put` hands a parsed update to the Application (its update_queue)."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        secret: str,
        put: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        self.app = app
        self._secret = secret.encode()
        self._put = put or app.update_queue.put

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:
            body = await request.read()  # stops at client_max_size with HTTPRequestEntityTooLarge
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        try:
            update = Update.de_json(json.loads(body), self.app.bot)
        except Exception:  # any malformed body: the sender gets 400, the log its size only
            update = None
        if update is None:
            log.warning("webhook: unreadable update refused (%d bytes)", len(body))
            return web.Response(status=400)
        await self._put(update)
        return web.Response()


def web_app(hook: TelegramWebhook, path: str) -> web.Application:
    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(path, hook.handle)
    return server


async def serve(
    app: Application[Any, Any, Any, Any, Any, Any], config: Config, secret: str
) -> None:
    """Runs the bot behind the webhook until SIGINT or SIGTERM."""
    assert config.webhook_url is not None
    host, port = listen_address(config.listen)
    path = urlsplit(config.webhook_url).path or "/"
    runner = web.AppRunner(web_app(TelegramWebhook(app, secret), path), access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()  # listening before Telegram is told
        await app.bot.set_webhook(
            config.webhook_url,
            secret_token=secret,
            allowed_updates=None,
            drop_pending_updates=False,
        )
        await app.start()
        try:
            await stop.wait()
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await runner.cleanup()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
