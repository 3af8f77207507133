"""Simulated people: users who write, tap buttons and block the bot, and group chats.

Every action stores the message like Telegram would (ids, dates, entities) and
enqueues the matching update, so the bot sees exactly what a real client produces.
Reading helpers (``messages``, ``last``...) return live views of the bot's messages.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from bot.sandbox.html import utf16_len
from bot.sandbox.store import ChatRecord, PendingCallback, StoredMessage, UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
Button = tuple[str, str | None]


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram attaches to a leading ``/command``."""
    match = _COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def chat_instance(chat_id: int) -> str:
    """A stable opaque ``chat_instance`` per chat, as Telegram sends in callback queries."""
    return str((chat_id * 1_000_003 + 7_919) % (2**62))


class SimMessage:
    """A live view of one stored message: reflects later edits and deletion."""

    __slots__ = ("_stored",)

    def __init__(self, stored: StoredMessage) -> None:
        self._stored = stored

    @property
    def message_id(self) -> int:
        """Telegram message id (per chat)."""
        return self._stored.message_id

    @property
    def chat_id(self) -> int:
        """The chat this message lives in."""
        return self._stored.chat_id

    @property
    def text(self) -> str:
        """Plain text (tags stripped, entities unescaped); the caption for media."""
        data = self._stored.data
        return str(data.get("text", data.get("caption", "")))

    @property
    def html(self) -> str:
        """The HTML the bot sent, or the escaped plain text if it used no HTML parse mode."""
        if self._stored.html is not None:
            return self._stored.html
        return html.escape(self.text, quote=False)

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Message (or caption) entities as Telegram computed them."""
        data = self._stored.data
        return list(data.get("entities", data.get("caption_entities", [])))

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows of ``(label, callback_data or url)``."""
        rows = self._stored.data.get("reply_markup", {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data", b.get("url"))) for b in row] for row in rows]

    def labels(self) -> list[str]:
        """All inline button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Labels of a reply keyboard sent with this message, if any."""
        return keyboard_labels(self._stored.reply_markup)

    @property
    def document(self) -> UploadedFile | None:
        """The uploaded document (name, bytes, MIME type)."""
        return self._stored.document

    @property
    def photo(self) -> UploadedFile | None:
        """The uploaded photo."""
        return self._stored.photo

    @property
    def deleted(self) -> bool:
        """Whether the bot (or user) deleted it."""
        return self._stored.deleted

    @property
    def edited(self) -> bool:
        """Whether it was edited since it was sent."""
        return bool(self._stored.history)

    @property
    def history(self) -> list[str]:
        """Earlier texts, oldest first."""
        return [str(v.get("text", v.get("caption", ""))) for v in self._stored.history]

    @property
    def raw(self) -> dict[str, Any]:
        """A copy of the Telegram Message JSON as it is now."""
        return self._stored.snapshot()

    def __repr__(self) -> str:
        return f"SimMessage(id={self.message_id}, text={self.text[:60]!r}, labels={self.labels()})"


def keyboard_labels(markup: dict[str, Any] | None) -> list[list[str]] | None:
    """Reply keyboard rows as labels (buttons may be strings or KeyboardButton objects)."""
    if not markup or "keyboard" not in markup:
        return None
    return [
        [b if isinstance(b, str) else str(b.get("text")) for b in row] for row in markup["keyboard"]
    ]


class _Chatter:
    """Shared reading helpers for anything that is a chat with the bot."""

    sandbox: Sandbox
    chat_id: int

    @property
    def messages(self) -> list[SimMessage]:
        """The bot's live messages in this chat, oldest first."""
        return self.sandbox.messages_in(self.chat_id)

    @property
    def last(self) -> SimMessage | None:
        """The bot's most recent live message here."""
        messages = self.messages
        return messages[-1] if messages else None

    def texts(self) -> list[str]:
        """Plain texts of the bot's live messages here."""
        return [m.text for m in self.messages]


class SimUser(_Chatter):
    """A Telegram user in a private chat with the bot."""

    def __init__(self, sandbox: Sandbox, user_id: int) -> None:
        self.sandbox = sandbox
        self.id = user_id
        self.chat_id = user_id

    @property
    def json(self) -> dict[str, Any]:
        """The ``User`` object Telegram puts in ``from``."""
        return dict(self.sandbox.world.users[self.id])

    @property
    def chat(self) -> ChatRecord:
        """The private chat record (blocked/deleted flags, chat actions...)."""
        return self.sandbox.world.chats[self.id]

    # ----------------------------------------------------------- actions
    def _post(self, chat: ChatRecord, content: dict[str, Any], kind: str = "message") -> dict:
        chat.deleted = False  # a user writing again brings a deleted chat back
        stored = self.sandbox.world.add_message(chat, self.json, content, from_bot=False)
        return self.sandbox.enqueue_update(kind, stored.snapshot())

    def send(self, text: str, *, reply_to: SimMessage | int | None = None) -> dict[str, Any]:
        """A text message; a leading ``/command`` gets its bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        if reply_to is not None:
            target_id = reply_to.message_id if isinstance(reply_to, SimMessage) else reply_to
            target = self.sandbox.world.get_message(self.id, target_id)
            if target is None:
                raise AssertionError(f"user {self.id} cannot reply to missing message {target_id}")
            content["reply_to_message"] = target.snapshot()
        return self._post(self.chat, content)

    def start(self, payload: str | None = None) -> dict[str, Any]:
        """``/start`` or ``/start payload`` (deep link)."""
        return self.send(f"/start {payload}" if payload else "/start")

    def press(self, message: SimMessage | int, label_or_data: str) -> dict[str, Any]:
        """Tap an inline button found by label (first) or callback_data on a bot message."""
        chat_id = message.chat_id if isinstance(message, SimMessage) else self.id
        message_id = message.message_id if isinstance(message, SimMessage) else message
        stored = self.sandbox.world.get_message(chat_id, message_id)
        if stored is None or not stored.from_bot:
            raise AssertionError(
                f"user {self.id} cannot press a button on message {message_id} in chat "
                f"{chat_id}: no such live bot message"
            )
        if 0 < chat_id != self.id:
            raise AssertionError(f"user {self.id} cannot see private chat {chat_id}")
        rows = stored.data.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        button = next((b for b in buttons if b["text"] == label_or_data), None) or next(
            (b for b in buttons if b.get("callback_data") == label_or_data), None
        )
        if button is None:
            shown = [(b["text"], b.get("callback_data", b.get("url"))) for b in buttons]
            raise AssertionError(
                f"no inline button {label_or_data!r} on message {message_id} "
                f"({SimMessage(stored).text[:80]!r}); buttons: {shown or 'none'}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button['text']!r} is not a callback button: {button}")
        return self._callback(chat_id, message_id, button["callback_data"], stored)

    def press_raw(self, message_id: int, data: str) -> dict[str, Any]:
        """A callback query with forged data (no check that such a button exists)."""
        return self._callback(
            self.id, message_id, data, self.sandbox.world.get_message(self.id, message_id)
        )

    def _callback(
        self, chat_id: int, message_id: int, data: str, stored: StoredMessage | None
    ) -> dict[str, Any]:
        query_id = self.sandbox.next_query_id()
        self.sandbox.pending_callbacks[query_id] = PendingCallback(
            query_id, self.id, chat_id, message_id, data
        )
        chat = self.sandbox.world.chats[chat_id].as_json()
        message = (
            stored.snapshot() if stored else {"chat": chat, "message_id": message_id, "date": 0}
        )
        payload = {
            "id": query_id,
            "from": self.json,
            "message": message,
            "chat_instance": chat_instance(chat_id),
            "data": data,
        }
        return self.sandbox.enqueue_update("callback_query", payload)

    def _file(self, kind: str) -> dict[str, str]:
        number = self.sandbox.next_serial()
        return {"file_id": f"USR{kind.upper()}{self.id}_{number}", "file_unique_id": f"u{number}"}

    def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """A regular static sticker."""
        sticker = self._file("sticker") | {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._post(self.chat, {"sticker": sticker})

    def send_photo(self, caption: str | None = None) -> dict[str, Any]:
        """A photo (two sizes, as Telegram sends)."""
        file = self._file("photo")
        sizes = [
            file | {"width": 90, "height": 90, "file_size": 1_200},
            file | {"width": 800, "height": 800, "file_size": 64_000},
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._post(self.chat, content)

    def send_voice(self, duration: int = 3) -> dict[str, Any]:
        """A voice note."""
        voice = self._file("voice") | {
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * duration,
        }
        return self._post(self.chat, {"voice": voice})

    def send_contact(self, phone_number: str, *, own: bool = True) -> dict[str, Any]:
        """A shared contact; ``own`` marks it as the user's own number."""
        contact: dict[str, Any] = {"phone_number": phone_number}
        contact["first_name"] = self.json["first_name"]
        if own:
            contact["user_id"] = self.id
        return self._post(self.chat, {"contact": contact})

    def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        """A shared location."""
        return self._post(self.chat, {"location": {"latitude": latitude, "longitude": longitude}})

    def edit(self, message: dict[str, Any] | int, new_text: str) -> dict[str, Any]:
        """Edit one of this user's own messages → an ``edited_message`` update."""
        if isinstance(message, dict):  # an update from send() or a message dict
            data = message.get("message", message)
            chat_id, message_id = int(data["chat"]["id"]), int(data["message_id"])
        else:
            chat_id, message_id = self.id, message
        stored = self.sandbox.world.get_message(chat_id, message_id)
        if stored is None or stored.from_bot or stored.data["from"]["id"] != self.id:
            raise AssertionError(f"user {self.id} has no message {message_id} in chat {chat_id}")
        stored.history.append(stored.snapshot())
        stored.data["text"] = new_text
        stored.data.pop("entities", None)
        if entities := command_entities(new_text):
            stored.data["entities"] = entities
        stored.data["edit_date"] = self.sandbox.world.now()
        return self.sandbox.enqueue_update("edited_message", stored.snapshot())

    def send_in_group(self, group_chat_id: int, text: str) -> dict[str, Any]:
        """Write in a group chat (created if needed) the bot is a member of."""
        self.sandbox.group(group_chat_id)
        content: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        return self._post(self.sandbox.world.chats[group_chat_id], content)

    def _member_update(self, old: str, new: str) -> dict[str, Any]:
        bot = self.sandbox.world.bot_user()

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"user": bot, "status": status}
            if status == "kicked":
                data["until_date"] = 0  # 0 = forever; PTB requires the field
            return data

        payload = {
            "chat": self.chat.as_json(),
            "from": self.json,
            "date": self.sandbox.world.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self.sandbox.enqueue_update("my_chat_member", payload)

    def block_bot(self) -> dict[str, Any]:
        """Block the bot: sends now answer 403 and a ``my_chat_member`` update arrives."""
        self.chat.blocked = True
        return self._member_update("member", "kicked")

    def unblock_bot(self) -> dict[str, Any]:
        """Unblock (Telegram's "Restart bot"): sends work again."""
        self.chat.blocked = False
        return self._member_update("kicked", "member")

    # ----------------------------------------------------------- reading
    @property
    def callback_answers(self) -> list[str | None]:
        """Texts of the bot's answerCallbackQuery calls for this user's taps (None = silent)."""
        return [a.text for a in self.sandbox.callback_answers if a.user_id == self.id]

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown to this user, as label rows."""
        return keyboard_labels(self.chat.reply_keyboard)

    @property
    def chat_actions(self) -> list[str]:
        """sendChatAction actions the bot sent to this chat."""
        return list(self.chat.actions)

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.json.get('first_name')!r})"


class SimGroup(_Chatter):
    """A group chat with the bot in it; members write via :meth:`send`."""

    def __init__(self, sandbox: Sandbox, chat_id: int) -> None:
        self.sandbox = sandbox
        self.chat_id = chat_id
        self.id = chat_id

    @property
    def title(self) -> str:
        """The group's title."""
        return str(self.sandbox.world.chats[self.chat_id].title)

    def send(self, user: SimUser, text: str) -> dict[str, Any]:
        """``user`` writes ``text`` in this group."""
        return user.send_in_group(self.chat_id, text)
