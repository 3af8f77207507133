"""Control API under ``/sandbox/`` for driving the fake OA's users from another process.

A demo or a crash test that runs the sandbox as its own process cannot call
:class:`ZaloSandbox` methods; these JSON routes do the same: authorise the app, register
the webhook, make users follow, write and press buttons, read what the OA sent them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.zalo_sandbox.core import ZaloSandbox


def add_control_routes(app: web.Application, sandbox: ZaloSandbox) -> None:
    async def body(request: web.Request) -> dict[str, Any]:
        data = await request.json() if request.can_read_body else {}
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="the body must be a JSON object")
        return data

    async def authorise(request: web.Request) -> web.Response:
        access, refresh = sandbox.authorise()
        ids = {"app_id": sandbox.app_id, "oa_id": sandbox.oa_id}
        return web.json_response({**ids, "access_token": access, "refresh_token": refresh})

    async def webhook(request: web.Request) -> web.Response:
        sandbox.webhook.register(str((await body(request))["url"]))
        sandbox.webhook.start()
        return web.json_response({"ok": True})

    async def act(request: web.Request) -> web.Response:
        data, action = await body(request), request.match_info["action"]
        try:
            user = str(data["user_id"])
            if action == "follow":
                event = sandbox.follow(user, str(data.get("name", "Người dân")))
            elif action == "unfollow":
                event = sandbox.unfollow(user)
            elif action == "write":
                event = sandbox.write(user, str(data["text"]))
            else:
                event = sandbox.press(user, str(data["title"]))
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response(event.body)

    async def messages(request: web.Request) -> web.Response:
        sent = sandbox.messages_to(request.match_info["user_id"])
        return web.json_response([asdict(m) for m in sent])

    app.router.add_post("/sandbox/authorise", authorise)
    app.router.add_post("/sandbox/webhook", webhook)
    app.router.add_post("/sandbox/{action:follow|unfollow|write|press}", act)
    app.router.add_get("/sandbox/messages/{user_id}", messages)
