"""Zalo's webhook events, parsed into the few kinds ykien acts on.

A press of an ``oa.query.hide`` button arrives as ``user_send_text`` whose text is the
payload: text with our payload's shape (buttons.is_payload) is a :class:`ButtonPress`, the
rest a :class:`TextMessage`. Each event has a ``key`` for deduplication (Zalo redelivers):
the OA and the ``msg_id`` of a message, and for a follow or unfollow the event, OA, user and
time (several OAs share one inbox; user ids are per OA, so only the OA tells two apart).
Events ykien does not act on (stickers, images, seen receipts...) are :class:`Ignored`:
acknowledged all the same, since Zalo disables a webhook that keeps refusing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers.zalo.buttons import is_payload


class MalformedEvent(ValueError):
    """A signed body without the fields its event name promises."""


@dataclass(frozen=True)
class TextMessage:
    key: str
    oa_id: str
    user_id: str
    sent_at: datetime
    text: str


@dataclass(frozen=True)
class ButtonPress:
    key: str
    oa_id: str
    user_id: str
    sent_at: datetime
    payload: str  # untrusted: validate against the resident's state before acting


@dataclass(frozen=True)
class Follow:
    key: str
    oa_id: str
    user_id: str
    sent_at: datetime


@dataclass(frozen=True)
class Unfollow:
    key: str
    oa_id: str
    user_id: str
    sent_at: datetime


@dataclass(frozen=True)
class Ignored:
    event_name: str


ZaloEvent = TextMessage | ButtonPress | Follow | Unfollow | Ignored


def _str(body: dict[str, Any], *path: str) -> str:
    value: Any = body
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise MalformedEvent(f"{'.'.join(path)} is missing")
    return str(value)


def _when(body: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(_str(body, "timestamp")) / 1000, UTC)
    except (ValueError, OverflowError):
        raise MalformedEvent("timestamp is not milliseconds") from None


def parse(body: dict[str, Any]) -> ZaloEvent:
    """The event in a verified body; raises MalformedEvent on a body we cannot read."""
    name = _str(body, "event_name")
    if name == "user_send_text":
        msg_id = _str(body, "message", "msg_id")
        text = body.get("message", {}).get("text")
        if not isinstance(text, str):
            raise MalformedEvent("message.text is missing")
        oa, user, when = _str(body, "recipient", "id"), _str(body, "sender", "id"), _when(body)
        key = f"{oa}:{msg_id}"
        if is_payload(text):
            return ButtonPress(key, oa, user, when, text)
        return TextMessage(key, oa, user, when, text)
    if name in ("follow", "unfollow"):
        oa, user, when = _str(body, "oa_id"), _str(body, "follower", "id"), _when(body)
        key = f"{name}:{oa}:{user}:{_str(body, 'timestamp')}"
        return Follow(key, oa, user, when) if name == "follow" else Unfollow(key, oa, user, when)
    return Ignored(name)
