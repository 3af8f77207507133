"""The e-sheet's browser cookie, CSRF check, security headers and Vietnamese error pages.

The cookie is 32 random bytes and means nothing but "this browser": the database keeps only its
SHA-256 and, once a code is given, the household it opened. The CSRF token of every form is an
HMAC of that cookie under the deployment's key, so it survives a restart and needs no storage.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.views.texts import render

COOKIE = "yk"
TOKEN_KEY = web.AppKey("csrf_key", str)
SECURE_KEY = web.AppKey("secure_cookie", bool)
# Routes for machines on the same server (the Telegram and Zalo webhooks, Zalo's verification
# file): no cookie, no CSRF, no page; each checks its own sender and body size.
MACHINE_PATHS = web.AppKey("machine_paths", frozenset[str])
BROWSER = web.RequestKey("browser", str)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_BODY = 32 * 1024  # a comment of 1,000 Vietnamese characters is under 10 KB url-encoded
HEADERS = {
    # No script at all, nothing from another host, no framing.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger(__name__)


def browser_token(request: web.Request) -> str:
    """The browser's cookie (a new one when it has none; the middleware sets it)."""
    return request[BROWSER]


def csrf_token(request: web.Request) -> str:
    key = request.app[TOKEN_KEY].encode()
    return hmac.new(key, f"csrf:{browser_token(request)}".encode(), hashlib.sha256).hexdigest()


def page(name: str, *, status: int = 200, **context: object) -> web.Response:
    return web.Response(
        text=render(name, **context), status=status, content_type="text/html", charset="utf-8"
    )


def see_other(location: str) -> web.Response:
    """POST-redirect-GET: the next page is fetched, so a reload repeats nothing."""
    return web.Response(status=303, headers={"Location": location})


def refusal(request: web.Request, reason: str, status: int) -> web.Response:
    return page("web_error.html", status=status, reason=reason)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Cookie, CSRF and headers for every request; any failure is a Vietnamese page."""
    resource = request.match_info.route.resource
    if resource is not None and resource.canonical in request.app.get(MACHINE_PATHS, ()):
        return await handler(request)
    cookie = request.cookies.get(COOKIE, "")
    fresh = not _TOKEN.fullmatch(cookie)
    request[BROWSER] = secrets.token_urlsafe(32) if fresh else cookie
    try:
        if request.method == "POST" and not await _csrf_ok(request):
            response: web.StreamResponse = refusal(request, "csrf", 403)
        else:
            response = await handler(request)
    except web.HTTPRequestEntityTooLarge:
        response = refusal(request, "too_large", 413)
    except web.HTTPNotFound:
        response = refusal(request, "not_found", 404)
    except web.HTTPMethodNotAllowed:
        response = refusal(request, "not_found", 405)
    except Exception:
        log.exception("web page failed: %s %s", request.method, request.path)
        response = refusal(request, "error", 500)
    for name, value in HEADERS.items():  # a page may only name its own script policy
        response.headers.setdefault(name, value)
    if request.path.startswith("/static/") and response.status == 200:
        response.headers["Cache-Control"] = "public, max-age=86400"  # fetched once a day
    if fresh:
        response.set_cookie(
            COOKIE,
            request[BROWSER],
            max_age=90 * 24 * 3600,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.app[SECURE_KEY],
        )
    return response


async def _csrf_ok(request: web.Request) -> bool:
    form = await request.post()
    sent = form.get("csrf")
    return isinstance(sent, str) and hmac.compare_digest(sent, csrf_token(request))
