"""Which Telegram bot this deployment is: learned from getMe when the bot starts and kept in the
database, so that links printed later by the command line open the commune's own bot (not the
`ykien_bot` of the default), and a YKIEN_BOT_USERNAME that names another bot is caught."""

from __future__ import annotations

from dataclasses import dataclass

from storage import bot_settings as settings_db
from surveys.env import Env

KEY = "bot_username"


@dataclass(frozen=True)
class Mismatch:
    """YKIEN_BOT_USERNAME names another bot than the one Telegram says this token is."""

    configured: str
    actual: str


class BotIdentity:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def load(self) -> None:
        """Reads the username the bot last learned (the command line runs without the bot)."""
        self.env.learned_username = await settings_db.get_setting(self.env.db.conn, KEY)

    async def learn(self, username: str) -> Mismatch | None:
        """Keeps getMe's username (links use it from now on); a differing setting is reported."""
        async with self.env.db.transaction() as conn:
            await settings_db.set_setting(conn, KEY, username, self.env.now())
        self.env.learned_username = username
        return self.mismatch()

    def mismatch(self) -> Mismatch | None:
        configured = (self.env.settings.bot_username or "").removeprefix("@")
        actual = self.env.learned_username
        if configured and actual and configured.casefold() != actual.casefold():
            return Mismatch(configured, actual)
        return None

    def username(self) -> str:
        """The username links use; raises BotUnknown before anything is made or stored."""
        return self.env.bot_username()
