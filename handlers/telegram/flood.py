"""Per-person flood limit, before any other handler: one polite warning, then silence.

It guards against residents and strangers; people holding a role are not limited.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, reply
from surveys.flood import FloodAction, FloodLimit

FLOOD_KEY = "flood_limit"


def _limit(context: BotContext) -> FloodLimit:
    limit = context.bot_data.get(FLOOD_KEY)
    if limit is None:
        s = context.services.settings
        limit = context.bot_data[FLOOD_KEY] = FloodLimit(
            s.flood_count, s.flood_window, s.flood_pause
        )
    return limit


async def flood_guard(update: Update, context: BotContext) -> None:
    """Lets the update through unless its sender went over the limit."""
    user = update.effective_user
    if user is None:
        return
    now = context.services.env.now().timestamp()
    limit = _limit(context)
    verdict = limit.check(user.id, now)
    if verdict is FloodAction.PASS:
        return
    # Invited staff and officers are trusted and work fast (a paper sheet is 16 taps). Roles are
    # read once per trip, when the pause would start, never for each update a pause ignores.
    if verdict is FloodAction.WARN:
        if await context.services.access.roles(await person_of(update, context)):
            limit.forgive(user.id)
            return
        pause = round(context.services.settings.flood_pause)
        if update.callback_query is not None:
            await alert(update, "alert_flood.html")
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await reply(update, "resident_flood.html", seconds=pause)
    raise ApplicationHandlerStop
