"""What the fake OA remembers: followers and their interaction clocks, sent messages, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Follower:
    """One Zalo user as the OA sees them (ids are per OA, as on Zalo)."""

    user_id: str
    display_name: str
    following: bool = True
    last_interaction: float | None = None  # unix seconds of their last message, press or follow
    free_replies_left: int = 0  # replies still free in the 48 h after their last message


@dataclass
class SentMessage:
    """A message the OA sent through /v3.0/oa/message/cs, as the user would see it."""

    message_id: str
    user_id: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    attachment_id: str | None = None  # an uploaded image sent as a media attachment
    free: bool = True  # a free reply within 48 h, or one taken from the OA's quota
    at: float = 0.0

    def labels(self) -> list[str]:
        """Button titles in order, as a resident reads them."""
        return [str(b["title"]) for b in self.buttons]


@dataclass
class Upload:
    attachment_id: str
    filename: str
    content_type: str
    size: int


@dataclass
class TokenState:
    """Tokens the fake OAuth server issued; each refresh token works once."""

    access: dict[str, float] = field(default_factory=dict)  # token -> expiry (unix seconds)
    refresh: dict[str, float] = field(default_factory=dict)  # unused refresh token -> expiry
    used_refresh: set[str] = field(default_factory=set)
    refreshes: int = 0  # successful rotations, for assertions
    asked: int = 0  # refresh requests of any outcome
