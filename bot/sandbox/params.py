"""Parameter decoding shared by both fronts.

Over HTTP PTB sends every non-string value JSON-encoded inside a form field
(``chat_id=42``, ``reply_markup={...}``) while the in-process front sees native
values.  Normalising here means method code and ``sandbox.calls`` look the same
whichever front the bot used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.store import UploadedFile

# Parameters whose value is a string even when it looks like JSON ("123" as a text).
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "callback_query_id", "inline_query_id",
        "language_code", "description", "short_description", "name", "secret_token",
        "action", "inline_message_id", "title", "business_connection_id",
        "message_effect_id", "emoji", "ip_address", "question", "explanation",
        "explanation_parse_mode", "question_parse_mode", "payload", "currency",
        "first_name", "last_name", "phone_number", "vcard", "address", "custom_title",
        "invite_link", "game_short_name", "next_offset", "start_parameter",
    }
)  # fmt: skip
# Parameters that carry a file: an upload, ``attach://name``, a file_id or a URL.
FILE_PARAMS = frozenset(
    {"photo", "document", "audio", "video", "voice", "animation", "sticker", "video_note",
     "thumbnail", "certificate"}
)  # fmt: skip


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def normalize(
    raw: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
) -> dict[str, Any]:
    """Decode form-style values and put uploaded files in place of their parameters."""
    files = dict(files or {})
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if isinstance(value, str) and key in FILE_PARAMS and value.startswith("attach://"):
            attached = files.get(value.removeprefix("attach://"))
            out[key] = attached if attached is not None else value
        elif isinstance(value, str) and key not in STRING_PARAMS and key not in FILE_PARAMS:
            out[key] = _maybe_json(value)
        else:
            out[key] = value
    for key, upload in files.items():
        if key not in out and not any(v is upload for v in out.values()):
            out[key] = upload
    return out


class Params:
    """Typed, Telegram-worded access to one call's parameters."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def has(self, key: str) -> bool:
        """Whether the bot sent the parameter at all."""
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        """Raw (normalised) value."""
        return self.values.get(key, default)

    def opt_str(self, key: str) -> str | None:
        """A string parameter; numbers sent for strings are stringified like Telegram does."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def opt_int(self, key: str) -> int | None:
        """An integer parameter; garbage answers 400 as Telegram does."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {key} specified")

    def opt_float(self, key: str) -> float | None:
        """A numeric parameter such as getUpdates' timeout."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise bad_request(f"invalid {key} specified")

    def opt_bool(self, key: str) -> bool:
        """A flag; absent means false."""
        value = self.values.get(key)
        if isinstance(value, str):
            return value.lower() in {"true", "1"}
        return bool(value)

    def require_int(self, key: str, missing: str) -> int:
        """An integer that must be present; ``missing`` is Telegram's wording when absent."""
        value = self.opt_int(key)
        if value is None:
            raise bad_request(missing)
        return value

    def opt_dict(self, key: str, invalid: str) -> dict[str, Any] | None:
        """A JSON object parameter (reply_markup, scope, reply_parameters...)."""
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(invalid)
        return value

    def opt_list(self, key: str, invalid: str) -> list[Any] | None:
        """A JSON array parameter (entities, commands, allowed_updates...)."""
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(invalid)
        return value

    def chat_id(self) -> int | str:
        """The target chat: an integer id or an ``@username``."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                return value
        raise bad_request("chat not found")

    def file(self, key: str) -> UploadedFile | str | None:
        """An uploaded file, or the file_id / URL string the bot passed instead."""
        value = self.values.get(key)
        if value is None or isinstance(value, UploadedFile | str):
            return value
        raise bad_request(f"wrong type of the {key} parameter")
