"""Commune staff answering residents' questions: /questions, a reply button, the typed answer.

The access check (Action.ANSWER_QUESTIONS, Action.MANAGE_FAQ) is done by surveys.faq_questions
for the commune each question belongs to; the resident receives the answer on their channel
(Telegram, or Zalo when they use it: surveys.faq_questions.QuestionService.deliver).
"""

from __future__ import annotations

from telegram import Update

from handlers.telegram import faq_keyboards as kb
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, refuse_args, reply
from handlers.telegram.updates import query_of, text_of
from surveys.access import Actor
from surveys.faq_questions import MAX_REPLY, QuestionOutcome
from surveys.pending import Pending

_PRESS_REFUSALS = {
    QuestionOutcome.UNKNOWN: "alert_faq_invalid.html",
    QuestionOutcome.FORBIDDEN: "alert_question_forbidden.html",
    QuestionOutcome.ALREADY: "alert_question_already.html",
    QuestionOutcome.NOT_ANSWERED: "alert_question_not_answered.html",
}


async def queue_command(update: Update, context: BotContext) -> None:
    """Lists the open questions of the staff member's communes, oldest first."""
    if await refuse_args(update, "questions"):
        return
    actor = Actor(await person_of(update, context))
    queue = await context.services.questions.queue(actor)
    if queue is None:
        await reply(update, "staff_questions_forbidden.html")
        return
    waiting = await context.services.questions.waiting(actor)
    await reply(update, "staff_questions.html", count=len(queue), waiting=waiting)
    for item in queue:
        await reply(
            update,
            "staff_question.html",
            kb.answer_question(item.question.id),
            item=item,
        )


async def on_press(update: Update, context: BotContext, press: kb.Press) -> None:
    questions = context.services.questions
    actor = Actor(await person_of(update, context))
    if press.kind == "qa":
        result = await questions.begin_reply(actor, press.number)
        if result.outcome is QuestionOutcome.READY and result.question is not None:
            await query_of(update).answer()
            await reply(update, "staff_reply_prompt.html", question=result.question)
            return
    elif press.kind == "qs":
        result = await questions.mark_spam(actor, press.number)
        if result.outcome is QuestionOutcome.MARKED:
            await query_of(update).answer()
            await reply(update, "staff_question_spam.html", waiting=await questions.waiting(actor))
            return
    else:
        result = await questions.to_faq(actor, press.number)
        if result.outcome is QuestionOutcome.DRAFT and result.question is not None:
            await query_of(update).answer()
            await reply(
                update, "staff_faq_draft.html", question=result.question, flags=result.flags
            )
            return
    await alert(update, _PRESS_REFUSALS.get(result.outcome, "alert_faq_invalid.html"))


async def reply_step(update: Update, context: BotContext, pending: Pending) -> bool:
    """The answer a staff member types after pressing 'Trả lời' (or the wording of a drafted
    FAQ entry); False when none is pending."""
    text = text_of(update)
    result = await context.services.questions.reply(
        Actor(await person_of(update, context)), pending, text
    )
    if result is None:
        return False
    question = result.question
    if result.outcome is QuestionOutcome.SENT and question is not None:
        # The resident's channel (Telegram or Zalo) is the domain's choice, through the outbox.
        reached = await context.services.questions.deliver(question)
        await reply(update, "staff_reply_sent.html", kb.make_entry(question.id), reached=reached)
    elif result.outcome is QuestionOutcome.ADDED:
        await reply(update, "staff_faq_added.html", entry_id=result.entry_id)
    elif result.outcome is QuestionOutcome.FLAGGED:
        await reply(update, "staff_faq_flagged.html", flags=result.flags)
    elif result.outcome is QuestionOutcome.NOT_AN_ENTRY:
        await reply(update, "staff_faq_not_an_entry.html")
    elif result.outcome is QuestionOutcome.EMPTY:
        await reply(update, "staff_reply_empty.html")
    elif result.outcome is QuestionOutcome.TOO_LONG:
        await reply(update, "staff_reply_too_long.html", limit=MAX_REPLY, length=len(text))
    elif result.outcome is QuestionOutcome.ALREADY:
        await reply(update, "staff_reply_already.html")
    else:
        await reply(update, "staff_reply_refused.html")
    return True
