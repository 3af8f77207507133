"""The baseline: a bare python-telegram-bot bot with no database, no domain and no templates.

It makes exactly the Telegram calls ykien makes for a resident answering the round, with the
same call order, concurrency, parse mode, button labels and message shapes: on `/start` the
welcome and the round's offer (a "start" button); on that button the first question; on each
answer the pop-up, then the next question (or the review) and, once it is out, the mark on
the answered one. The questions are the default survey's (surveys/catalog/ntm-2026.toml, read
as plain data), so the same simulated resident (bot/simulate.journey) walks both bots and the
ratio measures what ykien itself adds: storage, checks, templates.
"""

from __future__ import annotations

import asyncio
import sys
import tomllib
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults

from handlers.views import labels

CATALOG = Path(__file__).resolve().parents[1] / "surveys" / "catalog" / "ntm-2026.toml"
SURVEY = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
QUESTIONS: list[dict[str, str]] = SURVEY["questions"]
WELCOME = (
    "Chào mừng bạn đến với ykien của <b>Xã Tân Uyên</b>, Lai Châu!\n\n"
    "ykien ghi lại mã Telegram, tên hiển thị, xã/thôn và câu trả lời khảo sát của bạn, để Mặt "
    "trận và chính quyền xã biết người dân hài lòng đến đâu với kết quả xây dựng nông thôn mới. "
    "Cán bộ chỉ xem số liệu tổng hợp, không xem câu trả lời của từng người. Gõ /mydata để xem, "
    "/deletedata để xoá dữ liệu của bạn."
)
OFFER = f"Xã đang lấy ý kiến: <b>{SURVEY['title']}</b>\n{SURVEY['description'].strip()}"
START = InlineKeyboardMarkup([[InlineKeyboardButton(labels.START_SURVEY, callback_data="go")]])
ANSWERS: dict[int, dict[int, str]] = {}  # chat -> question index -> label, for the review


def _keyboard(index: int) -> InlineKeyboardMarkup:
    kind = QUESTIONS[index]["kind"]
    if kind == "text":
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(labels.SKIP, callback_data=f"s:{index}")]]
        )
    values = labels.VALUES[kind]
    buttons = [InlineKeyboardButton(values[v], callback_data=f"a:{index}:{v}") for v in values]
    return InlineKeyboardMarkup([buttons] if kind == "yesno" else [[b] for b in buttons])


def _question(index: int) -> str:
    return f"<i>Câu {index + 1}/{len(QUESTIONS)}</i>\n<b>{QUESTIONS[index]['text']}</b>"


def _review(answers: dict[int, str]) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        f"{i + 1}. {q['text'][:60]}… → <b>{answers.get(i, labels.SKIPPED)}</b>"
        for i, q in enumerate(QUESTIONS)
    ]
    text = "Cảm ơn bạn đã trả lời! Ý kiến của bạn đã được ghi nhận.\nCâu trả lời của bạn:\n"
    buttons = [
        InlineKeyboardButton(labels.EDIT.format(number=i + 1), callback_data=f"e:{i}")
        for i in range(len(QUESTIONS))
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return text + "\n".join(lines), InlineKeyboardMarkup(rows)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    ANSWERS[chat.id] = {}
    await chat.send_message(WELCOME)
    await chat.send_message(OFFER, reply_markup=START)


async def tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    if query.data == "go":
        await query.answer()
        await chat.send_message(_question(0), reply_markup=_keyboard(0))
        return
    kind, index_text, *value = query.data.split(":")
    index = int(index_text)
    question = QUESTIONS[index]
    label = labels.VALUES[question["kind"]][int(value[0])] if kind == "a" else labels.SKIPPED
    answers = ANSWERS.setdefault(chat.id, {})
    answers[index] = label

    async def move_on() -> None:
        if index + 1 < len(QUESTIONS):
            await chat.send_message(_question(index + 1), reply_markup=_keyboard(index + 1))
        else:
            text, markup = _review(answers)
            await chat.send_message(text, reply_markup=markup)
        mark = f"<i>Câu {index + 1}/{len(QUESTIONS)}</i>\n{question['text']}\n✅ <b>{label}</b>"
        await query.edit_message_text(mark, reply_markup=None)

    await asyncio.gather(query.answer(f"Đã lưu: {label}"), move_on())


def main(api_url: str, client: str) -> None:
    """client: "httpx" (python-telegram-bot's default request) or "aiohttp" (ykien's, same pool)."""
    builder = (
        Application.builder()
        .token("654321:ECHO")
        .base_url(api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(64)
    )
    if client == "aiohttp":
        from bot.config import Config
        from bot.http_client import AiohttpRequest

        builder = builder.request(AiohttpRequest(Config().http_pool))
        builder = builder.get_updates_request(AiohttpRequest(1))
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tap))
    app.run_polling()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "httpx")
