"""Bot-level Bot API methods: identity, updates/webhooks, commands, menus, callbacks, chats."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params
from bot.sandbox.registry import api_method
from bot.sandbox.store import CallbackAnswer
from bot.sandbox.webhook import webhook_url_ok

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
SCOPE_TYPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
     "chat_administrators", "chat_member"}
)  # fmt: skip
MENU_BUTTON_TYPES = frozenset({"default", "commands", "web_app"})
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def scope_key(scope: Mapping[str, Any] | None, language_code: str | None) -> tuple[str, str]:
    """Stable key for per-scope command lists: canonical scope JSON + language."""
    canonical = json.dumps(dict(scope or {"type": "default"}), sort_keys=True)
    return canonical, language_code or ""


@api_method("getMe")
def get_me(sb: Sandbox, p: Params) -> dict[str, Any]:
    """getMe, with the capability flags Telegram includes for bots."""
    return sb.world.bot_user() | {
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("getUpdates")
async def get_updates(sb: Sandbox, p: Params) -> list[dict[str, Any]]:
    """getUpdates (long polling lives in the core, next to the queue)."""
    return await sb.get_updates(p)


@api_method("setWebhook")
def set_webhook(sb: Sandbox, p: Params) -> bool:
    """setWebhook: from now on queued updates are POSTed to the URL (bot.sandbox.webhook).
    An empty url removes it (back to getUpdates)."""
    url = p.opt_str("url") or ""
    if url and not webhook_url_ok(url, local=sb.local_webhooks):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.opt_str("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    if p.opt_bool("drop_pending_updates"):
        sb.take_updates()
    sb.webhook.url = url
    sb.webhook.allowed_updates = p.opt_list("allowed_updates", "can't parse allowed updates")
    if sb.webhook.allowed_updates is not None:
        sb.set_allowed_updates(sb.webhook.allowed_updates)
    sb.webhook.secret_token = secret
    sb.webhook.max_connections = p.opt_int("max_connections") or 40
    if url:
        sb.webhook_pusher.start()
    return True


@api_method("deleteWebhook")
def delete_webhook(sb: Sandbox, p: Params) -> bool:
    """deleteWebhook, optionally dropping pending updates."""
    if p.opt_bool("drop_pending_updates"):
        sb.take_updates()
    sb.webhook.url = ""
    sb.notify()  # the delivery task sees the empty url and ends
    return True


@api_method("getWebhookInfo")
def get_webhook_info(sb: Sandbox, p: Params) -> dict[str, Any]:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": sb.webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": sb.pending_updates,
    }
    if sb.webhook.url:
        info["max_connections"] = sb.webhook.max_connections
        if sb.webhook.allowed_updates is not None:
            info["allowed_updates"] = sb.webhook.allowed_updates
        if sb.webhook.last_error_date is not None:
            info["last_error_date"] = sb.webhook.last_error_date
            info["last_error_message"] = sb.webhook.last_error_message
    return info


@api_method("close")
def close(sb: Sandbox, p: Params) -> bool:
    """close: nothing to release in memory."""
    return True


@api_method("logOut")
def log_out(sb: Sandbox, p: Params) -> bool:
    """logOut: nothing to release in memory."""
    return True


@api_method("answerCallbackQuery")
def answer_callback_query(sb: Sandbox, p: Params) -> bool:
    """answerCallbackQuery: only once, and only for a query the sandbox sent."""
    query_id = p.opt_str("callback_query_id") or ""
    pending = sb.pending_callbacks.pop(query_id, None)
    if pending is None:
        raise bad_request(QUERY_TOO_OLD)
    answer = CallbackAnswer(query_id, pending.user_id, p.opt_str("text"), p.opt_bool("show_alert"))
    answer.url = p.opt_str("url")
    sb.callback_answers.append(answer)
    return True


def _scope(sb: Sandbox, p: Params) -> tuple[str, str]:
    scope = p.opt_dict("scope", "can't parse BotCommandScope JSON object")
    if scope is not None:
        if scope.get("type") not in SCOPE_TYPES:
            raise bad_request("wrong scope type specified")
        if "chat_id" in scope:
            sb.world.find_chat(scope["chat_id"])
    return scope_key(scope, p.opt_str("language_code"))


@api_method("setMyCommands")
def set_my_commands(sb: Sandbox, p: Params) -> bool:
    """setMyCommands, stored per (scope, language_code); an empty list deletes."""
    commands = p.opt_list("commands", "can't parse commands JSON object")
    if commands is None:
        raise bad_request('parameter "commands" is required')
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned: list[dict[str, Any]] = []
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.fullmatch(
            str(command.get("command", ""))
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command["command"], "description": description})
    key = _scope(sb, p)
    if cleaned:
        sb.commands[key] = cleaned
    else:
        sb.commands.pop(key, None)
    return True


@api_method("getMyCommands")
def get_my_commands(sb: Sandbox, p: Params) -> list[dict[str, Any]]:
    """getMyCommands: exactly the list for this scope and language (no fallback)."""
    return sb.commands.get(_scope(sb, p), [])


@api_method("deleteMyCommands")
def delete_my_commands(sb: Sandbox, p: Params) -> bool:
    """deleteMyCommands."""
    sb.commands.pop(_scope(sb, p), None)
    return True


@api_method("setChatMenuButton")
def set_chat_menu_button(sb: Sandbox, p: Params) -> bool:
    """setChatMenuButton for one private chat, or the default when chat_id is omitted."""
    chat_id = sb.world.find_chat(p.chat_id()).id if p.has("chat_id") else None
    button = p.opt_dict("menu_button", "can't parse menu button JSON object")
    button = button or {"type": "default"}
    if button.get("type") not in MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button: unsupported type")
    if button["type"] == "web_app" and not (
        button.get("text") and isinstance(button.get("web_app"), dict)
    ):
        raise bad_request("can't parse menu button: web_app button needs text and web_app")
    if button["type"] == "default":
        sb.menu_buttons.pop(chat_id, None)
    else:
        sb.menu_buttons[chat_id] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(sb: Sandbox, p: Params) -> dict[str, Any]:
    """getChatMenuButton: the chat's, else the default one, else 'commands'."""
    chat_id = sb.world.find_chat(p.chat_id()).id if p.has("chat_id") else None
    return sb.menu_buttons.get(chat_id) or sb.menu_buttons.get(None) or {"type": "commands"}


@api_method("getChat")
def get_chat(sb: Sandbox, p: Params) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the fields PTB requires."""
    data = sb.world.find_chat(p.chat_id()).as_json()
    data.pop("all_members_are_administrators", None)
    data.update(accent_color_id=0, max_reaction_count=11)
    data["accepted_gift_types"] = {
        "unlimited_gifts": True,
        "limited_gifts": True,
        "unique_gifts": True,
        "premium_subscription": True,
        "gifts_from_channels": True,
    }
    return data


def _describe(field: str) -> tuple[Any, Any]:
    def setter(sb: Sandbox, p: Params) -> bool:
        value = p.opt_str(field) or ""
        limit = 512 if field == "description" else 120
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID")
        key = (field, p.opt_str("language_code") or "")
        if value:
            sb.descriptions[key] = value
        else:
            sb.descriptions.pop(key, None)
        return True

    def getter(sb: Sandbox, p: Params) -> dict[str, str]:
        key = (field, p.opt_str("language_code") or "")
        return {field: sb.descriptions.get(key, sb.descriptions.get((field, ""), ""))}

    return setter, getter


for _field, _name in (("description", "Description"), ("short_description", "ShortDescription")):
    _setter, _getter = _describe(_field)
    api_method(f"setMy{_name}")(_setter)
    api_method(f"getMy{_name}")(_getter)
