"""Invitation links for staff and officers: opening one grants the role and sets the menu."""

from __future__ import annotations

from telegram import Update

from handlers.telegram import menus
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, who_of
from handlers.telegram.replies import reply
from surveys.invitations import Redeem, parse_invite_payload


async def invitation(update: Update, context: BotContext, payload: str) -> bool:
    """`/start i<token>`: grants the invited role once; any other state is explained."""
    token = parse_invite_payload(payload)
    if token is None:
        return False
    services = context.services
    result = await services.invitations.redeem(await who_of(update, context), token)
    if result.outcome is Redeem.GRANTED:
        user_id = await person_of(update, context)  # made by the redeem if they were new
        if await menus.refresh(context.bot, services, user_id):
            await services.invitations.menu_done(user_id)
        else:
            await services.invitations.mark_menu_dirty(user_id)
    await reply(
        update,
        "role_invitation.html",
        outcome=result.outcome.value,
        invitation=result.invitation,
        places=result.places,
        tz=services.settings.timezone,
    )
    return True
