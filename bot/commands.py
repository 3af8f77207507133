"""The command-line actions; each prints a rendered template and returns an exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path

from bot import log_filter, webhook
from bot.app import build_application, settings_from
from bot.cli_support import BAD_INPUT, OK, CliError, parse_time
from bot.config import Config
from bot.extensions import CLI_GROUPS
from handlers.texts import render
from storage import migrate
from surveys.access import Actor, Scope
from surveys.definitions import survey_to_dict
from surveys.rounds import RoundRefused
from surveys.services import Services
from surveys.survey_errors import SurveyFileError


def run(config: Config) -> int:
    if config.token is None:
        print(render("cli_error.txt", reason="no_token"), file=sys.stderr)
        return BAD_INPUT
    app = build_application(config)
    print(render("cli_running.txt", config=config, api_url=config.api_url), file=sys.stderr)
    if config.webhook_url is None:
        app.run_polling(allowed_updates=None, drop_pending_updates=False)
        return OK
    secret = config.webhook_secret.reveal() if config.webhook_secret else secrets.token_urlsafe(32)
    log_filter.add_secret(secret)
    asyncio.run(webhook.serve(app, config, secret))  # the secret is checked before the body
    return OK


async def dispatch(config: Config, args: argparse.Namespace) -> int:
    services = await Services.open(str(config.db_path), settings=settings_from(config))
    outcome = "failed"
    try:
        out = await _act(services, config, args)
        outcome = "ok"
    except CliError as exc:
        print(render(exc.template, **exc.ctx), file=sys.stderr)
        return BAD_INPUT
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


async def _commune(services: Services, code: int):
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
    if cmd == "link":
        commune = await _commune(services, args.commune)
        token = await services.residents.join_token(commune.code)
        assert token is not None
        url = services.residents.join_link(token)
        if args.qr:
            from bot.posters import write_qr

            write_qr(url, Path(args.qr))
        return render("cli_link.txt", commune=commune, url=url, qr=args.qr)
    if cmd == "village":
        commune = await _commune(services, args.commune)
        if action == "add":
            names = [" ".join(n.split()) for n in args.names]
            if any(not n or len(n) > 60 for n in names):
                raise CliError("cli_error.txt", reason="bad_village")
            added = await services.residents.add_villages(commune.code, names)
            return render("cli_villages_added.txt", commune=commune, added=added)
        return render(
            "cli_villages.txt",
            commune=commune,
            villages=await services.residents.villages(commune.code),
        )
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
            launched = await services.broadcasts.open_round(
                args.commune, args.survey, opens_at=opens, closes_at=closes
            )
            return render("cli_round_opened.txt", round=launched.round, tz=tz, launched=launched)
        if action == "close":
            return render("cli_round_closed.txt", round=await services.rounds.close(args.id))
        return render(
            "cli_rounds.txt", rounds=await services.rounds.list(args.commune), now=now, tz=tz
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
