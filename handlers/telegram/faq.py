"""Residents' questions: any free text is matched against the FAQ; /faq browses it.

Confident: the answer with 👍/👎. Unsure: up to three candidates as buttons. No match: said
plainly, with /faq and a button that sends the question to the commune's staff.
"""

from __future__ import annotations

from telegram import Update

from handlers.telegram import faq_keyboards as kb
from handlers.telegram import keyboards, questions
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, who_of
from handlers.telegram.replies import alert, command_args, reply
from handlers.telegram.updates import query_of, text_of
from handlers.views.texts import shorten
from surveys.faq_match import MatchConfidence
from surveys.faq_questions import QuestionOutcome
from surveys.faq_service import FeedbackOutcome

_BUTTON_TEXT = 60  # a candidate's phrasing on a button, shortened to stay readable


async def faq_command(update: Update, context: BotContext) -> None:
    """Shows the FAQ's categories as buttons."""
    words = command_args(update)
    if words:
        # "/faq quen mat khau vneid": the words after the command are a question.
        await answer_text(update, context, words)
        return
    await show_categories(update, context)


async def show_categories(update: Update, context: BotContext) -> None:
    found = await context.services.faq.categories()
    await reply(
        update,
        "resident_faq_categories.html",
        kb.categories([(c.id, c.title) for c in found]),
    )


async def question(update: Update, context: BotContext) -> bool:
    """The last text step: whatever a resident types that no other step took is a question."""
    await answer_text(update, context, text_of(update))
    return True


async def answer_text(update: Update, context: BotContext, text: str) -> None:
    """Answers a question; a resident half-way through a survey is offered the way back."""
    await _answer(update, context, text)
    step = await context.services.answering.in_progress(await person_of(update, context))
    if step is not None and step.index is not None:
        await reply(
            update,
            "resident_survey_aside.html",
            keyboards.continue_survey(),
            number=step.index + 1,
            total=len(step.survey.questions),
        )


async def _answer(update: Update, context: BotContext, text: str) -> None:
    asked = await context.services.faq.ask(await who_of(update, context), text)
    user_id = await person_of(update, context)
    match = asked.match
    if asked.ask_id is None:
        await reply(update, "resident_faq_empty.html")
        return
    if match.verdict is MatchConfidence.CONFIDENT and match.best is not None:
        entry = asked.entries[match.best.entry_id]
        await reply(update, "resident_faq_answer.html", kb.feedback(asked.ask_id), entry=entry)
        return
    membership = await context.services.residents.membership(user_id)
    if match.verdict is MatchConfidence.UNSURE:
        # The entry's first phrasing reads best (the closest one may lack diacritics).
        items = [
            (c.entry_id, shorten(asked.entries[c.entry_id].questions[0], _BUTTON_TEXT))
            for c in match.candidates
        ]
        markup = kb.candidates(asked.ask_id, items, hand_off=membership is not None)
        await reply(update, "resident_faq_unsure.html", markup, membership=membership)
        return
    offer = kb.hand_off(asked.ask_id) if membership is not None else None
    await reply(update, "resident_faq_none.html", offer, membership=membership)


async def on_press(update: Update, context: BotContext) -> None:
    """Every f: and q: button: parsed strictly, then checked against the database."""
    press = kb.parse(query_of(update).data)
    if press is None:
        await alert(update, "alert_faq_invalid.html")
        return
    if press.kind.startswith("q"):
        await questions.on_press(update, context, press)
    elif press.kind in ("y", "n"):
        await _feedback(update, context, press.number, helpful=press.kind == "y")
    elif press.kind == "h":
        await _hand_off(update, context, press.number)
    elif press.kind == "p":
        await _pick(update, context, press.number, press.key)
    elif press.kind == "c":
        await _category(update, context, press.key)
    elif press.kind == "e":
        await _entry(update, context, press.key)
    else:
        await query_of(update).answer()
        await show_categories(update, context)


async def _category(update: Update, context: BotContext, category_id: str) -> None:
    categories = {c.id: c for c in await context.services.faq.categories()}
    category = categories.get(category_id)
    if category is None:
        await alert(update, "alert_faq_invalid.html")
        return
    await query_of(update).answer()
    found = await context.services.faq.entries(category_id)
    items = [(e.id, shorten(e.questions[0], _BUTTON_TEXT)) for e in found]
    await reply(
        update, "resident_faq_category.html", kb.entries(items), category=category, count=len(items)
    )


async def _entry(update: Update, context: BotContext, entry_id: str) -> None:
    entry = await context.services.faq.entry(entry_id)
    if entry is None:
        await alert(update, "alert_faq_invalid.html")
        return
    await query_of(update).answer()
    await reply(update, "resident_faq_answer.html", entry=entry)


async def _pick(update: Update, context: BotContext, ask_id: int, entry_id: str) -> None:
    entry = await context.services.faq.pick(await person_of(update, context), ask_id, entry_id)
    if entry is None:
        await alert(update, "alert_faq_invalid.html")
        return
    await query_of(update).answer()
    await reply(update, "resident_faq_answer.html", kb.feedback(ask_id), entry=entry)


async def _feedback(update: Update, context: BotContext, ask_id: int, *, helpful: bool) -> None:
    outcome = await context.services.faq.feedback(await person_of(update, context), ask_id, helpful)
    if outcome is FeedbackOutcome.STORED:
        await alert(update, "alert_faq_helpful.html" if helpful else "alert_faq_unhelpful.html")
    elif outcome is FeedbackOutcome.NOT_YOURS:
        await alert(update, "alert_faq_not_yours.html")
    else:
        await alert(update, "alert_faq_invalid.html")


async def _hand_off(update: Update, context: BotContext, ask_id: int) -> None:
    result = await context.services.questions.send(await person_of(update, context), ask_id)
    if result.outcome is QuestionOutcome.SENT:
        await query_of(update).answer()
        await reply(update, "resident_faq_sent.html")
    elif result.outcome is QuestionOutcome.LIMIT:
        await query_of(update).answer()
        await reply(update, "resident_faq_limit.html", limit=context.services.questions.limit)
    elif result.outcome is QuestionOutcome.NOT_JOINED:
        await alert(update, "alert_faq_join_first.html")
    elif result.outcome is QuestionOutcome.ALREADY:
        await alert(update, "alert_faq_already_sent.html")
    elif result.outcome is QuestionOutcome.NOT_YOURS:
        await alert(update, "alert_faq_not_yours.html")
    else:
        await alert(update, "alert_faq_invalid.html")
