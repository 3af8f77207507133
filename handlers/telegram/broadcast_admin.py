"""/broadcast for commune staff: the commune's broadcasts (invitations, reminders, results)
with state and counts, and buttons to pause or resume a running one, cancel a scheduled one,
or launch a new round. Callback data `b:p:<id>` / `b:r:<id>` is validated strictly and every
press is authorised again against the broadcast's own commune; cancelling and launching are
the /rounds wizard's own buttons (`r:k:<id>`, `r:new`), so they share its checks."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram import broadcast_jobs, keyboards
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, reply
from handlers.telegram.updates import query_of
from handlers.views import labels
from surveys.access import Actor, Forbidden

PRESS = re.compile(r"^b:([pr]):(\d{1,12})$")
SHOWN = 10  # the most recent broadcasts listed; older ones are in `ykien broadcast list`


async def broadcast_command(update: Update, context: BotContext) -> None:
    """Lists the commune's latest broadcasts, newest first, with their buttons."""
    services = context.services
    actor = Actor(await person_of(update, context))
    try:
        commune = await services.staff_rounds.home(actor)
        shown = (await services.staff_rounds.broadcasts_of(actor, commune, last=SHOWN))[::-1]
    except Forbidden:
        await reply(update, "staff_forbidden.html")
        return
    rows: list[list[InlineKeyboardButton]] = []
    for b in (p.broadcast for p in shown):
        if b.held_at is not None:
            rows.append([keyboards.button(labels.BROADCAST_RESUME.format(id=b.id), f"b:r:{b.id}")])
        elif b.status in ("running", "paused"):
            rows.append([keyboards.button(labels.BROADCAST_HOLD.format(id=b.id), f"b:p:{b.id}")])
        elif b.status == "scheduled":
            rows.append([keyboards.button(labels.ROUND_CANCEL.format(id=b.id), f"r:k:{b.id}")])
    rows.append([keyboards.button(labels.ROUND_NEW, "r:new")])
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
    staff = services.staff_rounds
    change = staff.hold if action == "p" else staff.release
    try:
        changed = await change(Actor(await person_of(update, context)), broadcast_id)
    except Forbidden:
        await alert(update, "alert_broadcast_forbidden.html")
        return
    if changed is None:  # a double tap, or it ended meanwhile
        refusal = "alert_broadcast_not_held.html" if action == "p" else "alert_not_resumed.html"
        await alert(update, refusal)
        return
    await query_of(update).answer()
    if action == "r":
        broadcast_jobs.schedule(context.application, broadcast_id, services.env.now())
    await reply(
        update,
        "staff_broadcast_changed.html",
        p=changed,
        held=action == "p",
        tz=services.settings.timezone,
    )
