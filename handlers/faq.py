"""Residents' questions: any free text is matched against the FAQ; /faq browses it.

Confident: the answer with 👍/👎. Unsure: up to three candidates as buttons. No match: said
plainly, with /faq and a button that sends the question to the commune's staff.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from handlers import faq_keyboards as kb
from handlers import questions
from handlers.context import BotContext
from handlers.replies import alert, command_args, reply
from handlers.texts import shorten
from surveys.faq_match import Verdict
from surveys.faq_questions import Outcome
from surveys.faq_service import FeedbackOutcome

_BUTTON_TEXT = 60  # a candidate's phrasing on a button, shortened to stay readable


async def faq_command(update: Update, context: BotContext) -> None:
    """Shows the FAQ's categories as buttons."""
    if command_args(update):
        # "/faq quen mat khau vneid": the words after the command are a question.
        await answer_text(update, context, command_args(update))
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
    await answer_text(update, context, update.effective_message.text or "")
    return True


async def answer_text(update: Update, context: BotContext, text: str) -> None:
    user_id = update.effective_user.id
    asked = await context.services.faq.ask(user_id, text)
    match = asked.match
    if asked.ask_id is None:
        await reply(update, "resident_faq_empty.html")
        return
    if match.verdict is Verdict.CONFIDENT and match.best is not None:
        entry = asked.entries[match.best.entry_id]
        await reply(update, "resident_faq_answer.html", kb.feedback(asked.ask_id), entry=entry)
        return
    membership = await context.services.residents.membership(user_id)
    if match.verdict is Verdict.UNSURE:
        # The entry's first phrasing reads best (the closest one may lack diacritics).
        items = [
            (c.entry_id, shorten(asked.entries[c.entry_id].questions[0], _BUTTON_TEXT))
            for c in match.candidates
        ]
        markup = kb.candidates(asked.ask_id, items, hand_off=membership is not None)
        await reply(update, "resident_faq_unsure.html", markup, membership=membership)
        return
    markup = kb.hand_off(asked.ask_id) if membership is not None else None
    await reply(update, "resident_faq_none.html", markup, membership=membership)


async def on_press(update: Update, context: BotContext) -> None:
    """Every f: and q: button: parsed strictly, then checked against the database."""
    press = kb.parse(update.callback_query.data)
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
        await update.callback_query.answer()
        await show_categories(update, context)


async def _category(update: Update, context: BotContext, category_id: str) -> None:
    categories = {c.id: c for c in await context.services.faq.categories()}
    category = categories.get(category_id)
    if category is None:
        await alert(update, "alert_faq_invalid.html")
        return
    await update.callback_query.answer()
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
    await update.callback_query.answer()
    await reply(update, "resident_faq_answer.html", entry=entry)


async def _pick(update: Update, context: BotContext, ask_id: int, entry_id: str) -> None:
    entry = await context.services.faq.pick(update.effective_user.id, ask_id, entry_id)
    if entry is None:
        await alert(update, "alert_faq_invalid.html")
        return
    await update.callback_query.answer()
    await reply(update, "resident_faq_answer.html", kb.feedback(ask_id), entry=entry)


async def _feedback(update: Update, context: BotContext, ask_id: int, *, helpful: bool) -> None:
    outcome = await context.services.faq.feedback(update.effective_user.id, ask_id, helpful)
    if outcome is FeedbackOutcome.STORED:
        await alert(update, "alert_faq_helpful.html" if helpful else "alert_faq_unhelpful.html")
    elif outcome is FeedbackOutcome.NOT_YOURS:
        await alert(update, "alert_faq_not_yours.html")
    else:
        await alert(update, "alert_faq_invalid.html")


async def _hand_off(update: Update, context: BotContext, ask_id: int) -> None:
    result = await context.services.questions.send(update.effective_user.id, ask_id)
    if result.outcome is Outcome.SENT:
        await update.callback_query.answer()
        await reply(update, "resident_faq_sent.html")
    elif result.outcome is Outcome.LIMIT:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await reply(update, "resident_faq_limit.html", limit=context.services.questions.limit)
    elif result.outcome is Outcome.NOT_JOINED:
        await alert(update, "alert_faq_join_first.html")
    elif result.outcome is Outcome.ALREADY:
        await alert(update, "alert_faq_already_sent.html")
    elif result.outcome is Outcome.NOT_YOURS:
        await alert(update, "alert_faq_not_yours.html")
    else:
        await alert(update, "alert_faq_invalid.html")


HANDLERS: list[BaseHandler] = [
    CommandHandler("faq", faq_command),
    CommandHandler("questions", questions.queue_command),
    CallbackQueryHandler(on_press, pattern=r"^[fq]:"),
]
