"""Zalo's domain verification file, served at ``/zalo_verifier<code>.html``.

Zalo checks that whoever registers a webhook URL controls its domain by fetching this file
(the developer console gives the code). Its content is the file Zalo hands out: a
``zalo-platform-site-verification`` meta tag carrying the code (template zalo_verifier.html).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.views.texts import render


def path(code: str) -> str:
    return f"/zalo_verifier{code}.html"


def verifier_page(code: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    text = render("zalo_verifier.html", code=code) + "\n"

    async def handle(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/html", charset="utf-8")

    return handle
