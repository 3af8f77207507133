"""The command-line actions; each prints a rendered template and returns an exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sqlite3
import sys
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot import log_filter, web_server, webhook
from bot.app import build_application, open_services
from bot.cli_database import database_failed
from bot.cli_output import write_output
from bot.cli_support import BAD_INPUT, FAILED, OK, CliError, parse_time, refuse
from bot.config import Config
from bot.extensions import CLI_GROUPS
from bot.http_client import AiohttpRequest
from handlers.views.texts import render
from storage import migrate
from storage.records import Commune
from surveys.access import Actor, Scope
from surveys.definitions import survey_to_dict
from surveys.env import BotUnknown
from surveys.links import web_link
from surveys.rounds import RoundRefused
from surveys.services import Services
from surveys.survey_errors import SurveyFileError


def run(config: Config) -> int:
    """The bot until stopped; an unreachable Bot API, a refused token or a damaged database
    end it with a message, not a traceback."""
    if config.token is None and config.web_listen is not None:
        try:
            return asyncio.run(web_server.serve_alone(config))
        except sqlite3.DatabaseError as exc:
            return refuse(database_failed(config.db_path, exc))
    if config.token is None:
        print(render("cli_error.txt", reason="no_token"), file=sys.stderr)
        return BAD_INPUT
    try:
        return _run(config)
    except InvalidToken as exc:
        reason, detail = "token", str(exc)
    except NetworkError as exc:
        reason, detail = "network", str(exc)
    except sqlite3.DatabaseError as exc:
        return refuse(database_failed(config.db_path, exc))
    print(
        render("cli_run_failed.txt", reason=reason, api_url=config.api_url, detail=detail),
        file=sys.stderr,
    )
    return FAILED


def _run(config: Config) -> int:
    # Our own requests, so that they are closed even when the first getMe fails (PTB shuts
    # down only an application that finished initialising).
    requests = (AiohttpRequest(config.http_pool), AiohttpRequest(1))
    app = build_application(config, request=requests[0], get_updates_request=requests[1])
    if config.web_listen is not None:
        web_server.attach(app, config)  # the e-sheet on the same loop and database
    print(render("cli_running.txt", config=config, api_url=config.api_url), file=sys.stderr)
    try:
        if config.webhook_url is None:
            app.run_polling(allowed_updates=None, drop_pending_updates=False, close_loop=False)
            return OK
        secret = (
            config.webhook_secret.reveal() if config.webhook_secret else secrets.token_urlsafe(32)
        )
        log_filter.add_secret(secret)
        # one aiohttp server; the secret is checked before the body is read (bot/webhook.py)
        asyncio.get_event_loop().run_until_complete(webhook.serve(app, config, secret))
        return OK
    finally:
        loop = asyncio.get_event_loop()
        loop.run_until_complete(asyncio.gather(*(r.shutdown() for r in requests)))
        loop.close()
        asyncio.set_event_loop(None)


# Commands that print t.me links: (command, action); None: any action.
LINK_COMMANDS = {("link", None), ("invite", "staff"), ("invite", "officer")}
LINK_COMMANDS |= {("households", "issue"), ("households", "list")}


def _bot_for_links(services: Services, args: argparse.Namespace) -> None:
    """Before a command stores anything it would print links for: the bot must be known
    (raises BotUnknown), and a YKIEN_BOT_USERNAME that names another bot is said."""
    action = getattr(args, "action", None)
    if not {(args.command, None), (args.command, action)} & LINK_COMMANDS:
        return
    if services.settings.web_url and args.command in ("households", "link"):
        return  # web links need no bot (a web-only deployment has none)
    services.identity.username()
    mismatch = services.identity.mismatch()
    if mismatch is not None:
        print(render("cli_bot_mismatch.txt", mismatch=mismatch), file=sys.stderr)


async def dispatch(config: Config, args: argparse.Namespace) -> int:
    try:
        return await _dispatch(config, args)
    except sqlite3.DatabaseError as exc:  # a damaged page found mid-command, or a lock
        return refuse(database_failed(config.db_path, exc))


async def _dispatch(config: Config, args: argparse.Namespace) -> int:
    services = await open_services(config)
    outcome = "failed"
    try:
        _bot_for_links(services, args)
        out = await _act(services, config, args)
        outcome = "ok"
    except BotUnknown:
        print(render("cli_bot_unknown.txt"), file=sys.stderr)
        return BAD_INPUT
    except CliError as exc:
        return refuse(exc)
    except RoundRefused as exc:
        print(
            render("cli_refused.txt", error=exc.error.value, details=exc.details), file=sys.stderr
        )
        return BAD_INPUT
    except SurveyFileError as exc:
        print(
            render(
                "cli_survey_error.txt",
                where=exc.where,
                field=exc.field,
                problem=exc.problem.value,
                details=exc.details,
            ),
            file=sys.stderr,
        )
        return BAD_INPUT
    finally:
        try:
            await _audit(services, args, outcome)
        finally:
            await services.close()
    if out:
        print(out)
    return OK


async def _audit(services: Services, args: argparse.Namespace, outcome: str) -> None:
    """Every command-line action goes to the audit log, done or refused, as the operator."""
    commune = getattr(args, "commune", None)
    if isinstance(commune, list):
        commune = commune[0] if len(commune) == 1 else None
    province = getattr(args, "province", None)
    name = " ".join(str(p) for p in (args.command, getattr(args, "action", None)) if p)
    await services.access.audit(
        Actor.operator(), f"cli:{name}", Scope(commune, province), outcome=outcome
    )


async def _commune(services: Services, code: int) -> Commune:
    commune = await services.residents.commune(code)
    if commune is None:
        raise CliError("cli_error.txt", reason="unknown_commune", value=code)
    return commune


async def _act(services: Services, config: Config, args: argparse.Namespace) -> str:
    tz = services.settings.timezone
    now = services.env.now()
    cmd, action = args.command, getattr(args, "action", None)
    if cmd == "communes":
        if args.search:
            found = await services.residents.find_communes(args.search, args.province)
        else:
            found = await services.residents.communes(args.province)
        return render("cli_communes.txt", communes=found)
    if cmd == "provinces":
        return render("cli_provinces.txt", provinces=await services.residents.provinces())
    if cmd == "link":
        commune = await _commune(services, args.commune)
        token = await services.residents.join_token(commune.code)
        assert token is not None
        web_url = services.settings.web_url
        try:
            url: str | None = services.residents.join_link(token)
        except BotUnknown:
            if not web_url:
                raise
            url = None  # a web-only deployment: the e-sheet's link alone
        web = web_link(web_url, commune.code) if web_url else None
        if args.qr:
            from bot.posters import Code, write_poster

            codes = [Code(c, u) for c, u in (("telegram", url), ("web", web)) if u]

            async def poster(path: Path) -> None:
                await asyncio.to_thread(write_poster, commune, codes, path)

            await write_output(args, poster)
        return render("cli_link.txt", commune=commune, url=url, web=web, qr=args.qr)
    if cmd == "survey":
        if action == "list":
            return render("cli_surveys.txt", surveys=await services.rounds.surveys())
        if action == "show":
            survey = await services.rounds.survey(args.id)
            if survey is None:
                raise CliError("cli_error.txt", reason="unknown_survey", value=args.id)
            return json.dumps(survey_to_dict(survey), ensure_ascii=False, indent=2)
        survey = await services.rounds.add_survey(Path(args.file))
        return render("cli_survey_added.txt", survey=survey)
    if cmd == "round":
        if action == "open":
            opens = parse_time(args.at, tz) if args.at else None
            if opens is not None and opens < now:
                raise CliError("cli_error.txt", reason="time_in_past", value=args.at)
            closes = parse_time(args.closes, tz) if args.closes else None
            launched = await services.staff_rounds.open_round(
                Actor.operator(),
                args.commune,
                args.survey,
                opens_at=opens,
                closes_at=closes,
                official=args.official,
            )
            return render("cli_round_opened.txt", round=launched.round, tz=tz, launched=launched)
        if action == "close":
            closed = await services.staff_rounds.close_round(Actor.operator(), args.id)
            label = await services.rounds.label(closed)
            return render("cli_round_closed.txt", round=closed, label=label)
        return render(
            "cli_rounds.txt",
            rounds=await services.staff_rounds.rounds_of(Actor.operator(), args.commune),
            now=now,
            tz=tz,
        )
    if cmd == "migrate":
        if args.list:
            version = await migrate.current_version(services.db.conn)
            return render("cli_migrations.txt", migrations=migrate.available(), version=version)
        return render("cli_migrated.txt", version=await migrate.current_version(services.db.conn))
    for group in CLI_GROUPS:
        if cmd in group.COMMANDS:
            return await group.act(services, config, args)
    raise CliError("cli_error.txt", reason="unknown_command", value=cmd)
