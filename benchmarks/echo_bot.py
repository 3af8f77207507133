"""The baseline: a bare python-telegram-bot bot with no database, no domain and no templates.

It makes exactly the Telegram calls ykien makes for one answer (answer the tap, mark the
question, send the next one with its buttons), so the ratio measures what ykien itself adds.
"""

from __future__ import annotations

import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"{v} · mức {v}", callback_data=f"a:{v}")] for v in (1, 2, 3, 4, 5, 0)]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_message("Câu 1", reply_markup=KEYBOARD)


async def tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"Đã lưu: {query.data}")
    await query.edit_message_text(f"{query.message.text}\n✅ {query.data}")
    await update.effective_chat.send_message("Câu tiếp", reply_markup=KEYBOARD)


def main(api_url: str, client: str) -> None:
    """client: "httpx" (python-telegram-bot's default request) or "aiohttp" (ykien's, same pool)."""
    builder = Application.builder().token("654321:ECHO").base_url(api_url).concurrent_updates(64)
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
