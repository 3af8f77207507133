"""What the trainer page shows of one person's private chat: bubbles, buttons, menu.

Plain data for the templates (``sandbox_page.html``, ``_sandbox_chat.html``), read from the
sandbox's stored messages, so the page shows exactly what a Telegram client would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.sandbox.entities import to_html
from bot.sandbox.store import StoredMessage, UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Person:
    """A simulated person the trainer can switch to; ``role`` picks the page's wording."""

    user_id: int
    role: str  # "resident" | "staff" | "officer"
    number: int  # 1, 2, ... within the role
    first_name: str
    shortcuts: tuple[tuple[str, str], ...] = ()  # (kind, text it sends), e.g. ("join", "/start j…")


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None  # callback_data; None for a link button
    url: str | None


@dataclass(frozen=True)
class Attachment:
    kind: str  # "photo" | "document"
    filename: str
    size: int
    href: str


@dataclass
class Bubble:
    message_id: int
    mine: bool  # the person wrote it (right side)
    html: Markup
    time: str
    edited: bool
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def _time(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).astimezone(VN).strftime("%H:%M")


def _attachments(user_id: int, stored: StoredMessage) -> list[Attachment]:
    found: list[Attachment] = []
    uploads: tuple[tuple[str, UploadedFile | None], ...] = (
        ("photo", stored.photo),
        ("document", stored.document),
    )
    for kind, upload in uploads:
        if upload is not None:
            href = f"/files/{user_id}/{stored.message_id}/{kind}"
            found.append(Attachment(kind, upload.filename, upload.size, href))
    return found


def _buttons(data: dict[str, Any]) -> list[list[Button]]:
    rows = data.get("reply_markup", {}).get("inline_keyboard", [])
    return [
        [Button(str(b["text"]), b.get("callback_data"), b.get("url")) for b in row] for row in rows
    ]


def bubble(user_id: int, stored: StoredMessage) -> Bubble:
    """One stored message as the page draws it (text rebuilt from entities, never raw HTML)."""
    data = stored.data
    text = str(data.get("text", data.get("caption", "")))
    entities = data.get("entities", data.get("caption_entities", []))
    return Bubble(
        message_id=stored.message_id,
        mine=not stored.from_bot,
        html=to_html(text, entities if stored.from_bot else []),
        time=_time(int(data.get("date", 0))),
        edited=bool(stored.history),
        buttons=_buttons(data) if stored.from_bot else [],
        attachments=_attachments(user_id, stored),
    )


def bubbles(sandbox: Sandbox, user_id: int) -> list[Bubble]:
    """Every live message of the person's chat with the bot, oldest first."""
    return [bubble(user_id, m) for m in sandbox.world.chat_messages(user_id)]


def signature(sandbox: Sandbox, user_id: int) -> str:
    """Changes whenever anything the page shows of this chat changes (new, edited, deleted
    messages, keyboards, button pop-ups, the command menu)."""
    parts: list[object] = [len(sandbox.callback_answers), menu(sandbox, user_id)]
    for stored in sandbox.world.messages.get(user_id, {}).values():
        parts.append(
            (
                stored.message_id,
                stored.deleted,
                len(stored.history),
                stored.data.get("reply_markup"),
            )
        )
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def popup(sandbox: Sandbox, user_id: int) -> str | None:
    """The text of the newest button pop-up (answerCallbackQuery) this person got."""
    for answer in reversed(sandbox.callback_answers):
        if answer.user_id == user_id:
            return answer.text
    return None


def menu(sandbox: Sandbox, user_id: int) -> list[dict[str, Any]]:
    """The command menu Telegram would show this person: their own, else the private-chat
    one, else the default."""
    for scope in ({"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}, None):
        commands = sandbox.commands_for(scope)
        if commands:
            return commands
    return []
