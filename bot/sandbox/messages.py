"""Bot API methods that create, change or remove messages.

Validation mirrors Telegram where bots commonly trip: HTML parse errors, empty or
over-long text, bad callback_data, "message is not modified", and the fact that
editMessageText without reply_markup drops the inline keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.html import HtmlParseError, parse_html, utf16_len
from bot.sandbox.params import Params
from bot.sandbox.registry import api_method
from bot.sandbox.store import ChatRecord, StoredMessage, UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note",
     "upload_video_note"}
)  # fmt: skip


@dataclass
class Formatted:
    """Text after parse-mode processing; ``html`` is the source when parse_mode was HTML."""

    plain: str
    entities: list[dict[str, Any]] | None
    html: str | None


def format_text(
    sb: Sandbox, raw: str, parse_mode: str | None, entities: list[Any] | None
) -> Formatted:
    """Apply a parse mode the way Telegram does, with its error wording."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, parsed = parse_html(raw)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        return Formatted(plain, parsed or None, raw)
    if mode in {"markdown", "markdownv2"}:
        sb.warnings.append(f"parse_mode {parse_mode} is not validated by the sandbox")
        return Formatted(raw, None, None)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    for entity in entities or []:
        ok = isinstance(entity, dict) and isinstance(entity.get("type"), str)
        offset, length = (entity.get("offset"), entity.get("length")) if ok else (None, None)
        if not (isinstance(offset, int) and isinstance(length, int)):
            raise bad_request("can't parse entities: entity must have type, offset and length")
        if offset < 0 or length <= 0 or offset + length > utf16_len(raw):
            raise bad_request("can't parse entities: entity is out of the text bounds")
    return Formatted(raw, list(entities) if entities else None, None)


def _check_text(plain: str) -> None:
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > TEXT_LIMIT:
        raise bad_request("message is too long")


def sending_chat(sb: Sandbox, p: Params) -> ChatRecord:
    """The target chat of a send; blocked chats answer 403 like Telegram."""
    chat = sb.world.find_chat(p.chat_id())
    if chat.blocked:
        raise forbidden("bot was blocked by the user")
    return chat


def _chat_ref(p: Params, key: str) -> int | str:
    value = p.get(key)
    if isinstance(value, int | str) and not isinstance(value, bool) and value != "":
        return value
    raise bad_request(f"{key} is empty")


def parse_markup(p: Params) -> dict[str, Any] | None:
    """reply_markup, validated where Telegram rejects it."""
    markup = p.opt_dict("reply_markup", "can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for button in (b for row in rows for b in row):
            _check_inline_button(button)
    elif "keyboard" in markup:
        if not isinstance(markup["keyboard"], list):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be a String')
    if not any(key in button for key in BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not button["url"]:
        raise bad_request("BUTTON_URL_INVALID")


def _visible_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only inline keyboards are part of the Message JSON Telegram returns."""
    if markup and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _apply_markup(stored: StoredMessage, chat: ChatRecord, markup: dict[str, Any] | None) -> None:
    stored.reply_markup = markup
    visible = _visible_markup(markup)
    if visible:
        stored.data["reply_markup"] = visible
    else:
        stored.data.pop("reply_markup", None)
    if markup and "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup and "remove_keyboard" in markup:
        chat.reply_keyboard = None


def _reply_to(sb: Sandbox, chat: ChatRecord, p: Params) -> dict[str, Any] | None:
    params = p.opt_dict("reply_parameters", "can't parse reply parameters JSON object") or {}
    message_id = params.get("message_id", p.opt_int("reply_to_message_id"))
    if message_id is None:
        return None
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise bad_request("message to be replied not found")
    target = sb.world.get_message(chat.id, message_id)
    if target is None:
        if params.get("allow_sending_without_reply") or p.opt_bool("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    data = target.snapshot()
    data.pop("reply_to_message", None)
    return data


def _send(
    sb: Sandbox, chat: ChatRecord, p: Params, content: dict[str, Any], markup: dict[str, Any] | None
) -> StoredMessage:
    reply = _reply_to(sb, chat, p)
    if reply is not None:
        content["reply_to_message"] = reply
    if p.opt_bool("protect_content"):
        content["has_protected_content"] = True
    stored = sb.world.add_message(chat, sb.world.bot_user(), content, from_bot=True)
    _apply_markup(stored, chat, markup)
    return stored


@api_method("sendMessage")
def send_message(sb: Sandbox, p: Params) -> dict[str, Any]:
    """sendMessage."""
    chat = sending_chat(sb, p)
    raw = p.opt_str("text") or ""
    if not raw:
        raise bad_request("message text is empty")
    fmt = format_text(sb, raw, p.opt_str("parse_mode"), p.opt_list("entities", "bad entities"))
    _check_text(fmt.plain)
    markup = parse_markup(p)
    content: dict[str, Any] = {"text": fmt.plain}
    if fmt.entities:
        content["entities"] = fmt.entities
    stored = _send(sb, chat, p, content, markup)
    stored.html = fmt.html
    return stored.data


def _editable(sb: Sandbox, p: Params) -> tuple[StoredMessage, ChatRecord]:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox never creates inline messages
    chat = sending_chat(sb, p)
    message_id = p.require_int("message_id", "message identifier is not specified")
    stored = sb.world.get_message(chat.id, message_id)
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored, chat


def _inline_markup(p: Params) -> dict[str, Any] | None:
    markup = parse_markup(p)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


@api_method("editMessageText")
def edit_message_text(sb: Sandbox, p: Params) -> dict[str, Any]:
    """editMessageText; omitting reply_markup removes the inline keyboard, as on Telegram."""
    stored, chat = _editable(sb, p)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    raw = p.opt_str("text") or ""
    if not raw:
        raise bad_request("message text is empty")
    fmt = format_text(sb, raw, p.opt_str("parse_mode"), p.opt_list("entities", "bad entities"))
    _check_text(fmt.plain)
    markup = _inline_markup(p)
    same = (
        fmt.plain == stored.data["text"]
        and fmt.entities == stored.data.get("entities")
        and _visible_markup(markup) == stored.data.get("reply_markup")
    )
    if same:
        raise bad_request(NOT_MODIFIED)
    stored.history.append(stored.snapshot())
    stored.data["text"] = fmt.plain
    if fmt.entities:
        stored.data["entities"] = fmt.entities
    else:
        stored.data.pop("entities", None)
    stored.data["edit_date"] = sb.world.now()
    stored.html = fmt.html
    _apply_markup(stored, chat, markup)
    return stored.data


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(sb: Sandbox, p: Params) -> dict[str, Any]:
    """editMessageReplyMarkup; no reply_markup removes the keyboard."""
    stored, chat = _editable(sb, p)
    markup = _inline_markup(p)
    if _visible_markup(markup) == stored.data.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    stored.history.append(stored.snapshot())
    stored.data["edit_date"] = sb.world.now()
    _apply_markup(stored, chat, markup)
    return stored.data


@api_method("deleteMessage")
def delete_message(sb: Sandbox, p: Params) -> bool:
    """deleteMessage (bot's own messages and, in private chats, the user's)."""
    chat = sb.world.find_chat(p.chat_id())
    message_id = p.require_int("message_id", "message identifier is not specified")
    stored = sb.world.get_message(chat.id, message_id)
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    return True


def _media(sb: Sandbox, p: Params, kind: str) -> UploadedFile:
    value = p.file(kind)
    if value is None or value == "":
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(value, UploadedFile):
        if not value.content:
            raise bad_request("file must be non-empty")
        return sb.world.register_file(value, kind)
    known = sb.world.files.get(value)
    if known is not None:
        return known
    if value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        return sb.world.register_file(UploadedFile.from_field(name, b"", None), kind)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _caption(sb: Sandbox, p: Params, content: dict[str, Any]) -> str | None:
    raw = p.opt_str("caption")
    content.pop("caption", None)
    content.pop("caption_entities", None)
    if not raw:
        return None
    entities = p.opt_list("caption_entities", "bad caption entities")
    fmt = format_text(sb, raw, p.opt_str("parse_mode"), entities)
    if len(fmt.plain) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    content["caption"] = fmt.plain
    if fmt.entities:
        content["caption_entities"] = fmt.entities
    return fmt.html


@api_method("sendPhoto")
def send_photo(sb: Sandbox, p: Params) -> dict[str, Any]:
    """sendPhoto: keeps the uploaded bytes on the message for tests."""
    chat = sending_chat(sb, p)
    upload = _media(sb, p, "photo")
    size = {"file_id": upload.file_id, "file_unique_id": upload.file_unique_id}
    content: dict[str, Any] = {
        "photo": [size | {"file_size": upload.size, "width": 320, "height": 320}]
    }
    html = _caption(sb, p, content)
    stored = _send(sb, chat, p, content, parse_markup(p))
    stored.photo, stored.html = upload, html
    return stored.data


@api_method("sendDocument")
def send_document(sb: Sandbox, p: Params) -> dict[str, Any]:
    """sendDocument: keeps name, bytes and MIME type on the message for tests."""
    chat = sending_chat(sb, p)
    upload = _media(sb, p, "document")
    document = {
        "file_id": upload.file_id,
        "file_unique_id": upload.file_unique_id,
        "file_name": upload.filename,
        "mime_type": upload.mime_type,
        "file_size": upload.size,
    }
    content: dict[str, Any] = {"document": document}
    html = _caption(sb, p, content)
    stored = _send(sb, chat, p, content, parse_markup(p))
    stored.document, stored.html = upload, html
    return stored.data


@api_method("copyMessage")
def copy_message(sb: Sandbox, p: Params) -> dict[str, Any]:
    """copyMessage: a new bot message with the source's content; returns its id only."""
    chat = sending_chat(sb, p)
    source_chat = sb.world.find_chat(_chat_ref(p, "from_chat_id"))
    message_id = p.require_int("message_id", "message identifier is not specified")
    source = sb.world.get_message(source_chat.id, message_id)
    if source is None:
        raise bad_request("message to copy not found")
    keys = (
        "text",
        "entities",
        "caption",
        "caption_entities",
        "photo",
        "document",
        "sticker",
        "voice",
    )
    content = {k: v for k, v in source.snapshot().items() if k in keys}
    html = _caption(sb, p, content) if p.has("caption") else source.html
    stored = _send(sb, chat, p, content, parse_markup(p))
    stored.photo, stored.document, stored.html = source.photo, source.document, html
    return {"message_id": stored.message_id}


@api_method("sendChatAction")
def send_chat_action(sb: Sandbox, p: Params) -> bool:
    """sendChatAction: recorded per chat."""
    chat = sending_chat(sb, p)
    action = p.opt_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True
