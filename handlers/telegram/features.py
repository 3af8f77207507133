"""Handlers contributed by features (FAQ, broadcasts, summaries, roles), in one place.

HANDLERS are added after the resident and survey commands and before the catch-all button and
text routes, so a feature's CallbackQueryHandler(pattern=...) sees its own buttons first.
TEXT_STEPS are tried in order for typed text that is neither a commune search nor a pending
survey comment; each returns True when the text was its business.
START_PAYLOADS are tried in order for a `/start <payload>` before the commune join link; each
returns True when the payload was its kind (an invitation, a household code).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseHandler

from handlers.telegram import (
    broadcast_admin,
    broadcasts,
    conflicts,
    faq,
    households,
    privacy,
    questions,
    roles,
    rounds,
    sheet_entry,
    summary,
    villages,
)
from handlers.telegram.context import BotContext

TextStep = Callable[[Update, BotContext], Awaitable[bool]]
StartPayload = Callable[[Update, BotContext, str], Awaitable[bool]]

HANDLERS: list[BaseHandler] = []
TEXT_STEPS: list[TextStep] = []

START_PAYLOADS: list[StartPayload] = []
HANDLERS += privacy.HANDLERS
HANDLERS += roles.HANDLERS
START_PAYLOADS += roles.START_PAYLOADS
HANDLERS += villages.HANDLERS
TEXT_STEPS += villages.TEXT_STEPS
HANDLERS += sheet_entry.HANDLERS
TEXT_STEPS += sheet_entry.TEXT_STEPS
HANDLERS += conflicts.HANDLERS
START_PAYLOADS += households.START_PAYLOADS
HANDLERS += summary.HANDLERS
TEXT_STEPS += summary.TEXT_STEPS
HANDLERS += broadcasts.HANDLERS
HANDLERS += broadcast_admin.HANDLERS
HANDLERS += rounds.HANDLERS
TEXT_STEPS.append(rounds.typed_time)
HANDLERS += faq.HANDLERS
# A staff member's typed answer first; a resident's free-text question must stay the LAST step.
TEXT_STEPS += [questions.reply_step, faq.question]
