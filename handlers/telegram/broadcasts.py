"""Broadcast commands: /stop and re-subscribing for residents; /progress and /remind for staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from handlers.telegram import broadcast_jobs
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import command_args, reply
from surveys.access import Action, Actor, Forbidden, Scope
from surveys.rounds import Round, RoundRefused


async def stop(update: Update, context: BotContext) -> None:
    """No more broadcasts or reminders for this resident, even in the middle of a round."""
    if await context.services.broadcasts.set_subscribed(await person_of(update, context), False):
        await reply(update, "resident_stopped.html")
    else:
        await reply(update, "resident_stop_not_joined.html")


async def _staff_round(update: Update, context: BotContext, action: Action) -> Round | None:
    """The round a staff command is about (its argument, or the commune's current round),
    checked."""
    services = context.services
    user_id = await person_of(update, context)
    arg = command_args(update)
    if arg and not (arg.isdecimal() and len(arg) < 10):
        await reply(update, "resident_command_args.html", command=action.value.split(".")[-1])
        return None
    if arg:
        # One row by id, not a listing of every round in the country with its counts.
        round_ = await services.rounds.get(int(arg))
        commune = round_.commune_code if round_ else None
    else:
        communes = await services.access.communes(user_id, action) or []
        commune = communes[0] if communes else None
        round_ = await services.rounds.current(commune) if commune is not None else None
        if round_ is None and action is Action.VIEW_PROGRESS and commune is not None:
            # Nothing has opened yet: the progress of what is scheduled is still worth seeing.
            rounds = await services.rounds.list_for_commune(commune)
            round_ = rounds[-1].round if rounds else None
    try:
        await services.access.require(Actor(user_id), action, Scope(commune=commune))
    except Forbidden:
        await reply(update, "staff_forbidden.html")
        return None
    if round_ is None:
        await reply(update, "staff_no_round.html", open_only=False)
        return None
    return round_


async def progress(update: Update, context: BotContext) -> None:
    """Shows a round's latest broadcast; the message is then edited in place while it runs."""
    round_ = await _staff_round(update, context, Action.VIEW_PROGRESS)
    if round_ is None:
        return
    services = context.services
    broadcasts = await services.broadcasts.list_for(round_id=round_.id)
    if not broadcasts:
        await reply(update, "staff_no_round.html", open_only=True)
        return
    latest = broadcasts[-1]
    shown = await services.broadcasts.progress(latest.id)
    message = await reply(update, "staff_progress.html", p=shown, tz=services.settings.timezone)
    if message is not None:
        await services.broadcasts.set_progress_message(
            latest.id, message.chat_id, message.message_id
        )


async def remind(update: Update, context: BotContext) -> None:
    """Sends a reminder now to the round's recipients who have not finished."""
    round_ = await _staff_round(update, context, Action.SEND_REMINDERS)
    if round_ is None:
        return
    services = context.services
    user_id = await person_of(update, context)
    label = await services.rounds.label(round_)
    try:
        broadcast = await services.broadcasts.remind_now(round_.id, Actor(user_id).label)
    except RoundRefused:  # closed (or not yet open): nobody can answer a reminder
        await reply(update, "staff_reminder_closed.html", round_id=round_.id, label=label)
        return
    count = 0
    if broadcast is not None:
        count = (await services.broadcasts.progress(broadcast.id)).total
        await services.access.audit(
            Actor(user_id),
            Action.SEND_REMINDERS,
            Scope(commune=broadcast.commune_code),
            detail=f"broadcast {broadcast.id}",
        )
        broadcast_jobs.schedule(context.application, broadcast.id, services.env.now())
    await reply(
        update, "staff_reminder_started.html", broadcast=broadcast, count=count, label=label
    )


HANDLERS: list[BaseHandler] = [
    CommandHandler("stop", stop),
    CommandHandler("progress", progress),
    CommandHandler("remind", remind),
]
