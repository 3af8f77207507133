"""Broadcast commands: /stop and re-subscribing for residents; /progress and /remind for staff."""

from __future__ import annotations

from telegram import Update

from handlers.telegram import broadcast_jobs
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import command_args, reply
from surveys.access import Action, Actor, Forbidden
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
    arg = command_args(update)
    if arg and not (arg.isdecimal() and len(arg) < 10):
        await reply(update, "resident_command_args.html", command=action.value.split(".")[-1])
        return None
    staff = context.services.staff_rounds
    actor = Actor(await person_of(update, context))
    try:
        round_ = await staff.round_for(actor, action, int(arg) if arg else None)
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
    actor = Actor(await person_of(update, context))
    shown = await services.staff_rounds.latest_progress(actor, round_)
    if shown is None:
        await reply(update, "staff_no_round.html", open_only=True)
        return
    message = await reply(update, "staff_progress.html", p=shown, tz=services.settings.timezone)
    if message is not None:
        await services.broadcasts.set_progress_message(
            shown.broadcast.id, message.chat_id, message.message_id
        )


async def remind(update: Update, context: BotContext) -> None:
    """Sends a reminder now to the round's recipients who have not finished."""
    round_ = await _staff_round(update, context, Action.SEND_REMINDERS)
    if round_ is None:
        return
    services = context.services
    actor = Actor(await person_of(update, context))
    try:
        done = await services.staff_rounds.remind(actor, round_)
    except RoundRefused:  # closed (or not yet open): nobody can answer a reminder
        label = await services.rounds.label(round_)
        await reply(update, "staff_reminder_closed.html", round_id=round_.id, label=label)
        return
    if done.broadcast is not None:
        broadcast_jobs.schedule(context.application, done.broadcast.id, services.env.now())
    await reply(
        update,
        "staff_reminder_started.html",
        broadcast=done.broadcast,
        count=done.recipients,
        label=done.label,
    )
