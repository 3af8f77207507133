"""/conflicts: households with both a paper sheet and a chat answer, and the chat answers held
after a paper sheet, each with the staff's decision (keep the paper sheet or take the chat).

Buttons (validated by `parse`, then by the domain against the round, household and role):
  x:p:<round>:<code>   keep the paper sheet, set the chat answers aside
  x:c:<round>:<code>   take the chat answer, set the paper sheet aside
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, commune_code_arg, reply
from handlers.views import labels
from surveys.access import Actor, Forbidden
from surveys.households import ALPHABET
from surveys.sheet_conflicts import Decided, Keep

_PRESS = re.compile(rf"x:([pc]):(\d{{1,12}}):([{ALPHABET}]{{8,10}})")


def parse(data: str | None) -> tuple[Keep, int, str] | None:
    """(what to keep, round, household code) of a well-formed press, None for anything else."""
    match = _PRESS.fullmatch(data or "") if data and len(data.encode()) <= 64 else None
    if match is None:
        return None
    return Keep.PAPER if match[1] == "p" else Keep.CHAT, int(match[2]), match[3]


def _markup(held: list) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                labels.CONFLICT_KEEP_PAPER.format(code=code), callback_data=f"x:p:{r.id}:{code}"
            ),
            InlineKeyboardButton(
                labels.CONFLICT_TAKE_CHAT.format(code=code), callback_data=f"x:c:{r.id}:{code}"
            ),
        ]
        for r, found in held
        for code, _ in found
    ]
    return InlineKeyboardMarkup(rows[:50]) if rows else None


async def conflicts(update: Update, context: BotContext) -> None:
    """/conflicts [COMMUNE]: households answered twice, and held chat answers to decide on."""
    actor = Actor(await person_of(update, context))
    service = context.services.sheet_entry
    arg = await commune_code_arg(update)
    if arg is None:
        return
    allowed = await service.communes(actor)
    if not arg and (allowed is None or len(allowed) != 1) and allowed != []:
        await reply(update, "staff_sheet_conflicts.html", pick=allowed or [], found=[], held=[])
        return
    try:
        if not arg and allowed == []:
            await service.may_enter(actor)
        code = int(arg) if arg else allowed[0]  # type: ignore[index]
        found = await service.conflicts(actor, code)
        held = await context.services.conflicts.held_in(actor, code)
    except Forbidden:
        await reply(update, "role_forbidden.html")
        return
    await reply(
        update,
        "staff_sheet_conflicts.html",
        _markup(held),
        pick=None,
        found=found,
        held=held,
        commune=code,
        labels=await context.services.rounds.labels([code]),
    )


async def on_press(update: Update, context: BotContext) -> None:
    """x:...: keeps the paper sheet or takes the chat answer; forged or stale presses change
    nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    press = parse(query.data)
    if press is None:
        await alert(update, "alert_invalid_button.html")
        return
    keep, round_id, code = press
    decision = await context.services.conflicts.decide(
        Actor(await person_of(update, context)), round_id, code, keep
    )
    if decision.outcome is Decided.UNKNOWN:
        await alert(update, "alert_invalid_button.html")
        return
    await query.answer()
    labels = await context.services.rounds.labels_of([decision.round_id])
    await reply(
        update, "staff_conflict_decided.html", decision=decision, label=labels[decision.round_id]
    )
