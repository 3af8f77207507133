"""With YKIEN_LOG_LEVEL=DEBUG the log holds no bot token and no resident's id, name or text
(issue 17); the token is masked at every level, in messages and tracebacks."""

from __future__ import annotations

import io
import logging

import pytest
from telegram import Update

from bot import log_filter
from surveys.pseudonym import pseudonym
from tests.handlers.conftest import running_harness

TOKEN = "123:TEST"  # the harness's bot token
UID, NAME, TEXT = 987_123_456, "Zelda Nguyễn", "Nhà tôi ở số 12, CCCD 001099012345"


@pytest.fixture
def log():
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    # A command run earlier in this process (`ykien sandbox`) may have quietened these loggers.
    quiet = {name: logging.getLogger(name).level for name in ("telegram", "telegram.ext")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.NOTSET)
    handler = log_filter.setup("DEBUG", [TOKEN], "k", stream=stream)
    yield stream
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)
    root.removeHandler(handler)
    for each in root.handlers:
        for f in [f for f in each.filters if isinstance(f, log_filter.Redact)]:
            each.removeFilter(f)
    root.setLevel(level)


async def test_debug_log_of_a_conversation_is_pseudonymous(services, clock, log) -> None:
    async with running_harness(services, clock) as harness:
        person = harness.user(UID, NAME)
        await harness.send(person, "/start")
        await harness.send(person, TEXT)
        # What Application logs for each update it takes from the queue (polling, webhook).
        update = Update.de_json(
            {
                "update_id": 41,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": UID, "type": "private", "first_name": NAME},
                    "from": {"id": UID, "is_bot": False, "first_name": NAME},
                    "text": TEXT,
                },
            },
            harness.app.bot,
        )
        logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
    text = log.getvalue()
    # Named with the deployment's key (the bot hands it to the filter at start), as in exports.
    key = harness.services.env.pseudonym_key
    assert f"Processing update <update 41 from p:{pseudonym(key, UID)}>" in text
    assert "Calling Bot API endpoint `sendMessage` with parameters `<dict withheld>`" in text
    for secret in (TOKEN, str(UID), NAME, "001099012345", "Nhà tôi"):
        assert secret not in text, secret


def test_the_token_is_masked_at_every_level_and_in_tracebacks(log) -> None:
    logger = logging.getLogger("ykien.test")
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    logger.warning("Set Bot API URL: %s", url)
    logger.info(f"plain {url}")
    logging.getLogger("telegram.ext.Updater").error("Network error on %s", url)
    try:
        raise RuntimeError(f"cannot reach {url}")
    except RuntimeError:
        logger.exception("failed")
    text = log.getvalue()
    assert TOKEN not in text
    assert text.count("bot***/getMe") == 4


def test_a_secret_made_after_start_is_masked_too(log) -> None:
    log_filter.add_secret("random-webhook-secret-123")
    logging.getLogger("ykien.test").warning("secret is random-webhook-secret-123")
    assert "random-webhook-secret-123" not in log.getvalue() and "secret is ***" in log.getvalue()
