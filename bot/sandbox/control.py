"""Control API under ``/sandbox/`` for driving simulated users from another process.

When the sandbox runs as its own process (``ykien demo``, ``python -m bot.sandbox``)
tests and demo scripts cannot call ``SimUser`` methods directly; these JSON routes
expose the same actions and readings over HTTP.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.store import UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox
    from bot.sandbox.users import SimMessage, SimUser

Handler = Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "mime_type": value.mime_type, "size": value.size}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def message_json(message: SimMessage) -> dict[str, Any]:
    """What a demo script wants to know about one bot message."""
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "text": message.text,
        "html": message.html,
        "buttons": message.buttons,
    }
    for key in ("document", "photo"):
        upload = getattr(message, key)
        if upload is not None:
            data[key] = _jsonable(upload)
    return data


def _reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(_jsonable(data), status=status)


def add_control_routes(app: web.Application, sandbox: Sandbox) -> None:
    """Register the ``/sandbox/...`` routes on ``app``."""

    async def body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except json.JSONDecodeError as exc:
            raise web.HTTPBadRequest(text=f"invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="JSON body must be an object")
        return data

    def user_of(request: web.Request, data: dict[str, Any]) -> SimUser:
        user_id = int(request.match_info["user_id"])
        fields = {k: data[k] for k in ("first_name", "username", "language_code") if k in data}
        return sandbox.user(user_id, **fields)

    async def create_user(request: web.Request) -> web.Response:
        data = await body(request)
        fields = {k: data[k] for k in ("first_name", "username", "language_code") if k in data}
        return _reply(sandbox.user(int(data["user_id"]), **fields).json)

    async def act(request: web.Request) -> web.Response:
        data = await body(request)
        user, action = user_of(request, data), request.match_info["action"]
        try:
            if action == "send":
                return _reply(user.send(str(data["text"])))
            if action == "start":
                return _reply(user.start(data.get("payload")))
            if action == "press":
                return _reply(user.press(int(data["message_id"]), str(data["button"])))
            if action == "block":
                return _reply(user.block_bot())
            if action == "unblock":
                return _reply(user.unblock_bot())
        except AssertionError as exc:
            return _reply({"error": str(exc)}, status=400)
        except KeyError as exc:
            return _reply({"error": f"missing field {exc}"}, status=400)
        return _reply({"error": f"unknown action {action}"}, status=404)

    async def messages(request: web.Request) -> web.Response:
        user = user_of(request, {})
        return _reply([message_json(m) for m in user.messages])

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return _reply([{"method": m, "params": p} for m, p in sandbox.calls[since:]])

    async def state(request: web.Request) -> web.Response:
        stats = sandbox.stats
        return _reply(
            {
                "pending_updates": sandbox.pending_updates,
                "calls": len(sandbox.calls),
                "unimplemented_calls": [m for m, _ in sandbox.unimplemented_calls],
                "sent": dict(stats.sent),
                "rate_limited": stats.rate_limited,
                "errors": dict(stats.errors),
            }
        )

    async def faults(request: web.Request) -> web.Response:
        data = await body(request)
        if "fail_next" in data:
            spec = data["fail_next"]
            sandbox.fail_next(
                spec["method"], int(spec.get("count", 1)), kind=spec.get("kind", "429")
            )
        if "flood_limit" in data:
            spec = data["flood_limit"]
            sandbox.set_flood_limit(spec.get("global_per_second"), spec.get("per_chat_per_second"))
        return _reply({"ok": True})

    app.router.add_post("/sandbox/users", create_user)
    app.router.add_post("/sandbox/users/{user_id:\\d+}/{action}", act)
    app.router.add_get("/sandbox/users/{user_id:\\d+}/messages", messages)
    app.router.add_get("/sandbox/calls", calls)
    app.router.add_get("/sandbox/state", state)
    app.router.add_post("/sandbox/faults", faults)
