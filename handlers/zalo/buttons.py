"""Buttons on a Zalo message and the payloads they carry back.

An ``oa.query.hide`` button sends its payload back as the user's own text (without showing
it in the chat), so a payload must be told apart from typed text and, like Telegram callback
data, is untrusted: short, from a small alphabet, with our prefix, and validated against the
resident's state by whoever acts on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PREFIX = "yk:"
MAX_PAYLOAD = 64  # bytes, as Telegram's callback data: short codes, never content
MAX_BUTTONS = 5  # what a Zalo template shows [S]
MAX_TITLE = 100  # [S]
PAYLOAD = re.compile(r"yk:[A-Za-z0-9:_.-]{1,61}")


def is_payload(text: str) -> bool:
    """True when ``text`` has the shape of one of our payloads (not that it is valid now)."""
    return PAYLOAD.fullmatch(text) is not None


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def __post_init__(self) -> None:
        if not 0 < len(self.title) <= MAX_TITLE:
            raise ValueError(f"a button title has 1-{MAX_TITLE} characters")
        if not is_payload(self.payload):
            raise ValueError(f"a payload is {PREFIX} and at most {MAX_PAYLOAD} plain characters")

    def wire(self) -> dict[str, Any]:
        return {"title": self.title, "type": "oa.query.hide", "payload": self.payload}


def template(buttons: list[Button]) -> dict[str, Any]:
    """The ``message.attachment`` of a consultation message with these buttons."""
    if not 0 < len(buttons) <= MAX_BUTTONS:
        raise ValueError(f"a Zalo message carries 1-{MAX_BUTTONS} buttons")
    return {"type": "template", "payload": {"buttons": [b.wire() for b in buttons]}}
