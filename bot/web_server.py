"""The process's one HTTP server: `ykien run --web-listen ADDR:PORT`.

One aiohttp application on one port serves the e-sheet, the dashboard, the Zalo webhook
(ZALO_WEBHOOK_PATH, every connected OA), Zalo's domain verification file (YKIEN_ZALO_VERIFIER)
and, in webhook mode, the Telegram webhook at its URL's path (a --listen kept from the days of
two servers is a second address of the same one). Without --web-listen, webhook mode serves
the Telegram webhook alone on --listen, as before. With a token the server starts
in the Application's post_init on the same event loop and the same Services (one database
connection, one writer), after the Runtime (bot/runtime.py); without one, it runs the web
channel and Zalo alone (a province that cannot use Telegram).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot import webhook
from bot.app import open_services
from bot.config import ZALO_WEBHOOK_PATH, Config, listen_address
from bot.runtime import Runtime
from handlers.views.texts import render
from handlers.web.app import build_web_app
from handlers.web.security import MACHINE_PATHS
from handlers.zalo import verifier
from handlers.zalo.inbox import queue_into
from handlers.zalo.webhook import webhook_handler
from surveys import zalo_tokens
from surveys.env import Clock, utc_now
from surveys.services import Services

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
RUNTIME_KEY = "runtime"  # app.bot_data: the Runtime (its Zalo clients, its workers)


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (demo, tests, benchmarks)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def secure(config: Config) -> bool:
    """Cookies are Secure when the public URL is https (the reverse proxy's)."""
    return bool(config.settings.web_url and config.settings.web_url.startswith("https://"))


class ListenFailed(Exception):
    """An address the server cannot listen on (taken, or not this machine's)."""

    def __init__(self, address: str, detail: str) -> None:
        super().__init__(f"{address}: {detail}")
        self.address, self.detail = address, detail


class Server:
    """The one server; `telegram` is the webhook's handler in webhook mode."""

    def __init__(self, config: Config, telegram: webhook.TelegramWebhook | None = None) -> None:
        self.config, self.telegram = config, telegram
        self._runner: web.AppRunner | None = None

    @property
    def wanted(self) -> bool:
        return self.config.web_listen is not None or self.telegram is not None

    def build(self, services: Services, runtime: Runtime) -> web.Application:
        config = self.config
        if config.web_listen is None:
            assert self.telegram is not None
            return webhook.web_app(self.telegram, config.webhook_path)
        server = build_web_app(services, secure=secure(config))
        lookup = functools.partial(zalo_tokens.webhook_secrets, services.env)
        accept = queue_into(services.env, wake=runtime.wake)
        server.router.add_post(ZALO_WEBHOOK_PATH, webhook_handler(lookup, accept))
        machine = {ZALO_WEBHOOK_PATH}
        if config.zalo_verifier is not None:
            machine.add(verifier.path(config.zalo_verifier))
            server.router.add_get(
                verifier.path(config.zalo_verifier), verifier.verifier_page(config.zalo_verifier)
            )
        if self.telegram is not None:
            machine.add(config.webhook_path)
            server.router.add_post(config.webhook_path, self.telegram.handle)
        server[MACHINE_PATHS] = frozenset(machine)
        return server

    async def start(self, services: Services, runtime: Runtime) -> None:
        """Listens on every address (one; two when an older --listen is kept, see Config)."""
        runner = web.AppRunner(self.build(services, runtime), access_log=None)
        await runner.setup()
        self._runner = runner
        for address in self.config.addresses:
            host, port = listen_address(address)
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                raise ListenFailed(address, exc.strerror or str(exc)) from exc
            log.info("web server listening on %s:%d", host, port)

    async def stop(self) -> None:
        """Stops listening (again: nothing)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


def attach(app: App, config: Config, telegram: webhook.TelegramWebhook | None = None) -> Server:
    """Starts the Runtime and the server from the bot's own post_init, stops them at shutdown."""
    before_init, before_shutdown = app.post_init, app.post_shutdown
    server = Server(config, telegram)

    async def post_init(application: App) -> None:
        if before_init is not None:
            await before_init(application)
        services = application.bot_data["services"]
        runtime = Runtime(services, config)
        application.bot_data[RUNTIME_KEY] = runtime
        await runtime.start()
        if server.wanted:
            await server.start(services, runtime)

    async def post_shutdown(application: App) -> None:
        await server.stop()
        runtime = application.bot_data.pop(RUNTIME_KEY, None)
        if runtime is not None:
            await runtime.stop()
        if before_shutdown is not None:
            await before_shutdown(application)

    app.post_init = post_init
    app.post_shutdown = post_shutdown
    return server


async def serve_alone(
    config: Config,
    *,
    clock: Clock = utc_now,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    stop: asyncio.Event | None = None,
) -> int:
    """The web channel and Zalo without Telegram, until SIGINT or SIGTERM (or `stop`: tests,
    which also move `clock` and `sleep` instead of waiting)."""
    services = await open_services(config, clock=clock)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime(services, config, sleep=sleep)
    server = Server(config)
    try:
        await runtime.start()
        await server.start(services, runtime)
        print(render("cli_web_running.txt", config=config), file=sys.stderr)
        await stop.wait()
    finally:
        await server.stop()
        await runtime.stop()
        await services.close()
    return 0
