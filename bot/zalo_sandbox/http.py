"""HTTP front: Zalo's OA API v3, upload v2 and OAuth v4 on one 127.0.0.1 server.

The client is given this server's URL as both its API and its OAuth base, so it calls the
same paths as on openapi.zalo.me and oauth.zaloapp.com. Anything else is answered 501 with
a Zalo-shaped error and logged: the sandbox never guesses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.zalo_sandbox.control import add_control_routes
from bot.zalo_sandbox.core import ZaloSandbox
from bot.zalo_sandbox.errors import INVALID_PARAMS, SandboxDown, ZaloError

log = logging.getLogger(__name__)
SANDBOX_KEY = web.AppKey("zalo_sandbox", ZaloSandbox)
Route = Callable[[web.Request, ZaloSandbox], Awaitable[dict[str, Any]]]


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


def _api(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wraps one endpoint: the down/dropped faults, then Zalo's errors as HTTP 200 answers."""

    async def handle(request: web.Request) -> web.StreamResponse:
        sandbox = request.app[SANDBOX_KEY]
        try:
            sandbox.check_up(request.path)
            return _answer(await route(request, sandbox))
        except SandboxDown:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        except ZaloError as exc:
            return _answer(exc.body())

    return handle


async def _oauth(request: web.Request, sandbox: ZaloSandbox) -> dict[str, Any]:
    if request.content_type != "application/x-www-form-urlencoded":
        raise ZaloError(INVALID_PARAMS, "the body must be form-encoded")
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    return sandbox.oauth(form, request.headers.get("secret_key"))


async def _send(request: web.Request, sandbox: ZaloSandbox) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ZaloError(INVALID_PARAMS, "the body is not JSON") from None
    return sandbox.send(request.headers.get("access_token"), body)


async def _detail(request: web.Request, sandbox: ZaloSandbox) -> dict[str, Any]:
    return sandbox.user_detail(request.headers.get("access_token"), request.query.get("data"))


async def _upload(request: web.Request, sandbox: ZaloSandbox) -> dict[str, Any]:
    token = request.headers.get("access_token")
    if request.content_type != "multipart/form-data":
        raise ZaloError(INVALID_PARAMS, "the image must be sent as multipart/form-data")
    field = (await request.post()).get("file")
    if not isinstance(field, web.FileField):
        raise ZaloError(INVALID_PARAMS, "the form needs a 'file' part")
    size = len(field.file.read())
    return sandbox.upload_image(token, field.filename, field.content_type, size)


async def _unknown(request: web.Request) -> web.Response:
    error = request.app[SANDBOX_KEY].not_implemented(f"{request.method} {request.path}")
    return _answer(error.body(), status=501)


def build_app(sandbox: ZaloSandbox, *, control: bool = True) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    app.router.add_post("/v4/oa/access_token", _api(_oauth))
    app.router.add_post("/v3.0/oa/message/cs", _api(_send))
    app.router.add_get("/v3.0/oa/user/detail", _api(_detail))
    app.router.add_post("/v2.0/oa/upload/image", _api(_upload))
    if control:
        add_control_routes(app, sandbox)
    app.router.add_route("*", "/{tail:.*}", _unknown)
    return app


class ZaloSandboxServer:
    """Serves the sandbox on ``host:port`` (port 0: any free port) and runs its webhook pusher."""

    def __init__(
        self, sandbox: ZaloSandbox, host: str = "127.0.0.1", port: int = 0, *, control: bool = True
    ) -> None:
        self.sandbox, self.host, self._requested_port, self._control = sandbox, host, port, control
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """The base for both the API and the OAuth paths."""
        if self._port is None:
            raise RuntimeError("ZaloSandboxServer is not started")
        return f"http://{self.host}:{self._port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            build_app(self.sandbox, control=self._control), access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        await web.TCPSite(runner, self.host, self._requested_port).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self.sandbox.webhook.stop()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ZaloSandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.zalo_sandbox [--port N] [--webhook URL]``: prints its URL, then serves."""
    parser = argparse.ArgumentParser(description="Zalo Official Account sandbox (in-memory)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--webhook", help="where to POST the signed events (the bot's webhook)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def serve() -> None:
        sandbox = ZaloSandbox()
        if args.webhook:
            sandbox.webhook.register(args.webhook)
        async with ZaloSandboxServer(sandbox, args.host, args.port) as server:
            sandbox.webhook.start()
            print(f"ZALO_SANDBOX_URL={server.url}", flush=True)
            await asyncio.get_running_loop().create_future()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
