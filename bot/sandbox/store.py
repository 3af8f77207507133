"""The sandbox's world: users, chats, messages and files, as plain data.

Messages are kept as the exact Telegram JSON the bot would see, plus a few
side fields (raw HTML, uploaded bytes, any reply keyboard) that tests want to read
but Telegram never echoes back.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import chat_not_found


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): what copy.deepcopy does for
    Telegram objects, several times faster (no memo, no reduce protocol)."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


@dataclass
class UploadedFile:
    """A file the bot uploaded (or referenced by URL): name, bytes and MIME type."""

    filename: str
    content: bytes
    mime_type: str
    file_id: str = ""
    file_unique_id: str = ""

    @property
    def size(self) -> int:
        """Size in bytes, as Telegram reports it in ``file_size``."""
        return len(self.content)

    @classmethod
    def from_field(
        cls, filename: str | None, content: bytes, mime_type: str | None
    ) -> UploadedFile:
        """Build from a multipart part, guessing the MIME type like Telegram does."""
        name = filename or "file"
        guessed = mimetypes.guess_type(name)[0]
        return cls(name, content, mime_type or guessed or "application/octet-stream")


@dataclass
class ChatRecord:
    """One chat as the bot knows it, plus failure-injection flags."""

    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False
    deleted: bool = False
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    actions: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The ``Chat`` object embedded in messages."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.type == "group":
            data["all_members_are_administrators"] = True
        return data


@dataclass
class StoredMessage:
    """One message and its current state; ``history`` keeps earlier versions."""

    chat_id: int
    message_id: int
    data: dict[str, Any]
    from_bot: bool
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: UploadedFile | None = None
    document: UploadedFile | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the Telegram JSON, safe to hand to the bot."""
        return json_copy(self.data)


class World:
    """All chats/messages/files; knows nothing about fronts, faults or updates."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        bot_id: int | None,
        bot_username: str,
        bot_first_name: str,
    ) -> None:
        self.clock = clock
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.files: dict[str, UploadedFile] = {}
        self._file_counter = 0

    def now(self) -> int:
        """Unix seconds from the injected clock, as used in ``date`` fields."""
        return int(self.clock())

    def bot_user(self) -> dict[str, Any]:
        """The bot as the ``from`` of its own messages."""
        return {
            "id": self.bot_id if self.bot_id is not None else 1,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def find_chat(self, chat_id: int | str) -> ChatRecord:
        """Look a chat up by id or @username; unknown or deleted answers 'chat not found'."""
        chat: ChatRecord | None
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            chat = next(
                (c for c in self.chats.values() if (c.username or "").lower() == name), None
            )
        else:
            chat = self.chats.get(chat_id)
        if chat is None or chat.deleted:
            raise chat_not_found()
        return chat

    def add_message(
        self, chat: ChatRecord, sender: dict[str, Any], content: dict[str, Any], *, from_bot: bool
    ) -> StoredMessage:
        """Append a message with the chat's next id and the clock's date."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": chat.as_json(),
            "date": self.now(),
        }
        data.update(content)
        stored = StoredMessage(chat.id, message_id, data, from_bot)
        self.messages.setdefault(chat.id, {})[message_id] = stored
        return stored

    def get_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A live (not deleted) message, or None."""
        stored = self.messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        """All live messages of a chat in send order."""
        return [m for m in self.messages.get(chat_id, {}).values() if not m.deleted]

    def register_file(self, upload: UploadedFile, kind: str) -> UploadedFile:
        """Give an upload a reusable file_id, as Telegram does after the first send."""
        if not upload.file_id:
            self._file_counter += 1
            upload.file_id = f"SBX{kind.upper()}{self._file_counter:06d}"
            upload.file_unique_id = f"U{self._file_counter:06d}"
        self.files[upload.file_id] = upload
        return upload


@dataclass
class CallbackAnswer:
    """What the bot answered to one callback query."""

    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class PendingCallback:
    """A callback query the bot has not answered yet."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int | None
    data: str


@dataclass
class WebhookState:
    """What setWebhook stored; an empty ``url`` means polling."""

    url: str = ""
    allowed_updates: list[str] | None = None
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None  # the last refused delivery (getWebhookInfo)
    last_error_message: str | None = None
