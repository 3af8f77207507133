"""A resident answering: one message per question, one tap per answer, a review at the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

from telegram import Update
from telegram.error import BadRequest, TelegramError

from handlers.telegram import keyboards
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, presser_of
from handlers.telegram.replies import alert, edit_unread, refuse_args, reply, say
from handlers.telegram.resident import ask_village
from handlers.telegram.updates import query_of, text_of, user_of
from handlers.views import labels
from handlers.views.texts import render
from surveys.answering import AnswerOutcome, Result, Step
from surveys.pending import Pending

log = logging.getLogger(__name__)

# Chats whose next step Telegram refused beyond the retry budget (bot/resilient.py): the
# resident's next press, even the same answer again, asks it once more. In memory only: after
# a restart /survey or another answer asks it.
OWED_KEY = "next_step_owed"

# Refusals of a button press, shown as a pop-up: template per outcome.
_PRESS_REFUSALS = {
    AnswerOutcome.UNKNOWN: "alert_invalid_button.html",
    AnswerOutcome.NOT_YOURS: "alert_not_yours.html",
    AnswerOutcome.CLOSED: "alert_round_closed.html",
    AnswerOutcome.NOT_YET: "alert_not_yet.html",
    AnswerOutcome.NOT_JOINED: "alert_not_joined.html",
}


async def survey_command(update: Update, context: BotContext) -> None:
    """Continues (or starts) the open round where the resident left it."""
    if await refuse_args(update, "survey"):
        return
    await continue_survey(update, context)


async def continue_survey(update: Update, context: BotContext) -> None:
    user_id = await person_of(update, context)
    membership = await context.services.residents.membership(user_id)
    if membership is None:
        await reply(update, "resident_not_joined.html")
        return
    if membership.villages and membership.village is None:
        await ask_village(update, membership)
        return
    result = await context.services.answering.current(user_id)
    if result.outcome is AnswerOutcome.NO_ROUND or result.step is None:
        await reply(update, "resident_no_round.html", membership=membership)
        return
    await show(update, result.step, again=True)
    _owed(context).discard(user_of(update).id)  # the owed set holds Telegram chats


async def show(update: Update, step: Step, *, again: bool = False) -> None:
    """Asks the step's question, or shows the review when every question is answered."""
    if step.index is None:
        await say(
            update,
            "resident_review.html",
            keyboards.review(step),
            step=step,
            label=labels.answer_label,
            again=again,
        )
        return
    await say(
        update,
        "resident_question.html",
        keyboards.question(step, step.index),
        step=step,
        number=step.index + 1,
    )


async def on_start_press(update: Update, context: BotContext) -> None:
    """go: starts the open round, or re-shows the question the resident stopped at."""
    await query_of(update).answer()
    await continue_survey(update, context)


async def on_answer_press(update: Update, context: BotContext, press: keyboards.Press) -> None:
    """a:, s:, e:: stores the tapped answer (or skips, or re-asks), marks the question with
    it, then asks the next question."""
    answering = context.services.answering
    response_id, index = press.ids
    who = presser_of(update, context)  # resolved by the same read as the response
    if press.kind == "a":
        result = await answering.answer(who, response_id, index, press.value)
    elif press.kind == "s":
        result = await answering.skip(who, response_id, index)
    else:
        result = await answering.revisit(await person_of(update, context), response_id, index)
        if result.ok and result.step is not None:
            await query_of(update).answer()
            await show(update, result.step)
            return
    if not result.ok:
        await alert(
            update, _PRESS_REFUSALS.get(result.outcome, "alert_invalid_button.html"), result=result
        )
        return
    await acknowledge(update, context, result, pressed=True)


def _owed(context: BotContext) -> set[int]:
    owed: set[int] = context.bot_data.setdefault(OWED_KEY, set())
    return owed


async def acknowledge(
    update: Update, context: BotContext, result: Result, *, pressed: bool
) -> None:
    """After the commit: confirm, move on, and mark the question message with the answer
    once the next step is out (a question left with its buttons can be pressed again)."""
    assert result.step is not None and result.question is not None
    value = result.extra.get("value")
    label = labels.answer_label(result.question, value if isinstance(value, int | str) else None)
    chat_id = user_of(update).id
    owed = _owed(context)
    tasks: list[Awaitable[object]] = []
    if pressed:
        query = query_of(update)
        tasks.append(query.answer(render(f"alert_{result.outcome.value}.html", label=label)))
    if (
        result.outcome is not AnswerOutcome.UNCHANGED
        or result.step.index is None  # the same answer after "Sửa câu N": the review again
        or chat_id in owed  # a replayed tap after a next step that never went out
    ):
        tasks.append(_move_on(update, result, label, owed, pressed=pressed))
    elif pressed:
        tasks.append(_mark(update, result, label))
    # The answer is committed: a reply Telegram still refuses after its retries
    # (bot/resilient.py) is logged, never turned into an error message; /survey goes on.
    for failed in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(failed, TelegramError):
            log.warning("reply after a saved answer failed: %s", failed)
        elif isinstance(failed, BaseException):
            raise failed


async def _move_on(
    update: Update, result: Result, label: str, owed: set[int], *, pressed: bool
) -> None:
    assert result.step is not None
    chat_id = user_of(update).id
    try:
        await show(update, result.step)
    except TelegramError:
        owed.add(chat_id)
        raise
    owed.discard(chat_id)
    if pressed:
        await _mark(update, result, label)


async def _mark(update: Update, result: Result, label: str) -> None:
    """Replaces the question's buttons by the chosen answer; an old message may refuse edits."""
    assert result.step is not None and result.index is not None
    text = render(
        "resident_question_answered.html",
        step=result.step,
        number=result.index + 1,
        question=result.question,
        label=label,
    )
    # "message is not modified" or too old to edit: the answer is stored either way.
    with contextlib.suppress(BadRequest):
        await edit_unread(query_of(update), text)


async def edited_comment(update: Update, context: BotContext, pending: Pending) -> bool:
    """Typed text as the new wording of a comment the resident chose to change ("Sửa câu N");
    False when that response is gone."""
    text = text_of(update)
    result = await context.services.answering.edit_comment(
        await person_of(update, context), pending, text
    )
    return result is not None and await _typed(update, context, result, text)


async def comment(update: Update, context: BotContext) -> bool:
    """Typed text as the answer to the question the resident's survey stopped at; False when
    no survey is unfinished, or the text is a question of its own."""
    text = text_of(update)
    result = await context.services.answering.comment(await person_of(update, context), text)
    return result is not None and await _typed(update, context, result, text)


async def _typed(update: Update, context: BotContext, result: Result, text: str) -> bool:
    """Replies to a typed answer's outcome; False leaves the text to the next step."""
    if result.outcome is AnswerOutcome.ASIDE:
        assert result.step is not None and result.index is not None
        shown = keyboards.labels_of(keyboards.question(result.step, result.index))
        if text.strip().casefold() not in {label.casefold() for label in shown}:
            return False  # a question of its own: faq.question answers it
        await reply(update, "resident_button_expected.html", result=result)
    elif result.outcome is AnswerOutcome.BUTTON_EXPECTED:
        await reply(update, "resident_button_expected.html", result=result)
    elif result.outcome is AnswerOutcome.TOO_LONG:
        await reply(update, "resident_comment_too_long.html", result=result)
    elif result.outcome is AnswerOutcome.EMPTY:
        await reply(update, "resident_comment_empty.html")
    elif result.outcome is AnswerOutcome.CLOSED:
        await reply(update, "resident_round_closed.html")
    else:
        await reply(update, "resident_comment_saved.html")
        await acknowledge(update, context, result, pressed=False)
    return True
