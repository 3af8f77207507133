"""The e-sheet's HTTP server: `ykien run --web-listen ADDR:PORT`, in the bot's process.

With a token, the server starts in the Application's post_init on the same event loop and the
same Services (one database connection, one writer); without one, it runs the web channel
alone (a province that cannot use Telegram).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.app import open_services
from bot.config import Config, listen_address
from handlers.views.texts import render
from handlers.web.app import build_web_app
from surveys.services import Services

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
RUNNER_KEY = "web_runner"


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (demo, tests, benchmarks)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def secure(config: Config) -> bool:
    """Cookies are Secure when the public URL is https (the reverse proxy's)."""
    return bool(config.web_url and config.web_url.startswith("https://"))


async def start(services: Services, config: Config) -> web.AppRunner:
    assert config.web_listen is not None
    host, port = listen_address(config.web_listen)
    runner = web.AppRunner(build_web_app(services, secure=secure(config)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web e-sheet listening on %s:%d", host, port)
    return runner


def attach(app: App, config: Config) -> None:
    """Serves the e-sheet from the bot's own post_init and stops it at shutdown."""
    before_init, before_shutdown = app.post_init, app.post_shutdown

    async def post_init(application: App) -> None:
        if before_init is not None:
            await before_init(application)
        services = application.bot_data["services"]
        application.bot_data[RUNNER_KEY] = await start(services, config)

    async def post_shutdown(application: App) -> None:
        runner = application.bot_data.pop(RUNNER_KEY, None)
        if runner is not None:
            await runner.cleanup()
        if before_shutdown is not None:
            await before_shutdown(application)

    app.post_init = post_init
    app.post_shutdown = post_shutdown


async def serve_alone(config: Config) -> int:
    """The web channel without Telegram, until SIGINT or SIGTERM."""
    services = await open_services(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        runner = await start(services, config)
        print(render("cli_web_running.txt", config=config), file=sys.stderr)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await services.close()
    return 0
