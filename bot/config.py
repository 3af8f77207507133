"""Configuration from YKIEN_* environment variables (and command-line overrides).

The domain's settings are described once, by surveys.env.Settings; this module only reads
them (and the process's own: token, database file, webhook) from the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from surveys.env import Settings
from surveys.scoring import Thresholds

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_LISTEN = "127.0.0.1:8443"  # the Telegram webhook's own server, without --web-listen
ZALO_WEBHOOK_PATH = "/zalo/webhook"
# First path segments the one web server uses (the e-sheet, the dashboard, Zalo): a Telegram
# webhook path there would be shadowed (tests/test_one_server.py keeps this list whole).
WEB_SEGMENTS = frozenset({"", "x", "s", "d", "static", "zalo"})
MAX_ZALO_RATE = 50.0  # calls per second per OA; Zalo allows about 20 (zalo.md)
_SETTINGS = {f.name for f in fields(Settings)}  # override() hands these to the domain


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
_VERIFIER = re.compile(r"[A-Za-z0-9_-]{8,128}")  # Zalo's domain codes: about 36 of these


def listen_address(value: str, setting: str = "YKIEN_LISTEN") -> tuple[str, int]:
    """'ADDR:PORT' (IPv6 in brackets: '[::]:8443') -> (address, port); ValueError (naming the
    setting) otherwise."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise ConfigError("listen", value=value, setting=setting)
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
    """What one process needs: the domain's Settings (surveys.env, their one description) and
    around them the token, the Bot API, the database file, logging and the webhook."""

    settings: Settings = field(default_factory=Settings)
    token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("ykien.db")
    log_level: str = "INFO"
    concurrency: int = 64  # updates handled at once (from different chats)
    http_pool: int = 16  # connections to the Bot API server
    # Webhook mode (`ykien run --webhook-url URL`); without a URL: polling.
    webhook_url: str | None = None
    # Where the Telegram webhook's own server listens when there is no --web-listen (which,
    # when given, serves the webhook too: one server, one port).
    listen: str | None = None
    webhook_secret: Secret | None = None  # Telegram's secret_token; random per start if unset
    # The one web server (`--web-listen ADDR:PORT`): the e-sheet, the dashboard, the Zalo
    # webhook and, in webhook mode, Telegram's; its public base URL is settings.web_url.
    web_listen: str | None = None
    # The Zalo OA API (None: Zalo's own addresses and the client's pace; the sandbox in tests).
    zalo_api_url: str | None = None
    zalo_oauth_url: str | None = None
    zalo_rate: float | None = None  # calls per second per OA
    zalo_verifier: str | None = None  # the code of Zalo's domain verification file

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        secret = environ.get("YKIEN_WEBHOOK_SECRET")
        token = environ.get("YKIEN_TOKEN")
        return cls(
            settings=_settings(environ),
            webhook_url=environ.get("YKIEN_WEBHOOK_URL") or None,
            listen=environ.get("YKIEN_LISTEN") or None,
            webhook_secret=Secret(secret) if secret else None,
            web_listen=environ.get("YKIEN_WEB_LISTEN") or None,
            token=Secret(token) if token else None,
            api_url=environ.get("YKIEN_API_URL", DEFAULT_API_URL),
            db_path=Path(environ.get("YKIEN_DB") or "ykien.db"),
            log_level=environ.get("YKIEN_LOG_LEVEL", "INFO"),
            zalo_api_url=environ.get("YKIEN_ZALO_API_URL") or None,
            zalo_oauth_url=environ.get("YKIEN_ZALO_OAUTH_URL") or None,
            zalo_rate=_rate(environ.get("YKIEN_ZALO_RATE", "")),
            zalo_verifier=environ.get("YKIEN_ZALO_VERIFIER", "").strip() or None,
        )

    @property
    def webhook_listen(self) -> str:
        """Where the Telegram webhook is served: the one web server's address when there is
        one, else --listen."""
        return self.web_listen or self.listen or DEFAULT_LISTEN

    @property
    def addresses(self) -> list[str]:
        """Where the one server listens: --web-listen, or in webhook mode --listen without it.

        Both given in webhook mode and different (two servers before): the same server on
        both, so that a reverse proxy still forwarding the webhook to --listen keeps working."""
        first = self.webhook_listen if self.web_listen or self.webhook_url else None
        if first is None:
            return []
        extra = self.listen if self.webhook_url and self.web_listen else None
        if extra is None or listen_address(extra) == listen_address(first):
            return [first]
        return [first, extra]

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def secrets(self) -> list[str]:
        """What the log filter masks: the token, the webhook secret, a configured key."""
        given = (self.token, self.webhook_secret, self.settings.pseudonym_key)
        return [s.reveal() if isinstance(s, Secret) else s for s in given if s]

    def override(self, **changes: object) -> Config:
        """Command-line flags win over the environment; None means 'not given'."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "token" in given:
            given["token"] = Secret(str(given["token"]))
        if "db_path" in given:
            given["db_path"] = Path(str(given["db_path"]))
        domain = {k: given.pop(k) for k in list(given) if k in _SETTINGS}
        if domain:
            given["settings"] = replace(self.settings, **domain)  # type: ignore[arg-type]
        # replace() checks the field names at run time; mypy cannot match **given to them
        return replace(self, **given).checked()  # type: ignore[arg-type]

    def checked(self) -> Config:
        """Refuses a malformed address, URL or secret before anything starts (ValueError)."""
        if self.listen is not None:
            listen_address(self.listen)
        if self.web_listen is not None:
            listen_address(self.web_listen, "YKIEN_WEB_LISTEN")
        if self.webhook_url is not None:
            parts = urlsplit(self.webhook_url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ConfigError("webhook_url")
            self._one_server()
        if self.settings.web_url is not None:
            parts = urlsplit(self.settings.web_url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ConfigError("web_url")
        if self.webhook_secret is not None and not _SECRET.fullmatch(self.webhook_secret.reveal()):
            raise ConfigError("webhook_secret")
        for setting, url in (
            ("YKIEN_ZALO_API_URL", self.zalo_api_url),
            ("YKIEN_ZALO_OAUTH_URL", self.zalo_oauth_url),
        ):
            if url is None:
                continue
            zalo = urlsplit(url)
            if zalo.scheme not in ("https", "http") or not zalo.hostname:
                raise ConfigError("zalo_url", setting=setting, value=url)
        if self.zalo_verifier is not None and not _VERIFIER.fullmatch(self.zalo_verifier):
            raise ConfigError("zalo_verifier")
        return self

    def _one_server(self) -> None:
        """With --web-listen, the Telegram webhook is one more path of that server: a path the
        web pages use is refused."""
        if self.web_listen is None:
            return
        if self.webhook_path.split("/")[1] in WEB_SEGMENTS or self.webhook_path.startswith(
            "/zalo_verifier"
        ):
            raise ConfigError("webhook_path", path=self.webhook_path)


def _settings(environ: Mapping[str, str]) -> Settings:
    """The domain's settings from YKIEN_* variables; ConfigError names the one that is wrong."""
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
    timezone = environ.get("YKIEN_TIMEZONE", "Asia/Ho_Chi_Minh")
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError("timezone", value=timezone) from exc
    return Settings(
        bot_username=environ.get("YKIEN_BOT_USERNAME", "").strip().removeprefix("@") or None,
        timezone=zone,
        thresholds=Thresholds(min_group=int(min_group)),
        admin_ids=frozenset(int(a) for a in admins),
        pseudonym_key=environ.get("YKIEN_PSEUDONYM_KEY") or None,
        retention_days=int(_number(environ, "YKIEN_RETENTION_DAYS", 0, 0)),
        flood_count=int(_number(environ, "YKIEN_FLOOD_COUNT", 20, 1)),
        flood_window=_number(environ, "YKIEN_FLOOD_WINDOW", 10, 0.1),
        flood_pause=_number(environ, "YKIEN_FLOOD_PAUSE", 60, 0),
        questions_per_day=int(_number(environ, "YKIEN_QUESTIONS_PER_DAY", 5, 1)),
        broadcast_rate=rate,
        quiet_start=start,
        quiet_end=end,
        blackout_dates=blackout,
        reminder_delay=timedelta(hours=delay),
        reminder_max=reminders,
        web_url=(environ.get("YKIEN_WEB_URL") or "").rstrip("/") or None,
    )


def _rate(raw: str) -> float | None:
    """YKIEN_ZALO_RATE: calls per second per OA, in (0, MAX_ZALO_RATE]; empty: the default."""
    if not raw.strip():
        return None
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= MAX_ZALO_RATE:
        raise ConfigError("zalo_rate", raw=raw, maximum=MAX_ZALO_RATE)
    return rate


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
