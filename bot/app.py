"""Builds the one python-telegram-bot Application every front (run, demo, tests) uses."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot import log_filter
from bot.config import Config
from bot.http_client import AiohttpRequest
from bot.ordering import PerChatUpdateProcessor
from bot.resilient import PollingRequest, RetryingRequest, Sleep
from handlers.telegram import broadcast_jobs, menus, router
from handlers.telegram.context import BotContext, attach
from handlers.views.labels import COMMAND_MENU
from surveys import skipped_updates
from surveys.env import Clock, utc_now
from surveys.priority import Priority
from surveys.services import Services

App = Application[Any, BotContext, Any, Any, Any, Any]
log = logging.getLogger(__name__)


async def open_services(config: Config, *, clock: Clock = utc_now) -> Services:
    """Services on the configured database; the log filter then masks the deployment's
    pseudonym key (which may be the one kept in the database) and names senders with it."""
    services = await Services.open(str(config.db_path), clock=clock, settings=config.settings)
    log_filter.use_pseudonym_key(services.env.pseudonym_key)
    return services


def build_application(
    config: Config,
    *,
    services: Services | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock = utc_now,
    sleep: Sleep = asyncio.sleep,
) -> App:
    """Wires the router's handlers; opens the database in post_init unless `services` is given.

    `sleep` is what retried replies and polling wait with (tests move their clock instead)."""
    token = config.token.reveal() if config.token else "0:offline"
    priority = Priority()
    # aiohttp rather than PTB's default httpx: a fifth of the CPU per call (bot/http_client).
    # Replies to people are retried on 429/5xx/timeouts, ahead of broadcasts (bot/resilient).
    replies = RetryingRequest(request or AiohttpRequest(config.http_pool), priority, sleep=sleep)
    # Long polling over aiohttp too: with httpx it took about a quarter of the bot's CPU under
    # load (py-spy, benchmarks/answers.py). One connection: getUpdates calls never overlap.
    polling = PollingRequest(get_updates_request or AiohttpRequest(1), sleep=sleep)
    builder = (
        Application.builder()
        .token(token)
        .base_url(config.api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.settings.timezone))
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init(config, services, clock, polling))
        .post_shutdown(_post_shutdown(owned=services is None))
        .concurrent_updates(PerChatUpdateProcessor(config.concurrency))
    )
    builder = builder.request(replies).get_updates_request(polling)
    app: App = builder.build()
    app.bot_data[broadcast_jobs.PRIORITY_KEY] = priority
    router.install(app)  # every handler, in order (handlers/telegram/router.py)
    return app


def _post_init(
    config: Config, services: Services | None, clock: Clock, polling: PollingRequest
) -> Callable[[App], Coroutine[Any, Any, None]]:
    async def post_init(app: App) -> None:
        if services is None:
            svc = await open_services(config, clock=clock)
        else:
            svc = services
            log_filter.use_pseudonym_key(svc.env.pseudonym_key)
        attach(app, svc)
        # Links (join, invitations, household sheets) are made for the bot this token is.
        mismatch = await svc.identity.learn(app.bot.username)
        if mismatch is not None:
            log.warning(
                "YKIEN_BOT_USERNAME is %r but this token is the bot %r: links use %r",
                mismatch.configured,
                mismatch.actual,
                mismatch.actual,
            )
        polling.on_unreadable = functools.partial(skipped_updates.record, svc.env)
        await app.bot.set_my_commands(
            [BotCommand(name, text) for name, text in COMMAND_MENU],
            scope=BotCommandScopeAllPrivateChats(),
        )
        await menus.redo_marked(app.bot, svc)
        await broadcast_jobs.restore(app)

    return post_init


def _post_shutdown(*, owned: bool) -> Callable[[App], Coroutine[Any, Any, None]]:
    async def post_shutdown(app: App) -> None:
        svc = app.bot_data.get("services")
        if owned and svc is not None:
            await svc.close()

    return post_shutdown
