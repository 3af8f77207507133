"""Webhook mode on aiohttp.web: `ykien run --webhook-url URL`, served by the process's one web
server (bot/web_server.py: with --web-listen beside the e-sheet, else alone on --listen).

python-telegram-bot's custom-webhook pattern (the Application is started without its Updater;
each update goes to `app.update_queue`). Each POST is checked in this order, so a stranger
costs nothing:
  1. the secret token header (constant-time compare), else 403 without reading the body;
  2. the declared size, else 413; the body is read up to MAX_BODY, else 413;
  3. the JSON and the update's shape, else 400, logged with the size only (never the body).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Config

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
        try:  # stops at MAX_BODY, whatever the server's own limit (the e-sheet's is 32 KB)
            body = await request.clone(client_max_size=MAX_BODY).read()
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


class Serving(Protocol):
    """The web server the webhook is a route of (bot.web_server.Server)."""

    async def stop(self) -> None: ...


async def serve(
    app: Application[Any, Any, Any, Any, Any, Any], config: Config, secret: str, server: Serving
) -> None:
    """Runs the bot behind the webhook until SIGINT or SIGTERM.

    The server starts listening in post_init (bot.web_server.attach), before Telegram is told
    the URL, and stops before the Application does: no update is acknowledged that nothing
    would handle."""
    assert config.webhook_url is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
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
            await server.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await server.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
