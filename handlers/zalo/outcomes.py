"""What a call to Zalo came to, typed, so that a delivery engine can record it as a state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SendStatus(StrEnum):
    SENT = "sent"  # Zalo took the message: it has a message_id
    OUTSIDE_WINDOW = "outside_window"  # no interaction in 7 days (-230): reach them when they write
    QUOTA = "quota"  # the OA's quota beyond the free replies is used up: try later or elsewhere
    FAILED = "failed"  # anything else: the network after every retry, a refused token, bad input


@dataclass(frozen=True)
class SendOutcome:
    status: SendStatus
    message_id: str | None = None
    error: int | None = None  # Zalo's error code, when Zalo answered one
    detail: str = ""  # why, in English for the log (never a token, never the text sent)
    network: bool = False  # FAILED because Zalo did not answer after every retry: try later

    @property
    def sent(self) -> bool:
        return self.status is SendStatus.SENT


@dataclass(frozen=True)
class UserDetail:
    user_id: str
    display_name: str
    follower: bool


@dataclass(frozen=True)
class CallFailure:
    """A non-send call (user detail, upload) that did not succeed."""

    error: int | None
    detail: str
