"""A resident answering on Zalo: one question per message, a tap or a typed digit per answer,
a review listing every answer ("sửa 3" changes one), then the thank-you.

Each answer goes through the same AnsweringService calls as a Telegram tap, with the response
id and question index a button carries or, typed, those of the question the survey stopped at
(or the one being changed): the domain checks ownership, the round and the value. Whatever
the outcome, the next step is shown again, so a replayed event (the worker marks an event
after its replies) re-sends the question the resident is at instead of leaving them waiting.
"""

from __future__ import annotations

import json
import re

from handlers.views import labels
from handlers.views.labels import answer_label
from handlers.zalo import joining, payloads
from handlers.zalo.buttons import Button
from handlers.zalo.chat import Chat
from handlers.zalo.questions import buttons, code_of, is_number, options
from surveys import answering as answering_rules
from surveys import zalo_chat
from surveys.answering import AnswerOutcome, Result, Step
from surveys.model import QuestionKind
from surveys.pending import Pending
from surveys.text import fold

# Refusals of a press (or typed answer) the domain turned down: template per outcome.
REFUSALS = {
    AnswerOutcome.UNKNOWN: "zalo_invalid_button.html",
    AnswerOutcome.NOT_YOURS: "zalo_not_yours.html",
    AnswerOutcome.CLOSED: "alert_round_closed.html",
    AnswerOutcome.NOT_YET: "zalo_not_yet.html",
    AnswerOutcome.NOT_JOINED: "zalo_not_joined.html",
}
_EDIT = re.compile(r"sua(?: cau)? ?(\d{1,3})")


async def continue_survey(chat: Chat) -> None:
    """Starts the open round, or shows the question (or review) the resident is at."""
    services = chat.services
    membership = await services.residents.membership(chat.person)
    if membership is None:
        await chat.say("zalo_not_joined.html")
        return
    if membership.villages and membership.village is None:
        await joining.ask_village(chat, membership)
        return
    result = await services.answering.current(chat.person, channel="zalo")
    if result.outcome is AnswerOutcome.NO_ROUND or result.step is None:
        await chat.say("zalo_no_round.html", membership=membership)
        return
    await show(chat, result.step, again=True)


async def show(
    chat: Chat, step: Step, *, again: bool = False, saved: dict[str, str] | None = None
) -> None:
    """The step's question, or the review with "Xong" when every question is answered."""
    if step.index is None:
        done = [Button(labels.DONE, payloads.done(step.response.id))]
        await chat.say(
            "zalo_review.html", done, step=step, label=answer_label, again=again, saved=saved
        )
        return
    question = step.survey.questions[step.index]
    shown = buttons(step, step.index)
    await chat.say(
        "zalo_question.html",
        shown,
        step=step,
        number=step.index + 1,
        options=[(o.typed, o.label) for o in options(question)],
        has_buttons=bool(shown),
        saved=saved,
    )


async def on_start_press(chat: Chat, press: payloads.Press) -> None:
    """yk:go: starts the open round, or re-shows the question the resident stopped at."""
    await continue_survey(chat)


async def on_answer_press(chat: Chat, press: payloads.Press) -> None:
    """yk:a: and yk:s:: the tapped answer (or skip) through the domain, then the next step."""
    answering = chat.services.answering
    response_id, index = press.ids
    if press.kind == "a":
        result = await answering.answer(chat.person, response_id, index, press.value)
    else:
        result = await answering.skip(chat.person, response_id, index)
    await _answered(chat, result)


async def on_done_press(chat: Chat, press: payloads.Press) -> None:
    """yk:ok:<response>: the thank-you, once the resident's own response is complete."""
    services = chat.services
    result = await services.answering.current(chat.person, channel="zalo")
    if result.outcome is AnswerOutcome.NOT_JOINED:
        await chat.say("zalo_not_joined.html")
    elif result.step is None:
        await chat.say("alert_round_closed.html")
    elif result.step.response.id != press.ids[0]:
        await chat.say("zalo_invalid_button.html")
    elif result.step.index is not None:
        await show(chat, result.step, again=True)
    else:
        membership = await services.residents.membership(chat.person)
        await chat.say("zalo_thanks.html", membership=membership, step=result.step)


async def _answered(chat: Chat, result: Result) -> None:
    if not result.ok:
        await chat.say(REFUSALS.get(result.outcome, "zalo_invalid_button.html"))
        return
    await zalo_chat.end_edit(chat.services.env, chat.person)
    assert result.step is not None and result.question is not None
    value = result.extra.get("value")
    label = answer_label(result.question, value if isinstance(value, int | str) else None)
    await show(chat, result.step, saved={"outcome": result.outcome.value, "label": label})


async def typed_answer(chat: Chat) -> bool:
    """A typed digit (or option label) answers the coded question the survey stopped at; a
    number that is no option is refused; a number with no survey under way shows where the
    resident is (the first question, or the review). False for anything else."""
    step = await chat.services.answering.in_progress(chat.person)
    if step is None or step.index is None:
        if not is_number(chat.text):
            return False
        await continue_survey(chat)  # a digit before starting, or after finishing
        return True
    return await _typed(chat, step.response.id, step.index, step)


async def _typed(chat: Chat, response_id: int, index: int, step: Step) -> bool:
    question = step.survey.questions[index]
    if not options(question):
        return False
    code = code_of(question, chat.text)
    if code is not None:
        payload = payloads.answer(response_id, index, code)
        await chat.stands_for(payload)
        await on_answer_press(chat, payloads.Press("a", (response_id, index), code))
        return True
    if not is_number(chat.text):
        return False
    await chat.say(
        "zalo_typed_refused.html",
        typed=chat.text.strip(),
        number=index + 1,
        kind=question.kind.value,
        count=len(options(question)),
    )
    return True


async def edited_answer(chat: Chat, pending: Pending) -> bool:
    """Typed text while an answer is being changed ("sửa 3" on a coded question)."""
    try:
        index = int(json.loads(pending.data).get("index"))
    except (ValueError, TypeError, AttributeError):
        return False
    answering = chat.services.answering
    check = await answering.revisit(chat.person, pending.ref, index)
    if not check.ok or check.step is None:  # refused changes nothing, the step included
        if not is_number(chat.text):
            return False
        await chat.say(REFUSALS.get(check.outcome, "zalo_invalid_button.html"))
        return True
    return await _typed(chat, pending.ref, index, check.step)


async def typed_edit(chat: Chat) -> bool:
    """ "sửa 3" (or "sua cau 3"): asks question 3 again so that its answer can be changed."""
    match = _EDIT.fullmatch(fold(chat.text))
    if match is None:
        return False
    services = chat.services
    result = await services.answering.current(chat.person, channel="zalo")
    if result.outcome is AnswerOutcome.NOT_JOINED:
        await chat.say("zalo_not_joined.html")
        return True
    if result.step is None:
        membership = await services.residents.membership(chat.person)
        await chat.say("zalo_no_round.html", membership=membership)
        return True
    step = result.step
    index = int(match[1]) - 1
    if not 0 <= index < len(step.survey.questions):
        await chat.say("zalo_edit_unknown.html", typed=match[1], total=len(step.survey.questions))
        return True
    again = await services.answering.revisit(chat.person, step.response.id, index)
    if not again.ok or again.step is None or again.question is None:
        await chat.say(REFUSALS.get(again.outcome, "zalo_invalid_button.html"))
        return True
    if options(again.question):
        await zalo_chat.begin_edit(
            services.env, chat.person, step.response.id, again.question.id, index
        )
    await show(chat, again.step)
    return True


async def comment(chat: Chat) -> bool:
    """Typed text as the answer to the comment question the survey stopped at."""
    answering = chat.services.answering
    step = await answering.in_progress(chat.person)
    question = step.question if step is not None else None
    if step is not None and question is not None and question.kind is QuestionKind.TEXT:
        await chat.stands_for(payloads.comment_target(step.response.id, question.id))
    result = await answering.comment(chat.person, chat.text)
    return result is not None and await _commented(chat, result)


async def edited_comment(chat: Chat, pending: Pending) -> bool:
    """Typed text as the new wording of a comment being changed ("sửa 13")."""
    if pending.question_id:
        await chat.stands_for(payloads.comment_target(pending.ref, pending.question_id))
    result = await chat.services.answering.edit_comment(chat.person, pending, chat.text)
    return result is not None and await _commented(chat, result)


async def comment_at(chat: Chat, response_id: int, question_id: str) -> None:
    """A typed comment handled again after a crash: to the question it was taken to answer."""
    state = Pending(answering_rules.EDIT_COMMENT, response_id, question_id)
    result = await chat.services.answering.edit_comment(chat.person, state, chat.text)
    if result is None or not await _commented(chat, result):
        await chat.say("zalo_invalid_button.html")


async def _commented(chat: Chat, result: Result) -> bool:
    outcome = result.outcome
    if outcome in (AnswerOutcome.ASIDE, AnswerOutcome.BUTTON_EXPECTED):
        return False  # not a comment question: a question of its own, for the FAQ
    if outcome is AnswerOutcome.TOO_LONG:
        await chat.say("resident_comment_too_long.html", result=result)
    elif outcome is AnswerOutcome.EMPTY:
        await chat.say("resident_comment_empty.html")
    elif outcome is AnswerOutcome.CLOSED:
        await chat.say("resident_round_closed.html")
    else:
        await _answered(chat, result)
    return True
