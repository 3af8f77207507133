"""The trainer's page: a phone-like chat per simulated person, served on 127.0.0.1.

Server-rendered HTML with forms (POST, then redirect back), so it works without
JavaScript; ``static/sandbox.js`` only sends the forms in the background and long-polls
``/p/{id}/chat`` so the bot's replies appear as they arrive. Everything it does goes
through :class:`SimUser` (the same updates a Telegram client produces).
"""

from __future__ import annotations

import asyncio
import contextlib
from importlib import resources
from typing import Protocol
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.sandbox import chatview
from bot.sandbox.chatview import Person
from bot.sandbox.core import Sandbox
from handlers.views.texts import render

TEXT_LIMIT = 4096  # Telegram's limit for a message a person types
REPLY_WAIT = 5.0  # a form answer waits at most this long for the bot
LONG_POLL = 25.0  # /chat holds an unchanged chat this long before answering 204
STATIC = {"sandbox.css": "text/css", "sandbox.js": "text/javascript"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make every form's Origin "null"
    "Cache-Control": "no-store",
}


class Stage(Protocol):
    """What the page drives: the current sandbox and its people (replaced on reset)."""

    @property
    def sandbox(self) -> Sandbox: ...

    @property
    def persons(self) -> list[Person]: ...

    @property
    def generation(self) -> int: ...

    async def add_resident(self) -> Person: ...

    async def settled(self) -> None:
        """Returns once the bot has taken and fully handled every update sent so far."""

    async def reset(self) -> None: ...


STAGE_KEY = web.AppKey("stage", Stage)


def _stage(request: web.Request) -> Stage:
    return request.app[STAGE_KEY]


def _person(request: web.Request) -> Person:
    wanted = request.match_info["user_id"]
    person = next((p for p in _stage(request).persons if str(p.user_id) == wanted), None)
    if person is None:
        raise web.HTTPNotFound(text=render("sandbox_not_found.html"), content_type="text/html")
    return person


def _html(body: str, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/html", headers=HEADERS | headers
    )


def _chat(stage: Stage, person: Person, notice: str | None = None) -> str:
    sandbox = stage.sandbox
    return render(
        "_sandbox_chat.html",
        person=person,
        bubbles=chatview.bubbles(sandbox, person.user_id),
        popup=chatview.popup(sandbox, person.user_id),
        notice=notice,
        version=chatview.signature(sandbox, person.user_id),
    )


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"/p/{_stage(request).persons[0].user_id}")


async def page(request: web.Request) -> web.StreamResponse:
    stage, person = _stage(request), _person(request)
    notice = request.query.get("notice")
    return _html(
        render(
            "sandbox_page.html",
            person=person,
            persons=stage.persons,
            menu=chatview.menu(stage.sandbox, person.user_id),
            bot=stage.sandbox.world.bot_user(),
            chat=_chat(stage, person, notice if notice in NOTICES else None),
        )
    )


async def chat(request: web.Request) -> web.StreamResponse:
    """The chat fragment; with ``?v=`` held until it differs from that version."""
    stage, person = _stage(request), _person(request)
    sandbox, generation = stage.sandbox, stage.generation
    seen = request.query.get("v")
    if seen:

        def changed() -> bool:
            return stage.generation != generation or (
                chatview.signature(sandbox, person.user_id) != seen
            )

        try:
            await sandbox.wait_for(changed, LONG_POLL, what="a change in the chat")
        except TimeoutError:
            return web.Response(status=204, headers=HEADERS)
        if stage.generation != generation:
            return web.Response(status=205, headers=HEADERS)  # reset: reload the whole page
    return _html(_chat(stage, person))


NOTICES = {"empty", "too_long", "gone"}


async def _after(request: web.Request, person: Person, notice: str | None) -> web.Response:
    """A form's answer: the fresh chat for the script, a redirect back without it."""
    if request.headers.get("X-Requested-With") == "fetch":
        return _html(_chat(_stage(request), person, notice))
    target = f"/p/{person.user_id}" + (f"?notice={notice}" if notice else "") + "#end"
    raise web.HTTPSeeOther(target)


async def _await_reply(stage: Stage) -> None:
    """Waits until the bot has handled what the person just did, so the answer to the form
    holds the whole reply (with or without the script)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stage.settled(), REPLY_WAIT)


async def send(request: web.Request) -> web.StreamResponse:
    person, sandbox = _person(request), _stage(request).sandbox
    text = str((await request.post()).get("text", "")).strip()
    if not text:
        return await _after(request, person, "empty")
    if len(text) > TEXT_LIMIT:
        return await _after(request, person, "too_long")
    sandbox.user(person.user_id).send(text)
    await _await_reply(_stage(request))
    return await _after(request, person, None)


async def press(request: web.Request) -> web.StreamResponse:
    person, sandbox = _person(request), _stage(request).sandbox
    form = await request.post()
    user = sandbox.user(person.user_id)
    try:
        user.press(int(str(form.get("message_id", ""))), str(form.get("data", "")))
    except (AssertionError, ValueError):  # a stale page: the message or button is gone
        return await _after(request, person, "gone")
    await _await_reply(_stage(request))
    return await _after(request, person, None)


async def add_resident(request: web.Request) -> web.StreamResponse:
    person = await _stage(request).add_resident()
    raise web.HTTPSeeOther(f"/p/{person.user_id}")


async def reset(request: web.Request) -> web.StreamResponse:
    await _stage(request).reset()
    raise web.HTTPSeeOther("/")


async def attachment(request: web.Request) -> web.StreamResponse:
    """A photo or document the bot sent to this person (documents always as downloads)."""
    person, sandbox = _person(request), _stage(request).sandbox
    kind = request.match_info["kind"]
    stored = sandbox.world.get_message(person.user_id, int(request.match_info["message_id"]))
    upload = getattr(stored, kind, None) if stored is not None and stored.from_bot else None
    if upload is None:
        raise web.HTTPNotFound(text=render("sandbox_not_found.html"), content_type="text/html")
    inline = kind == "photo" and upload.mime_type in {"image/png", "image/jpeg"}
    disposition = "inline" if inline else "attachment"
    name = quote(upload.filename, safe="")
    return web.Response(
        body=upload.content,
        content_type=upload.mime_type if inline else "application/octet-stream",
        headers=HEADERS | {"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"},
    )


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    body = resources.files("bot.sandbox").joinpath("static", name).read_bytes()
    headers = HEADERS | {"Cache-Control": "max-age=3600"}  # the same for the whole run
    return web.Response(body=body, content_type=STATIC[name], headers=headers)


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@web.middleware
async def local_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Another site open in the trainer's browser must not drive or read the page: a Host
    other than this machine (DNS rebinding) or a form posted from elsewhere is refused."""
    host = (request.host or "").rsplit(":", 1)[0]
    origin = request.headers.get("Origin")
    foreign = origin is not None and origin != f"http://{request.host}"
    if host not in LOCAL_HOSTS or (request.method == "POST" and foreign):
        return _html(render("sandbox_forbidden.html"), status=403)
    return await handler(request)


def build_page(stage: Stage) -> web.Application:
    """The page's aiohttp application over ``stage``."""
    app = web.Application(client_max_size=64 * 1024, middlewares=[local_only])
    app[STAGE_KEY] = stage
    app.router.add_get("/", index)
    app.router.add_get("/p/{user_id:\\d+}", page)
    app.router.add_get("/p/{user_id:\\d+}/chat", chat)
    app.router.add_post("/p/{user_id:\\d+}/send", send)
    app.router.add_post("/p/{user_id:\\d+}/press", press)
    app.router.add_get("/files/{user_id:\\d+}/{message_id:\\d+}/{kind:photo|document}", attachment)
    app.router.add_post("/people", add_resident)
    app.router.add_post("/reset", reset)
    app.router.add_get("/static/{name}", static)
    return app
