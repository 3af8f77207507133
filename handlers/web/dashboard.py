"""The officers' and staff's dashboard: sign-in from a one-time link, the places a person may
open, a province's table of communes, a commune's report, a round's progress.

Thin: parse the URL, call surveys.dashboard / surveys.signin with the signed-in Actor (which
check access and audit every page view), render a template. Sorting, filtering and searching
are links and a GET form, so the table works without JavaScript; only the progress page runs a
script, to refresh itself while a broadcast sends.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.views import labels
from handlers.views.reports import Paper
from handlers.web import dashboard_files
from handlers.web.dashboard_session import (
    COOKIE,
    SERVICES,
    code_of,
    drop_session,
    not_found,
    services,
    set_session,
    signed_in,
)
from handlers.web.security import csrf_token, page, see_other
from surveys.dashboard import SORTS, Status, select
from surveys.scoring import ScoreVerdict
from surveys.services import Services
from surveys.signin import Session, SignInRefused

REFRESH_SECONDS = 5
# The progress page alone runs a script (its own, from this host): the auto-refresh.
SCRIPT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def add_routes(app: web.Application, svc: Services) -> None:
    app[SERVICES] = svc
    app.add_routes(
        [
            web.get("/d/in/{secret}", link_page),
            web.post("/d/in/{secret}", sign_in),
            web.post("/d/out", sign_out),
            web.get("/d", home),
            web.get("/d/p/{province}", province_page),
            web.get("/d/p/{province}/chart.svg", dashboard_files.province_chart),
            web.get("/d/c/{commune}", commune_page),
            web.get("/d/c/{commune}/chart.svg", dashboard_files.commune_chart),
            web.get("/d/c/{commune}/progress", progress_page),
            web.get("/d/c/{commune}/{file}", dashboard_files.download),
            web.get("/d/{tail:.*}", nowhere),  # the dashboard's own not-found page
        ]
    )


async def nowhere(request: web.Request) -> web.Response:
    return not_found()


def _secret(request: web.Request) -> str:
    return request.match_info["secret"][:100]


async def link_page(request: web.Request) -> web.Response:
    """The chat's link opens a page with one button: only pressing it signs in (a chat's
    link preview fetching the page must not use the link up)."""
    try:
        await services(request).signin.check_link(_secret(request))
    except SignInRefused as exc:
        return page("dash_link_refused.html", status=400, reason=exc.error.value)
    return page("dash_sign_in.html", csrf=csrf_token(request), secret=_secret(request))


async def sign_in(request: web.Request) -> web.Response:
    try:
        token = await services(request).signin.redeem(_secret(request))
    except SignInRefused as exc:
        return page("dash_link_refused.html", status=400, reason=exc.error.value)
    response = see_other("/d")
    set_session(response, request, token)
    return response


async def sign_out(request: web.Request) -> web.Response:
    await services(request).signin.sign_out(request.cookies.get(COOKIE, ""))
    response = page("dash_signed_out.html", reason="bye")
    drop_session(response)
    return response


def _page(request: web.Request, session: Session, name: str, **context: Any) -> web.Response:
    """A dashboard page: every one has the sign-out form, hence the CSRF token."""
    return page(name, csrf=csrf_token(request), who=session.actor.label, **context)


@signed_in
async def home(request: web.Request, session: Session) -> web.StreamResponse:
    places = await services(request).dashboard.places(session.actor)
    if len(places.provinces) + len(places.communes) == 1:  # one place: straight to it
        if places.provinces:
            return see_other(f"/d/p/{places.provinces[0].code}")
        return see_other(f"/d/c/{places.communes[0].code}")
    return _page(request, session, "dash_home.html", places=places)


@signed_in
async def province_page(request: web.Request, session: Session) -> web.StreamResponse:
    board = await services(request).dashboard.province(session.actor, code_of(request, "province"))
    q = request.query
    query, verdict, status = q.get("q", "")[:100], q.get("verdict", ""), q.get("status", "")
    sort = q.get("sort", "rank") if q.get("sort", "rank") in SORTS else "rank"
    descending = q.get("dir") == "desc"
    rows = select(
        board.rows,
        query=query,
        verdict=verdict if verdict in set(ScoreVerdict) else "",
        status=status if status in set(Status) else "",
        sort=sort,
        descending=descending,
    )
    return _page(
        request,
        session,
        "dash_province.html",
        board=board,
        rows=rows,
        query=query,
        verdict=verdict,
        status_filter=status,
        sort=sort,
        descending=descending,
        verdicts=list(ScoreVerdict),
        statuses=list(Status),
        tz=services(request).settings.timezone,
    )


@signed_in
async def commune_page(request: web.Request, session: Session) -> web.StreamResponse:
    svc = services(request)
    code = code_of(request, "commune")
    report = await svc.dashboard.commune(session.actor, code)
    homes = await svc.households.issued_by_village(code)
    paper = Paper.of(report, svc.env.now(), homes)
    return _page(
        request,
        session,
        "dash_commune.html",
        report=report,
        paper=paper,
        tz=svc.settings.timezone,
        chart_src=f"/d/c/{code}/chart.svg",
        names=labels.CRITERIA_NAMES,
        decisions=labels.CRITERIA_DECISIONS,
        files=dashboard_files.FILES,
    )


@signed_in
async def progress_page(request: web.Request, session: Session) -> web.StreamResponse:
    svc = services(request)
    shown = await svc.dashboard.progress(session.actor, code_of(request, "commune"))
    response = _page(
        request,
        session,
        "dash_progress.html",
        shown=shown,
        refresh=REFRESH_SECONDS,
        now=svc.env.now(),
        tz=svc.settings.timezone,
    )
    if shown.running:
        response.headers["Content-Security-Policy"] = SCRIPT_CSP
    return response
