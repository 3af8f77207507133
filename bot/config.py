"""Configuration from YKIEN_* environment variables (and command-line overrides)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting that makes no sense; the message (in Vietnamese) comes from
    handlers/views/templates/cli_config_error.txt."""

    def __init__(self, reason: str, **ctx: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ctx = ctx

    def __str__(self) -> str:
        from handlers.views.texts import render  # only when the message is shown

        return render("cli_config_error.txt", reason=self.reason, **self.ctx)


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # Telegram's rule for a webhook secret token


def listen_address(value: str) -> tuple[str, int]:
    """'ADDR:PORT' (IPv6 in brackets: '[::]:8443') -> (address, port); ValueError otherwise."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise ConfigError("listen", value=value)
    return host, int(port)


class Secret(str):
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class Config:
    token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("ykien.db")
    bot_username: str | None = None  # None: the username getMe gave (kept in the database)
    timezone: str = "Asia/Ho_Chi_Minh"
    min_group: int = 5
    log_level: str = "INFO"
    concurrency: int = 64  # updates handled at once (from different chats)
    http_pool: int = 16  # connections to the Bot API server
    admin_ids: frozenset[int] = frozenset()
    pseudonym_key: Secret | None = None  # HMAC key for residents' pseudonyms (logs, exports)
    retention_days: int = 0  # 0: identities are kept until the resident deletes them
    flood_count: int = 20  # updates per person per flood_window seconds
    flood_window: float = 10.0
    flood_pause: float = 60.0
    questions_per_day: int = 5  # questions a resident may send to the commune per day
    broadcast_rate: float = 25.0  # messages/s, at most 1,000 (paid broadcasts)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    blackout_dates: frozenset[date] = frozenset()
    reminder_delay_hours: float = 48.0
    reminder_max: int = 2
    # Webhook mode (`ykien run --webhook-url URL --listen ADDR:PORT`); without a URL: polling.
    webhook_url: str | None = None
    listen: str = "127.0.0.1:8443"  # where the bot's own webhook server listens
    webhook_secret: Secret | None = None  # Telegram's secret_token; random per start if unset
    # The web e-sheet (`--web-listen ADDR:PORT`); its public base URL, printed in links.
    web_listen: str | None = None
    web_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        token = environ.get("YKIEN_TOKEN")
        min_group = environ.get("YKIEN_MIN_GROUP", "5")
        if not min_group.isdecimal() or int(min_group) < 3:
            raise ConfigError("min_group")
        admins = environ.get("YKIEN_ADMINS", "").replace(",", " ").split()
        if not all(a.isdecimal() for a in admins):
            raise ConfigError("admins")
        quiet = environ.get("YKIEN_QUIET_HOURS", "21:00-07:00")
        try:
            start, end = (time.fromisoformat(t.strip()) for t in quiet.split("-"))
            blackout = frozenset(
                date.fromisoformat(d)
                for d in environ.get("YKIEN_BLACKOUT_DATES", "").replace(",", " ").split()
            )
            rate = float(environ.get("YKIEN_BROADCAST_RATE", "25"))
            delay = float(environ.get("YKIEN_REMINDER_DELAY_HOURS", "48"))
            reminders = int(environ.get("YKIEN_REMINDER_MAX", "2"))
        except ValueError as exc:
            raise ConfigError("broadcast", detail=str(exc)) from exc
        if not 0 < rate <= 1000 or delay < 0 or reminders < 0:
            raise ConfigError("broadcast_range")
        key = environ.get("YKIEN_PSEUDONYM_KEY")
        secret = environ.get("YKIEN_WEBHOOK_SECRET")
        return cls(
            webhook_url=environ.get("YKIEN_WEBHOOK_URL") or None,
            listen=environ.get("YKIEN_LISTEN") or "127.0.0.1:8443",
            webhook_secret=Secret(secret) if secret else None,
            web_listen=environ.get("YKIEN_WEB_LISTEN") or None,
            web_url=(environ.get("YKIEN_WEB_URL") or "").rstrip("/") or None,
            pseudonym_key=Secret(key) if key else None,
            retention_days=int(_number(environ, "YKIEN_RETENTION_DAYS", 0, 0)),
            flood_count=int(_number(environ, "YKIEN_FLOOD_COUNT", 20, 1)),
            flood_window=_number(environ, "YKIEN_FLOOD_WINDOW", 10, 0.1),
            flood_pause=_number(environ, "YKIEN_FLOOD_PAUSE", 60, 0),
            questions_per_day=int(_number(environ, "YKIEN_QUESTIONS_PER_DAY", 5, 1)),
            broadcast_rate=rate,
            quiet_start=start,
            quiet_end=end,
            blackout_dates=blackout,
            reminder_delay_hours=delay,
            reminder_max=reminders,
            admin_ids=frozenset(int(a) for a in admins),
            token=Secret(token) if token else None,
            api_url=environ.get("YKIEN_API_URL", DEFAULT_API_URL),
            db_path=Path(environ.get("YKIEN_DB") or "ykien.db"),
            bot_username=environ.get("YKIEN_BOT_USERNAME", "").strip().removeprefix("@") or None,
            timezone=environ.get("YKIEN_TIMEZONE", "Asia/Ho_Chi_Minh"),
            min_group=int(min_group),
            log_level=environ.get("YKIEN_LOG_LEVEL", "INFO"),
        )

    def override(self, **changes: object) -> Config:
        """Command-line flags win over the environment; None means 'not given'."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "token" in given:
            given["token"] = Secret(str(given["token"]))
        if "db_path" in given:
            given["db_path"] = Path(str(given["db_path"]))
        # replace() checks the field names at run time; mypy cannot match **given to them
        return replace(self, **given).checked()  # type: ignore[arg-type]

    def checked(self) -> Config:
        """Refuses a malformed webhook setting before anything starts (ValueError)."""
        if self.webhook_url is not None:
            parts = urlsplit(self.webhook_url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ConfigError("webhook_url")
            listen_address(self.listen)
        if self.web_listen is not None:
            listen_address(self.web_listen)
        if self.web_url is not None:
            parts = urlsplit(self.web_url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ConfigError("web_url")
        if self.webhook_secret is not None and not _SECRET.fullmatch(self.webhook_secret.reveal()):
            raise ConfigError("webhook_secret")
        return self


def _number(environ: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    """A numeric setting at or above `minimum`, or a clear ValueError naming the variable."""
    raw = environ.get(name, "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if not value >= minimum or value != value or value == float("inf"):
        raise ConfigError("number", setting=name, minimum=minimum, raw=raw)
    return value
