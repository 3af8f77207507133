"""/conflicts: households that answered a round on two channels or more (paper, Telegram chat,
web, Zalo), with which answer counts and why, and a button per channel staff may keep.

Buttons (validated by `parse`, then by the domain against the round, household and role):
  x:<c>:<round>:<code>   keep the channel <c> (p paper, c chat, w web, z Zalo), set the others
                         aside
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, commune_code_arg, reply
from handlers.telegram.updates import chat_of
from handlers.views import labels
from handlers.views.texts import render
from surveys.access import Actor, Forbidden
from surveys.households import ALPHABET
from surveys.sheet_conflicts import Decided, Keep, Listed

LIMIT = 4096  # Telegram's message length
_LETTERS = {Keep.PAPER: "p", Keep.CHAT: "c", Keep.WEB: "w", Keep.ZALO: "z"}
_KEEPS = {letter: keep for keep, letter in _LETTERS.items()}
_PRESS = re.compile(rf"x:([pcwz]):(\d{{1,12}}):([{ALPHABET}]{{8,10}})")


def parse(data: str | None) -> tuple[Keep, int, str] | None:
    """(what to keep, round, household code) of a well-formed press, None for anything else."""
    match = _PRESS.fullmatch(data or "") if data and len(data.encode()) <= 64 else None
    if match is None:
        return None
    return _KEEPS[match[1]], int(match[2]), match[3]


def _chunks(text: str) -> list[str]:
    """Splits at line ends so each part fits in one Telegram message (tags never span lines);
    the buttons go with the last part."""
    parts = [""]
    for line in text.splitlines(keepends=True):
        if parts[-1] and len(parts[-1]) + len(line) > LIMIT:
            parts.append("")
        parts[-1] += line
    return parts


def _markup(found: Listed) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                labels.CONFLICT_KEEP[keep].format(code=c.code),
                callback_data=f"x:{_LETTERS[keep]}:{r.id}:{c.code}",
            )
            for keep in c.choices
        ]
        for r, conflicts in found
        for c in conflicts
        if c.waiting
    ]
    return InlineKeyboardMarkup(rows[:50]) if rows else None


async def conflicts(update: Update, context: BotContext) -> None:
    """/conflicts [COMMUNE]: households answered on two channels, what counts, and buttons."""
    actor = Actor(await person_of(update, context))
    service = context.services.sheet_entry
    arg = await commune_code_arg(update)
    if arg is None:
        return
    allowed = await service.communes(actor)
    if not arg and (allowed is None or len(allowed) != 1) and allowed != []:
        await reply(
            update, "staff_sheet_conflicts.html", pick=allowed or [], found=[], waiting=False
        )
        return
    try:
        if not arg and allowed == []:
            await service.may_enter(actor)
        code = int(arg) if arg else allowed[0]  # type: ignore[index]
        found = await context.services.conflicts.listed_in(actor, code)
    except Forbidden:
        await reply(update, "role_forbidden.html")
        return
    markup = _markup(found)
    text = render(
        "staff_sheet_conflicts.html",
        pick=None,
        found=found,
        waiting=markup is not None,
        commune=code,
        labels=await context.services.rounds.labels([code]),
        tz=context.services.settings.timezone,
    )
    parts = _chunks(text)
    for part in parts[:-1]:
        await chat_of(update).send_message(part)
    await chat_of(update).send_message(parts[-1], reply_markup=markup)


async def on_press(update: Update, context: BotContext) -> None:
    """x:...: keeps one channel's answer; forged or stale presses change nothing."""
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
