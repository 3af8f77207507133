"""The dashboard's files: the commune's printable report, XLSX and CSV, and the charts the
pages show (SVG, drawn by handlers.views.charts from the figures of the chat's and the printed
report's PNG).

Each is checked and audited by the domain like a page: a download is Action.EXPORT, a chart
the page view it belongs to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import ModuleType

from aiohttp import web

from handlers.views.reports import Format, Output, Paper, commune_output
from handlers.web.dashboard_session import code_of, not_found, services, signed_in
from surveys.access import Action
from surveys.signin import Session

# The URL's file name -> its format; the downloads the commune page links to, in order.
FILES = {"bao-cao.html": Format.HTML, "bang-tinh.xlsx": Format.XLSX, "so-lieu.csv": Format.CSV}


def _file(output: Output, *, inline: bool = False) -> web.Response:
    disposition = "inline" if inline else f'attachment; filename="{output.filename}"'
    return web.Response(
        body=output.content,
        content_type=output.mime.split(";")[0],
        headers={"Content-Disposition": disposition},
    )


def _svg(content: bytes) -> web.Response:
    """A chart: matplotlib's SVG styles itself inline (an image runs no script); compressed,
    as it holds no secret (the pages, which hold the CSRF token, are not)."""
    response = web.Response(body=content, content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.enable_compression()
    return response


@signed_in
async def download(request: web.Request, session: Session) -> web.StreamResponse:
    fmt = FILES.get(request.match_info["file"])
    if fmt is None:
        return not_found()
    svc = services(request)
    code = code_of(request, "commune")
    report = await svc.dashboard.commune(session.actor, code, action=Action.EXPORT)
    answers = await svc.summaries.export_answers(report) if fmt is Format.XLSX else None
    homes = await svc.households.issued_by_village(code)
    tz, now = svc.settings.timezone, svc.env.now()
    output = commune_output(report, fmt, tz=tz, now=now, answers=answers, village_households=homes)
    return _file(output)


@signed_in
async def commune_chart(request: web.Request, session: Session) -> web.StreamResponse:
    svc = services(request)
    code = code_of(request, "commune")
    report = await svc.dashboard.commune(session.actor, code)
    paper = Paper.of(report, svc.env.now())
    return _svg(await _drawn(lambda charts: charts.commune_svg(report, paper)))


@signed_in
async def province_chart(request: web.Request, session: Session) -> web.StreamResponse:
    board = await services(request).dashboard.province(session.actor, code_of(request, "province"))
    if board.report is None:
        return not_found()
    report = board.report
    return _svg(await _drawn(lambda charts: charts.province_svg(report)))


_DRAWING = asyncio.Lock()


async def _drawn(draw: Callable[[ModuleType], bytes]) -> bytes:
    """A chart drawn off the event loop (matplotlib takes a few hundred ms, which would stall
    the residents' answers), one at a time (pyplot is not thread-safe); charts is imported here
    so a process that never draws (the bot serving residents) never loads matplotlib."""
    from handlers.views import charts

    async with _DRAWING:
        return await asyncio.to_thread(draw, charts)
