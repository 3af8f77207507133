"""Where every update goes: each command, button prefix, pending step and /start payload kind
of the Telegram adapter is registered here, once.

- A button's callback data goes, by its prefix (`prefix_of`), to the one step that owns it;
  that step parses the rest strictly (fullmatch, at most 64 bytes) and the domain checks it
  against the database and the presser. An unknown prefix is refused with the invalid-button
  pop-up.
- A typed text: the chat's pending step (its chat_states row) is read once, here, and handed
  to the step that owns its state. Text that no pending step took falls through FREE_TEXT in
  order: the answer to the question the resident's survey stopped at, then, last, a question
  for the FAQ.
- `/start <payload>` goes, by the payload's first letter, to the step of that kind; an unknown
  kind, or a payload its step refuses, is answered as a bad link.

Feature modules never import this module nor each other to dispatch: the router imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.telegram import (
    broadcast_admin,
    broadcasts,
    common,
    conflicts,
    dashboard,
    faq,
    flood,
    households,
    keyboards,
    membership,
    privacy,
    questions,
    resident,
    roles,
    rounds,
    sheet_entry,
    summary,
    survey,
    villages,
)
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, command_args, reply
from handlers.telegram.updates import query_of
from handlers.views.registry import Registry
from surveys import answering, drafts, faq_questions, summaries
from surveys import residents as residents_rules
from surveys import sheet_entry as sheet_rules
from surveys import villages as village_rules
from surveys.households import HOUSEHOLD_PREFIX
from surveys.invitations import INVITE_PREFIX
from surveys.pending import Pending

ButtonStep = Callable[[Update, BotContext], Awaitable[None]]
PendingStep = Callable[[Update, BotContext, Pending], Awaitable[bool]]
TextStep = Callable[[Update, BotContext], Awaitable[bool]]
PayloadStep = Callable[[Update, BotContext, str], Awaitable[bool]]


def prefix_of(data: str) -> str:
    """A button's registry key: its first field with the colon ("f:" of "f:c:vneid"), or the
    whole data of a button without fields ("go")."""
    head, colon, _ = data.partition(":")
    return head + colon


def _keyboard(
    step: Callable[[Update, BotContext, keyboards.Press], Awaitable[None]],
) -> ButtonStep:
    """A button of the general keyboard (handlers.telegram.keyboards), parsed before `step`."""

    async def on_press(update: Update, context: BotContext) -> None:
        press = keyboards.parse(query_of(update).data)
        if press is None:
            await alert(update, "alert_invalid_button.html")
            return
        await step(update, context, press)

    return on_press


BUTTONS: Registry[ButtonStep] = Registry("button prefix")
BUTTONS.add("p:", _keyboard(resident.pick_province))
BUTTONS.add("c:", _keyboard(resident.pick_commune))
BUTTONS.add("v:", _keyboard(resident.pick_village))
BUTTONS.add("go", survey.on_start_press)
BUTTONS.add(["a:", "s:", "e:"], _keyboard(survey.on_answer_press))
BUTTONS.add(["f:", "q:"], faq.on_press)  # residents' FAQ buttons; staff's queued questions
BUTTONS.add("d:", privacy.on_delete_press)
BUTTONS.add("h:", villages.on_press)
BUTTONS.add("k:", sheet_entry.on_press)
BUTTONS.add("x:", conflicts.on_press)
BUTTONS.add("m:", summary.on_pick)
BUTTONS.add("b:", broadcast_admin.on_press)
BUTTONS.add("r:", rounds.on_press)

STEPS: Registry[PendingStep] = Registry("pending step")
STEPS.add(residents_rules.SEARCH_STATE, resident.search)
STEPS.add(answering.EDIT_COMMENT, survey.edited_comment)
STEPS.add(village_rules.ADD_STATE, villages.village_name)
STEPS.add(sheet_rules.STATES, sheet_entry.typed)
STEPS.add(summaries.NAME_STATE, summary.typed_name)
STEPS.add(drafts.STATES, rounds.typed_time)  # 'bc_draft' waits for a button: it declines
STEPS.add([faq_questions.REPLY_STATE, faq_questions.DRAFT_STATE], questions.reply_step)

# Typed text no pending step took, in order; the FAQ question must stay the LAST step.
FREE_TEXT: list[TextStep] = [survey.comment, faq.question]

PAYLOADS: Registry[PayloadStep] = Registry("/start payload kind")
PAYLOADS.add(INVITE_PREFIX, roles.invitation)
PAYLOADS.add(HOUSEHOLD_PREFIX, households.household)
PAYLOADS.add(residents_rules.JOIN_PREFIX, resident.join_link)


async def on_press(update: Update, context: BotContext) -> None:
    """Hands the untrusted callback data to the step that owns its prefix."""
    data = query_of(update).data
    step = BUTTONS.get(prefix_of(data)) if data else None
    if step is None:
        await alert(update, "alert_invalid_button.html")
        return
    await step(update, context)


async def on_text(update: Update, context: BotContext) -> None:
    """Reads the chat's pending step once and hands the text to its owner, else to FREE_TEXT."""
    pending = await context.services.pending.of(await person_of(update, context))
    if pending is not None:
        owner = STEPS.get(pending.state)
        if owner is not None and await owner(update, context, pending):
            return
    for step in FREE_TEXT:
        if await step(update, context):
            return


async def start(update: Update, context: BotContext) -> None:
    """`/start <payload>` to the step of the payload's kind; a bare `/start` greets."""
    payload = command_args(update)
    if not payload:
        await resident.start(update, context)
        return
    step = PAYLOADS.get(payload[:1])
    if step is None or not await step(update, context, payload):
        await reply(update, "resident_bad_payload.html")


COMMANDS: list[CommandHandler[Any, Any]] = [
    CommandHandler("start", start),
    CommandHandler("survey", survey.survey_command),
    CommandHandler("help", common.help_command),
    CommandHandler("cancel", common.cancel),
    CommandHandler("mydata", privacy.mydata),
    CommandHandler("deletedata", privacy.deletedata),
    CommandHandler("faq", faq.faq_command),
    CommandHandler("questions", questions.queue_command),
    CommandHandler("villages", villages.villages),
    CommandHandler("sheet", sheet_entry.sheet),
    CommandHandler("conflicts", conflicts.conflicts),
    CommandHandler("summary", summary.summary_command),
    CommandHandler("report", summary.report_command),
    CommandHandler("export", summary.export_command),
    CommandHandler("stop", broadcasts.stop),
    CommandHandler("progress", broadcasts.progress),
    CommandHandler("remind", broadcasts.remind),
    CommandHandler("broadcast", broadcast_admin.broadcast_command),
    CommandHandler("rounds", rounds.rounds_command),
    CommandHandler("dashboard", dashboard.dashboard_command),
]


def install(app: Application[Any, BotContext, Any, Any, Any, Any]) -> None:
    """Adds every handler, in order: the guards' groups run before group 0."""
    # -3: a person sending too much is warned once, then ignored for a while.
    app.add_handler(TypeHandler(Update, flood.flood_guard), group=-3)
    # -2: nothing outside private chats gets further.
    app.add_handler(TypeHandler(Update, common.private_only), group=-2)
    # -1: edited messages are answered and stopped here.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, common.edited), group=-1)
    # 0: the first that matches: buttons, commands, typed text, then whatever is left. Button
    # presses (most updates) come first: no command or message handler takes one, and each
    # of the twenty CommandHandlers would otherwise look at the pressed message first.
    group: list[BaseHandler[Any, Any, Any]] = [
        CallbackQueryHandler(on_press),
        *COMMANDS,
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
        # Blocked / unblocked: stopped / subscribed.
        ChatMemberHandler(membership.on_my_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.COMMAND, common.unknown_command),
        MessageHandler(~filters.TEXT, common.unsupported),
    ]
    app.add_handlers(group)
    app.add_error_handler(common.on_error)
