"""/broadcast for commune staff: the commune's broadcasts (invitations, reminders, results)
with state and counts, and buttons to pause or resume a running one, cancel a scheduled one,
or launch a new round. Callback data `b:p:<id>` / `b:r:<id>` is validated strictly and every
press is authorised again against the broadcast's own commune; cancelling and launching are
the /rounds wizard's own buttons (`r:k:<id>`, `r:new`), so they share its checks."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from handlers.telegram import broadcast_jobs
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, reply
from handlers.telegram.updates import query_of
from handlers.views import labels
from surveys.access import Action, Actor, Forbidden, Scope

PRESS = re.compile(r"^b:([pr]):(\d{1,12})$")
SHOWN = 10  # the most recent broadcasts listed; older ones are in `ykien broadcast list`


async def broadcast_command(update: Update, context: BotContext) -> None:
    """Lists the commune's latest broadcasts, newest first, with their buttons."""
    services = context.services
    user_id = await person_of(update, context)
    communes = await services.access.communes(user_id, Action.MANAGE_ROUNDS) or []
    commune = communes[0] if communes else None
    try:
        await services.access.require(Actor(user_id), Action.MANAGE_ROUNDS, Scope(commune=commune))
    except Forbidden:
        await reply(update, "staff_forbidden.html")
        return
    latest = (await services.broadcasts.list_for(commune=commune))[-SHOWN:][::-1]
    shown = await services.broadcasts.progress_of(latest)
    rows: list[list[InlineKeyboardButton]] = []
    for b in latest:
        if b.held_at is not None:
            rows.append([_button(labels.BROADCAST_RESUME.format(id=b.id), f"b:r:{b.id}")])
        elif b.status in ("running", "paused"):
            rows.append([_button(labels.BROADCAST_HOLD.format(id=b.id), f"b:p:{b.id}")])
        elif b.status == "scheduled":
            rows.append([_button(labels.ROUND_CANCEL.format(id=b.id), f"r:k:{b.id}")])
    rows.append([_button(labels.ROUND_NEW, "r:new")])
    await reply(
        update,
        "staff_broadcasts.html",
        InlineKeyboardMarkup(rows),
        shown=shown,
        tz=services.settings.timezone,
    )


async def on_press(update: Update, context: BotContext) -> None:
    """Pause (p) or resume (r) one broadcast, after checking the data and the presser."""
    match = PRESS.fullmatch(query_of(update).data or "")
    if match is None:
        await alert(update, "alert_invalid_button.html")
        return
    action, broadcast_id = match.group(1), int(match.group(2))
    services = context.services
    user_id = await person_of(update, context)
    broadcast = await services.broadcasts.get(broadcast_id)
    scope = Scope(commune=broadcast.commune_code if broadcast else None)
    try:
        await services.access.require(Actor(user_id), Action.MANAGE_ROUNDS, scope)
    except Forbidden:
        await alert(update, "alert_broadcast_forbidden.html")
        return
    change = services.broadcasts.hold if action == "p" else services.broadcasts.release
    if not await change(broadcast_id):  # a double tap, or it ended meanwhile
        refusal = "alert_broadcast_not_held.html" if action == "p" else "alert_not_resumed.html"
        await alert(update, refusal)
        return
    await query_of(update).answer()
    event = "broadcast.hold" if action == "p" else "broadcast.resume"
    await services.access.audit(Actor(user_id), event, scope, detail=str(broadcast_id))
    if action == "r":
        broadcast_jobs.schedule(context.application, broadcast_id, services.env.now())
    changed = await services.broadcasts.progress(broadcast_id)
    await reply(
        update,
        "staff_broadcast_changed.html",
        p=changed,
        held=action == "p",
        tz=services.settings.timezone,
    )


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


HANDLERS: list[BaseHandler] = [
    CommandHandler("broadcast", broadcast_command),
    CallbackQueryHandler(on_press, pattern=r"^b:"),
]
