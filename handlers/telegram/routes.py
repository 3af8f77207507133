"""One entry for every button press and one for every typed text, routed by what they carry."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from handlers.telegram import features, keyboards, resident, survey
from handlers.telegram.context import BotContext
from handlers.telegram.replies import alert
from handlers.telegram.updates import query_of


async def on_press(update: Update, context: BotContext) -> None:
    """Parses the untrusted callback data and hands it to the step it names."""
    press = keyboards.parse(query_of(update).data)
    if press is None:
        await alert(update, "alert_invalid_button.html")
        return
    if press.kind == "p":
        await resident.pick_province(update, context, press.ids[0])
    elif press.kind == "c":
        await resident.pick_commune(update, context, press.ids[0])
    elif press.kind == "v":
        await resident.pick_village(update, context, press.ids[0])
    elif press.kind == "go":
        await survey.on_start_press(update, context)
    else:
        await survey.on_answer_press(update, context, press.kind, press.ids, press.value)


async def on_text(update: Update, context: BotContext) -> None:
    """A commune name while searching, a comment while one is asked, then the features' steps.

    The last feature step (telegram.faq.question) takes any text left as a question.
    """
    if await resident.search(update, context):
        return
    if await survey.comment(update, context):
        return
    for step in features.TEXT_STEPS:
        if await step(update, context):
            return


HANDLERS: list[BaseHandler] = [
    CallbackQueryHandler(on_press),
    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
]
