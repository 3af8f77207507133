"""What every service needs: the database, an injectable clock and the deployment's settings."""

from __future__ import annotations

import secrets
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
    # HMAC key for residents' pseudonyms in logs and exports; without one configured, a random
    # key per process keeps logs pseudonymous (but not linkable across restarts).
    pseudonym_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    retention_days: int = 0  # identities of residents inactive this long are removed; 0: never
    flood_count: int = 20  # updates a person may send per flood_window seconds
    flood_window: float = 10.0
    flood_pause: float = 60.0  # seconds ignored after going over the limit


@dataclass
class Env:
    db: Database
    clock: Clock
    settings: Settings

    def now(self) -> datetime:
        return self.clock()
