"""Staff type a paper sheet in chat (/sheet); twice-answered households: conflicts.

Buttons (callback data, validated by `parse`; the token is the entry's, see
surveys.sheet_entry):
  k:a:<token>:<q>:<value>   answer question index q
  k:s:<token>:<q>           skip an optional question
  k:r:<token>               replace the household's earlier paper sheet
  k:ok:<token>              store the sheet
  k:x:<token>               cancel the entry
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from handlers.telegram import keyboards
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, command_args, reply
from handlers.telegram.updates import query_of, text_of
from handlers.views import labels
from surveys import question_kinds
from surveys.access import Actor, Forbidden
from surveys.pending import Pending
from surveys.sheet_entry import Entry, SheetEntryOutcome

_PRESS = re.compile(
    r"^k:(?:(a):([0-9a-f]{8}):(\d{1,2}):([a-z0-9]{1,8})|(s):([0-9a-f]{8}):(\d{1,2})"
    r"|(r|ok|x):([0-9a-f]{8}))$"
)


def parse(data: str | None) -> tuple[str, str, int, str] | None:
    """(op, token, question index, value) of a well-formed press, None for anything else."""
    match = _PRESS.fullmatch(data or "") if data and len(data.encode()) <= 64 else None
    if match is None:
        return None
    g = match.groups()
    if g[0]:
        return g[0], g[1], int(g[2]), g[3]
    if g[4]:
        return g[4], g[5], int(g[6]), ""
    return g[7], g[8], -1, ""


def _question_keyboard(entry: Entry, index: int) -> InlineKeyboardMarkup:
    assert entry.survey is not None
    q, t = entry.survey.questions[index], entry.token
    kind = question_kinds.of(q.kind)
    if kind.values:
        rows = [
            [keyboards.button(labels.VALUES[kind.labels][v], f"k:a:{t}:{index}:{kind.typed(v)}")]
            for v in kind.values
        ]
    else:
        rows = [[keyboards.button(c.label, f"k:a:{t}:{index}:{c.code}")] for c in q.choices]
    if q.optional:
        rows.append([keyboards.button(labels.SKIP, f"k:s:{t}:{index}")])
    rows.append([keyboards.button(labels.SHEET_CANCEL, f"k:x:{t}")])
    return InlineKeyboardMarkup(rows)


async def show(update: Update, entry: Entry) -> None:
    """The reply for an entry's outcome: a message, the next question or the summary."""
    if entry.then is not None:  # a typed text the step did not expect: say so, ask again
        await reply(update, "staff_sheet.html", entry=entry, labels=labels)
        entry = replace(entry, outcome=entry.then, then=None)
    t = entry.token
    if entry.outcome is SheetEntryOutcome.QUESTION and entry.index is not None:
        markup = _question_keyboard(entry, entry.index)
        await reply(
            update,
            "staff_sheet_question.html",
            markup,
            entry=entry,
            index=entry.index,
            labels=labels,
        )
    elif entry.outcome is SheetEntryOutcome.SUMMARY:
        markup = InlineKeyboardMarkup(
            [
                [
                    keyboards.button(labels.SHEET_SAVE, f"k:ok:{t}"),
                    keyboards.button(labels.SHEET_CANCEL, f"k:x:{t}"),
                ]
            ]
        )
        answers = [(q, labels.answer_label(q, v)) for q, v in entry.answers()]
        await reply(
            update, "staff_sheet_summary.html", markup, entry=entry, answers=answers, labels=labels
        )
    elif entry.outcome is SheetEntryOutcome.EXISTS:
        markup = InlineKeyboardMarkup(
            [
                [keyboards.button(labels.SHEET_REPLACE, f"k:r:{t}")],
                [keyboards.button(labels.SHEET_CANCEL, f"k:x:{t}")],
            ]
        )
        await reply(update, "staff_sheet.html", markup, entry=entry, labels=labels)
    else:
        await reply(update, "staff_sheet.html", entry=entry, labels=labels)


async def sheet(update: Update, context: BotContext) -> None:
    """/sheet [CODE]: starts typing a paper sheet; refuses people without the staff role."""
    user_id = await person_of(update, context)
    service = context.services.sheet_entry
    code = command_args(update)
    try:
        entry = await service.begin(Actor(user_id))
        if code:
            entry = await service.household(Actor(user_id), code)
    except Forbidden:
        await context.services.residents.cancel(user_id)
        await reply(update, "role_forbidden.html")
        return
    await show(update, entry)


async def typed(update: Update, context: BotContext, pending: Pending) -> bool:
    """Typed text while an entry is pending: the household code or a comment; False if none."""
    user_id = await person_of(update, context)
    try:
        entry = await context.services.sheet_entry.typed(Actor(user_id), pending, text_of(update))
    except Forbidden:
        await context.services.residents.cancel(user_id)
        await reply(update, "role_forbidden.html")
        return True
    if entry is None:
        return False
    await show(update, entry)
    return True


async def on_press(update: Update, context: BotContext) -> None:
    """k:...: one tap of the entry; anything forged, stale or replayed changes nothing."""
    query = query_of(update)
    press = parse(query.data)
    if press is None:
        await alert(update, "alert_sheet_invalid.html")
        return
    user_id = await person_of(update, context)
    try:
        entry = await context.services.sheet_entry.press(Actor(user_id), *press)
    except Forbidden:
        await context.services.residents.cancel(user_id)
        await alert(update, "alert_forbidden.html")
        return
    if entry.outcome is SheetEntryOutcome.INVALID:
        await alert(update, "alert_sheet_invalid.html")
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # an old message may refuse edits; nothing depends on it
        await query.edit_message_reply_markup(reply_markup=None)
    await show(update, entry)
