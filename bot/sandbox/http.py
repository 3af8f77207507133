"""HTTP front: an aiohttp server speaking the Bot API wire protocol on 127.0.0.1.

Build PTB with ``.base_url(server.api_url)`` and it talks to the sandbox exactly as
to api.telegram.org: ``POST /bot<token>/<method>`` with form, JSON or multipart
bodies.  Works inside the test's event loop (``async with SandboxServer(sb)``) or
as a standalone process (:func:`serve`, :func:`main`, ``python -m bot.sandbox``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.control import add_control_routes
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import SandboxNetworkError
from bot.sandbox.store import UploadedFile

log = logging.getLogger(__name__)
MAX_BODY = 50 * 1024 * 1024  # Telegram's upload limit for bots
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)


async def _read_body(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, UploadedFile]] | web.Response:
    """Query string + JSON / url-encoded / multipart body, as Telegram accepts them all."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON object")
        if not isinstance(body, dict):
            return _error(400, "Bad Request: JSON body must be an object")
        params.update(body)
        return params, files
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = UploadedFile.from_field(value.filename, content, value.content_type)
            else:
                params[key] = value if isinstance(value, str) else bytes(value).decode()
    return params, files


def _abort(request: web.Request) -> web.Response:
    """Drop the connection without an answer: the client sees a network error."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)  # never reaches the client


async def _api(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX_KEY]
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    params, files = body
    token, method = request.match_info["token"], request.match_info["method"]
    try:
        status, answer = await sandbox.call(method, params, files, token=token)
    except SandboxNetworkError:
        return _abort(request)
    return web.Response(
        status=status, text=json.dumps(answer, ensure_ascii=False), content_type="application/json"
    )


async def _not_found(request: web.Request) -> web.StreamResponse:
    return _error(404, "Not Found")


def build_app(sandbox: Sandbox, *, control: bool = True) -> web.Application:
    """The aiohttp application: Bot API routes plus (optionally) the control API."""
    app = web.Application(client_max_size=MAX_BODY)
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", _api)
    if control:
        add_control_routes(app, sandbox)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app


class SandboxServer:
    """Runs the HTTP front on ``host:port`` (port 0 = any free port)."""

    def __init__(
        self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, *, control: bool = True
    ) -> None:
        self.sandbox = sandbox
        self.host = host
        self._requested_port = port
        self._control = control
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port (valid once started)."""
        if self._port is None:
            raise RuntimeError("SandboxServer is not started")
        return self._port

    @property
    def url(self) -> str:
        """Root URL, e.g. for the control API under ``/sandbox/``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What to pass to ``ApplicationBuilder.base_url``."""
        return f"{self.url}/bot"

    async def start(self) -> None:
        """Bind and start serving."""
        runner = web.AppRunner(
            build_app(self.sandbox, control=self._control),
            access_log=None,
            handler_cancellation=True,  # a client giving up on a long poll frees the handler
            shutdown_timeout=1.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Release long polls, then close connections and the socket."""
        if self._runner is None:
            return
        self.sandbox.release_long_polls()
        await self.sandbox.webhook_pusher.stop()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def serve(
    sandbox: Sandbox | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    on_ready: Callable[[SandboxServer], None] | None = None,
) -> None:
    """Serve until cancelled; ``on_ready`` receives the started server (to learn the port)."""
    server = SandboxServer(sandbox or Sandbox(), host, port)
    async with server:
        if on_ready is not None:
            on_ready(server)
        await asyncio.get_running_loop().create_future()  # until cancelled


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.sandbox [--port N]``: prints the api_url line, then serves."""
    parser = argparse.ArgumentParser(description="Telegram Bot API sandbox (in-memory)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--username", default="ykien_bot", help="the bot's @username")
    parser.add_argument(
        "--local-webhooks",
        action="store_true",
        help="also accept http://127.0.0.1 and http://localhost webhooks (Telegram: HTTPS only)",
    )
    args = parser.parse_args(argv)

    def ready(server: SandboxServer) -> None:
        print(f"SANDBOX_API_URL={server.api_url}", flush=True)

    sandbox = Sandbox(bot_username=args.username, local_webhooks=args.local_webhooks)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(sandbox, args.host, args.port, on_ready=ready))
