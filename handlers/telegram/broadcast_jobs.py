"""Broadcasts on Telegram: the transport the sender calls, and the JobQueue jobs that run it.

PTB keeps jobs in memory only, so the database is the truth: `restore` (from post_init)
re-queues rows a crash left 'sending' (once; see storage.broadcasts.requeue_sending) and
schedules every unfinished broadcast again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from handlers.telegram import keyboards
from handlers.telegram.context import BotContext
from handlers.views.broadcast_message import view_of
from handlers.views.texts import render
from surveys.broadcasts import Content
from surveys.delivery import Drain, DrainStatus, Sender, Sleep
from surveys.outbox import (
    AnswerSend,
    QuestionRow,
    Reached,
    Recipient,
    SendResult,
    SendStatus,
    Transport,
)  # fmt: skip
from surveys.people import Channel

SENDER_KEY = "broadcast_sender"
PRIORITY_KEY = "reply_priority"  # a surveys.priority.Priority shared with the request layer
EDITS_KEY = "broadcast_progress_edits"
HOUSEKEEPING_EVERY = 60.0  # seconds between checks for due reminders, results, CLI launches
PROGRESS_EVERY = 3.0  # seconds between edits of a progress message (Telegram: ~1/s per chat)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def message_for(content: Content, answered: int = 0) -> tuple[str, Any]:
    """The text and keyboard of a broadcast message (handlers.views.broadcast_message)."""
    view = view_of(content, answered)
    text = render(view.template, **view.values)
    if view.button is None:
        return text, None
    markup = keyboards.start_survey() if answered == 0 else keyboards.continue_survey()
    return text, markup


def telegram_transport(bot: Bot) -> Transport:
    """Sends one broadcast message and says how it went, in the sender's terms.

    The text and keyboard are rendered once per content, and the call goes through
    `do_api_request` without a return type: PTB then skips building a Message object from each
    answer, which we never read and which cost a fifth of the bot's CPU per message
    (benchmarks/broadcast.py).
    """
    # PTB nudges towards send_message on each such call; here the bypass is deliberate.
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning
    )
    # The last content and its messages, by questions already answered (0: not started).
    rendered: list[tuple[Content, dict[int, dict[str, Any]]]] = []

    def message(content: Content, answered: int) -> dict[str, Any]:
        if not rendered or rendered[0][0] is not content:
            rendered[:] = [(content, {})]
        by_answered = rendered[0][1]
        if answered not in by_answered:
            text, markup = message_for(content, answered)
            fields: dict[str, Any] = {"text": text, "parse_mode": ParseMode.HTML}
            if markup is not None:  # serialised once here rather than by PTB on every call
                fields["reply_markup"] = json.dumps(markup.to_dict(), ensure_ascii=False)
            by_answered[answered] = fields
        return by_answered[answered]

    async def send(row: Recipient, content: Content) -> SendResult:
        try:
            fields = message(content, row.answered)
            await bot.do_api_request("sendMessage", {"chat_id": row.chat_id, **fields})
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 deprecates the int form; accept both
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return SendResult(SendStatus.RETRY_AFTER, retry_after=seconds)
        except Forbidden as exc:
            return SendResult(SendStatus.BLOCKED, detail=exc.message[:200])
        except BadRequest as exc:
            found = "chat not found" not in exc.message.lower()
            status = SendStatus.REFUSED if found else SendStatus.UNREACHABLE
            return SendResult(status, detail=exc.message[:200])
        except NetworkError as exc:  # TimedOut is one too; BadRequest was handled above
            return SendResult(SendStatus.NETWORK, detail=exc.message[:200])
        return SendResult(SendStatus.SENT)

    return send


def telegram_answer(bot: Bot) -> AnswerSend:
    """A staff member's answer to the Telegram user who asked."""

    async def send(address: str, question: QuestionRow) -> Reached:
        try:
            await bot.send_message(
                int(address), render("resident_faq_staff_answer.html", question=question)
            )
        except Forbidden:
            return Reached.BLOCKED
        except TelegramError:
            return Reached.FAILED
        return Reached.SENT

    return send


def install(app: AnyApp, *, sleep: Sleep = asyncio.sleep) -> Sender:
    """Registers the Telegram ports in the outbox and creates the process's sender, which
    sends on every channel registered there (tests pass a sleep that moves their clock)."""
    services = app.bot_data["services"]
    services.outbox.register(
        Channel.TELEGRAM, transport=telegram_transport(app.bot), answer=telegram_answer(app.bot)
    )

    async def on_batch(broadcast_id: int) -> None:
        await update_progress(app, broadcast_id)

    sender = Sender(
        services.env,
        services.broadcasts,
        services.outbox.transports,
        sleep=sleep,
        on_batch=on_batch,
        priority=app.bot_data.get(PRIORITY_KEY),
    )
    app.bot_data[SENDER_KEY] = sender
    app.bot_data[EDITS_KEY] = {}
    return sender


async def update_progress(app: AnyApp, broadcast_id: int, *, force: bool = False) -> None:
    """Edits the staff member's progress message, at most every PROGRESS_EVERY seconds."""
    services = app.bot_data["services"]
    now = services.env.now()
    edits: dict[int, Any] = app.bot_data.setdefault(EDITS_KEY, {})
    last = edits.get(broadcast_id)
    if not force and last is not None and (now - last).total_seconds() < PROGRESS_EVERY:
        return
    b = await services.broadcasts.get(broadcast_id)
    if b is None or b.progress_chat is None or b.progress_msg is None:
        return
    edits[broadcast_id] = now
    progress = await services.broadcasts.progress(broadcast_id)
    text = render("staff_progress.html", p=progress, tz=services.settings.timezone)
    # Best effort: "message is not modified", a 429 or a network error on an edit must never
    # stop the broadcast; the next batch edits again.
    with contextlib.suppress(TelegramError):
        await app.bot.edit_message_text(text, chat_id=b.progress_chat, message_id=b.progress_msg)


async def run(app: AnyApp, broadcast_id: int) -> Drain:
    """Drains a broadcast now; paused or future ones are scheduled to run again."""
    sender: Sender = app.bot_data.get(SENDER_KEY) or install(app)
    drain = await sender.drain(broadcast_id)
    if drain.status in (DrainStatus.PAUSED, DrainStatus.NOT_YET) and drain.wake_at is not None:
        schedule(app, broadcast_id, drain.wake_at)
    if drain.status is DrainStatus.DONE:
        await update_progress(app, broadcast_id, force=True)
    return drain


def schedule(app: AnyApp, broadcast_id: int, when: Any) -> None:
    """Runs the broadcast at `when` (a UTC datetime) through PTB's JobQueue, if running."""
    queue = app.job_queue
    if queue is None:
        return
    name = f"broadcast:{broadcast_id}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    now = app.bot_data["services"].env.now()
    delay = max(0.0, (when - now).total_seconds())
    queue.run_once(_broadcast_job, when=delay, data=broadcast_id, name=name)


async def _broadcast_job(context: BotContext) -> None:
    assert context.job is not None and isinstance(context.job.data, int)  # set by schedule()
    await run(context.application, context.job.data)


async def housekeeping(app: AnyApp) -> list[int]:
    """Creates due reminders and round results, and schedules them and any broadcast created
    elsewhere (the command line) that has no job yet; returns the ids of those created."""
    services = app.bot_data["services"]
    created = await services.broadcasts.due_follow_ups()
    for broadcast in await services.broadcasts.active():
        if broadcast.held_at is not None:  # staff paused it; resuming schedules it
            continue
        queue = app.job_queue
        if queue is None or not queue.get_jobs_by_name(f"broadcast:{broadcast.id}"):
            when = broadcast.resume_at if broadcast.status == "paused" else broadcast.starts_at
            schedule(app, broadcast.id, max(when or broadcast.starts_at, services.env.now()))
    return [b.id for b in created]


async def _housekeeping_job(context: BotContext) -> None:
    await housekeeping(context.application)


async def restore(app: AnyApp) -> None:
    """At start: re-queue what a crash left in flight and schedule every unfinished broadcast."""
    services = app.bot_data["services"]
    install(app)
    await services.broadcasts.recover()
    for broadcast in await services.broadcasts.active():
        if broadcast.held_at is not None:
            continue
        when = broadcast.resume_at if broadcast.status == "paused" else broadcast.starts_at
        schedule(app, broadcast.id, max(when or broadcast.starts_at, services.env.now()))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _housekeeping_job, interval=HOUSEKEEPING_EVERY, first=1.0, name="housekeeping"
        )
