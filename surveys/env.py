"""What every service needs: the database, an injectable clock and the deployment's settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storage.db import Database
from surveys.scoring import Thresholds

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    bot_username: str = "ykien_bot"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    thresholds: Thresholds = field(default_factory=Thresholds)
    search_limit: int = 8  # commune matches shown as buttons; more asks the resident to narrow
    admin_ids: frozenset[int] = frozenset()  # Telegram ids that are administrators by configuration
    pseudonym_key: bytes | None = None  # HMAC key of exported answers; None: no answers exported


@dataclass
class Env:
    db: Database
    clock: Clock
    settings: Settings

    def now(self) -> datetime:
        return self.clock()
