"""The process's log handler: secrets masked at every level, residents' updates pseudonymised.

python-telegram-bot logs at DEBUG the Bot API URL (which carries the token), every update it
processes (ids, names, texts) and the parameters and results of every Bot API call. ykien's DEBUG
keeps those lines (they say what happened and when) but replaces an update by its id and the
sender's pseudonym, and any other structured argument by its type; the token, the webhook
secret and the pseudonym key are replaced by `***` in every message and traceback, at every
level, whichever logger wrote them. The pseudonym key may be the one the database keeps
(surveys.deployment_key): whoever opens the database hands it over with use_pseudonym_key.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import IO

from telegram import Update

from surveys.pseudonym import pseudonym

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
_LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "aiohttp", "aiosqlite")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")  # an endpoint or method name: kept


class Redact(logging.Filter):
    """Rewrites each record before any handler formats it; never drops one."""

    def __init__(self, secrets: Iterable[str], pseudonym_key: str) -> None:
        super().__init__()
        # longest first, so a secret containing another is masked whole
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._key = pseudonym_key

    def add(self, secret: str) -> None:
        """A secret made after start (the random webhook secret, a Zalo OA's tokens): masked
        from now on."""
        if not secret or secret in self._secrets:
            return
        self._secrets = sorted({*self._secrets, secret}, key=len, reverse=True)

    def use_key(self, pseudonym_key: str) -> None:
        """The deployment's pseudonym key, known only once the database is open (it may be the
        one kept there): masked from now on, and senders are named with it, as in exports."""
        self._key = pseudonym_key
        self.add(pseudonym_key)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def _summary(self, value: object) -> object:
        if isinstance(value, Update):
            user = value.effective_user
            sender = f"p:{pseudonym(self._key, user.id)}" if user else "no sender"
            return f"<update {value.update_id} from {sender}>"
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, str) and _PLAIN.fullmatch(value):
            return value
        return f"<{type(value).__name__} withheld>"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.name.startswith(_LIBRARIES) and record.levelno < logging.INFO:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(self._summary(a) for a in args)
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def add_secret(secret: str) -> None:
    """Masks one more secret in every Redact filter on the root handlers."""
    for handler in logging.getLogger().handlers:
        for each in handler.filters:
            if isinstance(each, Redact):
                each.add(secret)


def use_pseudonym_key(pseudonym_key: str) -> None:
    """Gives every Redact filter on the root handlers the deployment's pseudonym key."""
    for handler in logging.getLogger().handlers:
        for each in handler.filters:
            if isinstance(each, Redact):
                each.use_key(pseudonym_key)


def setup(
    level: str, secrets: Iterable[str], pseudonym_key: str, stream: IO[str] | None = None
) -> logging.Handler:
    """Puts the Redact filter on the root handlers, adding one (stderr, or the stream) when the
    root has none, as logging.basicConfig would; calling it again replaces the filter."""
    root = logging.getLogger()
    if stream is not None or not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    redact = Redact(secrets, pseudonym_key)
    for each in root.handlers:
        for old in [f for f in each.filters if isinstance(f, Redact)]:
            each.removeFilter(old)
        each.addFilter(redact)
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO: warnings only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return root.handlers[-1]
