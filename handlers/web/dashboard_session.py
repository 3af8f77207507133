"""The dashboard's door: its session cookie, and the Vietnamese pages that refuse.

A page handler is written as `async def page(request, session)` and wrapped by `signed_in`:
no session (or an ended one, or a revoked role) is a sign-in page, Forbidden from the domain
is the 403 page, and a refused figure (an unknown commune, a round with no answers) its own
page. None of them changes anything; the domain has audited the refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from handlers.web.security import SECURE_KEY, page
from surveys.access import Forbidden
from surveys.services import Services
from surveys.signin import SESSION_TTL, Session, SignInRefused
from surveys.summaries import SummaryRefused

COOKIE = "ykd"
SERVICES = web.AppKey("dashboard_services", Services)
Page = Callable[[web.Request, Session], Awaitable[web.StreamResponse]]


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def set_session(response: web.StreamResponse, request: web.Request, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (sign-in is a form on this site),
    Secure behind HTTPS; it lives as long as the session may."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/d",
        httponly=True,
        samesite="Strict",
        secure=request.app[SECURE_KEY],
    )


def drop_session(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/d")


def forbidden() -> web.Response:
    return page("dash_forbidden.html", status=403)


def not_found() -> web.Response:
    return page("dash_refused.html", status=404, error="not_found", details={}, commune=None)


def signed_in(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        try:
            session = await services(request).signin.session(token)
        except SignInRefused as exc:
            response = page("dash_signed_out.html", status=401, reason=exc.error.value)
            drop_session(response)
            return response
        try:
            return await handler(request, session)
        except Forbidden:
            return forbidden()
        except BadCode:
            return not_found()
        except SummaryRefused as exc:
            commune = request.match_info.get("commune", "")  # a commune without figures yet
            return page(
                "dash_refused.html",
                status=404,
                error=exc.error.value,
                details=exc.details,
                commune=commune if commune.isascii() and commune.isdigit() else None,
            )

    return wrapped


class BadCode(Exception):
    """A commune or province code in the URL that is not one (a tampered or cut link)."""


def code_of(request: web.Request, name: str) -> int:
    """A commune or province code from the URL: up to 6 digits, else BadCode."""
    raw = request.match_info[name]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise BadCode(raw)
    return int(raw)
