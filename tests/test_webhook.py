"""Webhook mode end to end: `ykien run --webhook-url URL --listen ADDR:PORT` in its own process
(bot/webhook.py on aiohttp.web), the sandbox pushing updates to it with the secret token; a
resident joins and answers the whole survey without a single getUpdates. A POST without the
secret is refused by the bot and changes nothing."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.config import Config, listen_address
from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from bot.sandbox.webhook import SECRET_HEADER
from tests.test_crash import WAIT, _prepare, _stored


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_resident_answers_through_webhook_delivery(tmp_path: Path) -> None:
    db_path = tmp_path / "ykien.db"
    token = await _prepare(db_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    sandbox = Sandbox(local_webhooks=True)
    async with SandboxServer(sandbox) as server:
        bot = BotProcess(sandbox, server.api_url, db_path, webhook=(url, f"127.0.0.1:{port}"))
        await bot.start()
        assert sandbox.webhook.url == url
        secret = sandbox.webhook.secret_token
        assert secret is not None and len(secret) >= 32  # random per start when not configured

        lan = sandbox.user(501, "Lan")
        lan.start(f"j{token}")
        offer = await sandbox.wait_for(
            lambda: next((m for m in lan.messages if "Bắt đầu khảo sát" in m.labels()), None),
            timeout=WAIT,
        )
        question = offer
        for pressed, label in zip(
            ["Bắt đầu khảo sát"] + ["4 · Hài lòng"] * 11 + ["Có"],
            ["4 · Hài lòng"] * 11 + ["Có", "Bỏ qua"],
            strict=True,
        ):
            since = len(lan.messages)
            lan.press(question, pressed)
            question = await sandbox.wait_for(
                lambda since=since, label=label: next(
                    (m for m in lan.messages[since:] if label in m.labels()), None
                ),
                timeout=WAIT,
                what=f"a question with {label!r}",
            )
        lan.press(question, "Bỏ qua")
        review = await sandbox.wait_for(
            lambda: next((m for m in lan.messages if "Sửa câu 1" in m.labels()), None),
            timeout=WAIT,
            what="the review of the answers",
        )
        assert review.text.startswith("Cảm ơn bạn đã trả lời!")

        # Someone else posting to the bot's webhook: no secret, a wrong one.
        forged = {"update_id": 10**6, "message": {"message_id": 1, "date": 0, "text": "/stop",
                  "chat": {"id": 501, "type": "private"}, "from": {"id": 501, "is_bot": False,
                  "first_name": "X"}}}  # fmt: skip
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                async with session.post(url, data=json.dumps(forged), headers=headers) as resp:
                    assert resp.status == 403
            # With the secret: over 1 MB is refused unread, malformed JSON is a 400 (not a 500).
            right = {SECRET_HEADER: secret}
            async with session.post(url, data=b" " * (2 << 20), headers=right) as resp:
                assert resp.status == 413
            async with session.post(url, data=b'{"update_id": 1, "mess', headers=right) as resp:
                assert resp.status == 400
        assert await bot.stop() == 0

    assert sandbox.calls_to("getUpdates") == []
    assert sandbox.webhook_pusher.delivered >= 15  # /start, 14 presses
    # PTB calls setWebhook just before its server listens: a first delivery may be refused
    # (connection refused) and is then retried, as Telegram does; none is lost.
    assert sandbox.webhook_pusher.refused <= 1 and sandbox.pending_updates == 0
    stored = await _stored(db_path)
    assert len(stored) == 13 and stored["tong_the"] == 1 and stored["gop_y"] is None
    assert sum(v == 4 for v in stored.values()) == 11


def test_webhook_settings_from_environment_and_flags() -> None:
    env = {"YKIEN_WEBHOOK_URL": "https://bot.example.vn/tg", "YKIEN_WEBHOOK_SECRET": "a-b_C9"}
    config = Config.from_env(env).override(listen="[::]:8443")
    assert (config.webhook_url, config.listen) == ("https://bot.example.vn/tg", "[::]:8443")
    assert config.webhook_secret is not None and config.webhook_secret.reveal() == "a-b_C9"
    assert "a-b_C9" not in repr(config)
    assert listen_address("[::]:8443") == ("::", 8443)
    assert listen_address("0.0.0.0:80") == ("0.0.0.0", 80)
    assert Config.from_env({}).override().webhook_url is None  # polling


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"YKIEN_WEBHOOK_URL": "bot.example.vn/tg"}, "YKIEN_WEBHOOK_URL phải là địa chỉ https://"),
        ({"YKIEN_WEBHOOK_URL": "https://x.vn/", "YKIEN_LISTEN": "8443"}, "YKIEN_LISTEN phải có"),
        ({"YKIEN_WEBHOOK_URL": "https://x.vn/", "YKIEN_LISTEN": "h:99999"}, "YKIEN_LISTEN"),
        ({"YKIEN_WEBHOOK_SECRET": "có dấu"}, "YKIEN_WEBHOOK_SECRET chỉ gồm"),
    ],
)
def test_bad_webhook_settings_are_refused_before_starting(env, message, capsys) -> None:
    with pytest.raises(ValueError, match=message):
        Config.from_env(env).override()


def test_run_refuses_a_bad_listen_address(monkeypatch, capsys) -> None:
    monkeypatch.setenv("YKIEN_TOKEN", "1:X")
    code = main(["run", "--webhook-url", "https://x.vn/tg", "--listen", "nowhere"])
    assert code == 2
    assert "YKIEN_LISTEN phải có dạng ĐỊA_CHỈ:CỔNG" in capsys.readouterr().err
