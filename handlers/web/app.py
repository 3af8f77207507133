"""The e-sheet's aiohttp application: its routes, in the order a household meets them."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from handlers.web import dashboard, pages
from handlers.web.security import MAX_BODY, SECURE_KEY, TOKEN_KEY, guard
from surveys.services import Services

STATIC = Path(__file__).with_name("static")


def build_web_app(services: Services, *, secure: bool) -> web.Application:
    """`secure`: cookies carry Secure (the public URL is https, behind a reverse proxy)."""
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[pages.SERVICES] = services
    app[TOKEN_KEY] = services.env.pseudonym_key
    app[SECURE_KEY] = secure
    app.add_routes(
        [
            web.get("/", pages.index),
            web.get("/x/{commune}", pages.commune_page),  # the commune's link
            web.post("/x/{commune}", pages.enter_code),  # village + typed household code
            web.get("/x/{commune}/{code}", pages.household_link),  # a household card's QR
            web.get("/s", pages.sheet_page),  # where the household stands
            web.post("/s/start", pages.start),  # after the notice
            web.get("/s/q/{index}", pages.question_page),
            web.post("/s/q/{index}", pages.answer),
            web.get("/s/review", pages.review),
            web.post("/s/submit", pages.submit),
            web.get("/s/thanks", pages.thanks),
            web.static("/static", STATIC),
        ]
    )
    dashboard.add_routes(app, services)  # the officers' and staff's dashboard under /d
    return app
