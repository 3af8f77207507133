"""Staff list and add their commune's villages in chat (/villages, buttons h:add:<commune>)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, commune_code_arg, reply
from handlers.telegram.updates import query_of, text_of
from handlers.views import labels
from surveys.access import Actor, Forbidden
from surveys.pending import Pending
from surveys.villages import awaited_commune, clean_name

_ADD = re.compile(r"^h:add:(\d{1,7})$")


def _add_button(commune_code: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(labels.ADD_VILLAGE, callback_data=f"h:add:{commune_code}")]]
    )


async def villages(update: Update, context: BotContext) -> None:
    """Lists a commune's villages with an 'add' button; refuses outside the person's scope."""
    actor = Actor(await person_of(update, context))
    service = context.services.villages
    arg = await commune_code_arg(update)
    if arg is None:
        return
    try:
        if arg:
            code = int(arg)
        else:
            allowed = await service.manageable(actor)
            if allowed is None or len(allowed) != 1:
                await reply(update, "role_villages_pick.html", communes=allowed or [])
                return
            code = allowed[0]
        opened = await service.open(actor, code)
    except Forbidden:
        await reply(update, "role_forbidden.html")
        return
    if opened is None:
        await reply(update, "role_villages_bad_code.html", value=arg)
        return
    commune, found = opened
    await reply(update, "role_villages.html", _add_button(code), commune=commune, villages=found)


async def on_press(update: Update, context: BotContext) -> None:
    """h:add:<commune>: asks for the new village's name, after checking the role again."""
    match = _ADD.fullmatch(query_of(update).data or "")
    if match is None:
        await alert(update, "alert_invalid_button.html")
        return
    try:
        commune = await context.services.villages.begin_add(
            Actor(await person_of(update, context)), int(match[1])
        )
    except Forbidden:
        await alert(update, "alert_forbidden.html")
        return
    if commune is None:
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    await reply(update, "role_village_ask_name.html", commune=commune)


async def village_name(update: Update, context: BotContext, pending: Pending) -> bool:
    """Typed text while a village name is awaited; False when none is."""
    user_id = await person_of(update, context)
    service = context.services.villages
    commune_code = awaited_commune(pending)
    if commune_code is None:
        return False
    name = clean_name(text_of(update))
    if name is None:
        await reply(update, "role_village_bad_name.html")
        return True
    try:
        name, added = await service.add(Actor(user_id), commune_code, name)
    except Forbidden:
        await context.services.residents.cancel(user_id)
        await reply(update, "role_forbidden.html")
        return True
    await reply(update, "role_village_added.html", village=name, added=added)
    return True
