"""Handlers contributed by features (FAQ, broadcasts, summaries, roles), in one place.

HANDLERS are added after the resident and survey commands and before the catch-all button and
text routes, so a feature's CallbackQueryHandler(pattern=...) sees its own buttons first.
TEXT_STEPS are tried in order for typed text that is neither a commune search nor a pending
survey comment; each returns True when the text was its business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseHandler

from handlers import broadcasts, rounds
from handlers.context import BotContext

TextStep = Callable[[Update, BotContext], Awaitable[bool]]

HANDLERS: list[BaseHandler] = []
TEXT_STEPS: list[TextStep] = []

HANDLERS += broadcasts.HANDLERS
HANDLERS += rounds.HANDLERS
TEXT_STEPS.append(rounds.typed_time)
