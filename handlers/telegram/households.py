"""Household links (`/start h<code>`): bind the account to the household, village and commune."""

from __future__ import annotations

from telegram import Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import who_of
from handlers.telegram.replies import reply
from handlers.telegram.resident import offer_round
from handlers.telegram.updates import user_of
from surveys.households import parse_household_payload


async def household(update: Update, context: BotContext, payload: str) -> bool:
    """`/start h<code>`: joins the household of a printed code; an unknown one changes nothing."""
    code = parse_household_payload(payload)
    if code is None:
        return False
    user = user_of(update)
    joined = await context.services.households.join(
        await who_of(update, context), user.full_name, code
    )
    if joined is None:
        await reply(update, "resident_household_unknown.html")
        return True
    await reply(update, "resident_welcome.html", membership=joined.membership)
    await reply(update, "resident_household_joined.html", joined=joined)
    await offer_round(update, context, joined.membership)
    return True
