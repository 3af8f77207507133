"""Webhook events as Zalo sends them, and the signature Zalo puts on them.

Zalo signs each event with ``X-ZEvent-Signature: mac=<hex>``, the hex SHA-256 of
app_id + the raw body + the event's timestamp + the OA secret key: a plain hash of the
concatenation, not an HMAC (zalo.md). ``app_id`` and ``timestamp`` are fields of the body.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

SIGNATURE_HEADER = "X-ZEvent-Signature"


def signature(app_id: str, raw_body: str, timestamp: str, oa_secret: str) -> str:
    """The header value Zalo sends with ``raw_body``."""
    digest = hashlib.sha256(f"{app_id}{raw_body}{timestamp}{oa_secret}".encode()).hexdigest()
    return f"mac={digest}"


@dataclass(frozen=True)
class Event:
    """One event to deliver: its body, serialised once so the signature covers these bytes."""

    body: dict[str, Any]

    @cached_property
    def raw(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))

    @property
    def name(self) -> str:
        return str(self.body["event_name"])

    @property
    def msg_id(self) -> str | None:
        message = self.body.get("message")
        return str(message["msg_id"]) if isinstance(message, dict) else None


def millis(now: float) -> str:
    """Zalo's timestamps: milliseconds, as a string."""
    return str(int(now * 1000))


def user_text(app_id: str, oa_id: str, user_id: str, text: str, msg_id: str, now: float) -> Event:
    """A user wrote (or pressed an ``oa.query.*`` button: its payload comes as text)."""
    return Event(
        {
            "app_id": app_id,
            "user_id_by_app": f"app-{user_id}",
            "event_name": "user_send_text",
            "timestamp": millis(now),
            "sender": {"id": user_id},
            "recipient": {"id": oa_id},
            "message": {"msg_id": msg_id, "text": text},
        }
    )


def user_sticker(app_id: str, oa_id: str, user_id: str, msg_id: str, now: float) -> Event:
    """A sticker: the bot must take it (200) and ignore what it cannot answer."""
    return Event(
        {
            "app_id": app_id,
            "event_name": "user_send_sticker",
            "timestamp": millis(now),
            "sender": {"id": user_id},
            "recipient": {"id": oa_id},
            "message": {"msg_id": msg_id, "attachments": [{"type": "sticker", "payload": {}}]},
        }
    )


def follow(app_id: str, oa_id: str, user_id: str, *, following: bool, now: float) -> Event:
    """``follow`` / ``unfollow``: the user is in ``follower.id``, the OA in ``oa_id``."""
    return Event(
        {
            "app_id": app_id,
            "oa_id": oa_id,
            "event_name": "follow" if following else "unfollow",
            "timestamp": millis(now),
            "source": "oa_profile",
            "follower": {"id": user_id},
        }
    )
