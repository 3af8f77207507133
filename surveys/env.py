"""What every service needs: the database, an injectable clock and the deployment's settings."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.db import Database
from surveys.scoring import Thresholds

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    bot_username: str | None = None  # YKIEN_BOT_USERNAME; what getMe answers wins over it
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    thresholds: Thresholds = field(default_factory=Thresholds)
    search_limit: int = 8  # commune matches shown as buttons; more asks the resident to narrow
    admin_ids: frozenset[int] = frozenset()  # Telegram ids that are administrators by configuration
    # YKIEN_PSEUDONYM_KEY: the HMAC key of residents' pseudonyms and voter keys. None: the key
    # the deployment keeps in its database (surveys.deployment_key); use Env.pseudonym_key.
    pseudonym_key: str | None = field(default=None, repr=False)
    retention_days: int = 0  # identities of residents inactive this long are removed; 0: never
    flood_count: int = 20  # updates a person may send per flood_window seconds
    flood_window: float = 10.0
    flood_pause: float = 60.0  # seconds ignored after going over the limit
    questions_per_day: int = 5  # questions one resident may send to the commune per local day
    # Broadcasts (surveys.broadcasts): pacing, quiet hours, retries, reminders.
    broadcast_rate: float = 25.0  # messages/s overall; Telegram's free limit is about 30
    quiet_start: time = time(21, 0)  # local time: nothing is sent from here...
    quiet_end: time = time(7, 0)  # ...until here (equal times: no quiet hours)
    evening: time = time(19, 0)  # "this evening" in the launch wizard
    blackout_dates: frozenset[date] = frozenset()  # local dates with no broadcasts (e.g. Tết)
    send_retries: int = 8  # network failures of one message before it is marked failed
    reminder_delay: timedelta = timedelta(days=2)  # after the invitation, between reminders
    reminder_max: int = 2  # automatic reminders per round
    web_url: str | None = None  # YKIEN_WEB_URL: the web e-sheet's public base URL, if served


class BotUnknown(Exception):
    """No link can be made: the bot never started on this database and no username is set."""


@dataclass
class Env:
    db: Database
    clock: Clock
    settings: Settings
    # The username Telegram's getMe gave when the bot last started (kept in bot_settings):
    # links are made for it, whatever YKIEN_BOT_USERNAME says. See surveys.bot_identity.
    learned_username: str | None = None
    # The key pseudonyms and voter keys are made with: the configured one, else (once
    # Services.open has read it) the one stored in the database. Until then, or for a Services
    # that is never opened (tests on an in-memory database), a random key of this object only.
    pseudonym_key: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.pseudonym_key:
            self.pseudonym_key = self.settings.pseudonym_key or secrets.token_hex(32)

    def now(self) -> datetime:
        return self.clock()

    def bot_username(self) -> str:
        """The username links are made for; raises BotUnknown when there is none."""
        name = self.learned_username or self.settings.bot_username
        if not name:
            raise BotUnknown()
        return name

    def start_link(self, payload: str) -> str:
        """A deep link that opens this deployment's bot with `/start payload`."""
        return f"https://t.me/{self.bot_username()}?start={payload}"
