"""One port for everything HTTP: `ykien run --webhook-url URL --web-listen ADDR:PORT` in its own
process serves the e-sheet, the dashboard, the Telegram webhook (with its checks), the Zalo
webhook (events signed by the Zalo sandbox queued once, forged ones refused, nothing stored)
and Zalo's verification file, while its runtime refreshes a stale Zalo token at start; the log
holds no secret. Without a token, `--web-listen` serves the web channel and Zalo alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.config import WEB_SEGMENTS, ZALO_WEBHOOK_PATH, Config, ConfigError
from bot.process import TOKEN, BotProcess
from bot.runtime import Runtime
from bot.sandbox import Sandbox, SandboxServer
from bot.sandbox.webhook import SECRET_HEADER
from bot.web_server import Server, free_port
from bot.webhook import TelegramWebhook
from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from storage import zalo as zalo_db
from storage.zalo import ZaloAccount
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock
from tests.handlers.conftest import running_harness
from tests.test_crash import WAIT, _prepare
from tests.test_webhook_limits import update

USER = "8801234567890123456"
CODE = "MeVd6DceSpupfjWIxOznI1I4v7FuyZOgD3Gp"


@dataclass
class Log:
    """The process's standard error, read as it comes (a pipe must be drained)."""

    lines: list[str] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            async with self.changed:
                self.lines.append(line.decode())
                self.changed.notify_all()

    async def wait_for(self, text: str) -> None:
        """Until a line holds `text`: each wake-up is a new line, never a timer."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: text in self.text), WAIT)

    @property
    def text(self) -> str:
        return "".join(self.lines)


@contextlib.asynccontextmanager
async def reading(stream: asyncio.StreamReader | None) -> AsyncIterator[Log]:
    assert stream is not None
    log = Log()
    task = asyncio.create_task(log.read(stream))
    try:
        yield log
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, WAIT)  # ends with the process


async def connect_stale(db_path: Path, zalo: ZaloSandbox) -> ZaloAccount:
    """`ykien zalo connect` 30 hours ago: the access token ran out 5 hours ago."""
    then = datetime.now(UTC) - timedelta(hours=30)
    services = await Services.open(str(db_path), clock=lambda: then)
    try:
        await connect_sandbox(services.env, zalo, COMMUNE)
        account = await zalo_db.get_account(services.db.conn, zalo.oa_id)
    finally:
        await services.close()
    assert account is not None
    return account


async def stored(db_path: Path, oa_id: str) -> tuple[list[tuple[str, str]], ZaloAccount | None]:
    services = await Services.open(str(db_path))
    try:
        # every row, handled or not: the process's inbox worker handles them as they come
        rows = await services.db.conn.execute_fetchall(
            "SELECT kind, user_id FROM zalo_inbox WHERE oa_id = ? ORDER BY id", (oa_id,)
        )
        return [(r[0], r[1]) for r in rows], await zalo_db.get_account(services.db.conn, oa_id)
    finally:
        await services.close()


async def zalo_events(zalo: ZaloSandbox, url: str) -> None:
    """A follow and a text, the text delivered twice; then a forged and an unsigned copy."""
    zalo.webhook.register(url)
    zalo.follow(USER)
    zalo.write(USER, "Xã Tân Uyên")
    zalo.webhook.duplicate_next(2)
    await zalo.webhook.flush()
    assert len(zalo.webhook.log.delivered) == 4 and zalo.webhook.log.failures == []
    forged = zalo.write(USER, "giả mạo")
    zalo.webhook.queue.clear()
    assert await zalo.webhook.post_forged(forged) == 403
    assert await zalo.webhook.post_forged(forged, header=None) == 403


def inbox_of(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(events)


@pytest.fixture
def zalo() -> ZaloSandbox:
    sandbox = ZaloSandbox()  # the bot's process reads the real clock: so does its Zalo
    sandbox.webhook.retry_delays = (0.0,) * 5
    return sandbox


async def test_one_port_serves_the_sheet_dashboard_and_both_webhooks(
    tmp_path: Path, zalo: ZaloSandbox
) -> None:
    db_path = tmp_path / "ykien.db"
    token = await _prepare(db_path)
    before = await connect_stale(db_path, zalo)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox = Sandbox(local_webhooks=True)
    async with SandboxServer(sandbox) as tg, ZaloSandboxServer(zalo) as zs:
        env = {"YKIEN_ZALO_API_URL": zs.url, "YKIEN_ZALO_OAUTH_URL": zs.url}
        bot = BotProcess(
            sandbox, tg.api_url, db_path, webhook=(f"{base}/tg", None),
            web_listen=f"127.0.0.1:{port}", stderr=asyncio.subprocess.PIPE,
            extra_env={**env, "YKIEN_ZALO_VERIFIER": CODE, "YKIEN_LOG_LEVEL": "INFO"},
        )  # fmt: skip
        await bot.start()
        assert bot.proc is not None
        async with reading(bot.proc.stderr) as log, aiohttp.ClientSession() as http:
            await log.wait_for("tokens refreshed")  # the runtime's refresh, at start
            assert f"lắng nghe 127.0.0.1:{port}" in log.text

            async with http.get(f"{base}/x/{COMMUNE}") as resp:  # the e-sheet
                assert resp.status == 200 and "Tân Uyên" in await resp.text()
            async with http.get(f"{base}/d") as resp:  # the dashboard
                assert resp.status == 401 and "Chưa đăng nhập" in await resp.text()
            async with http.get(f"{base}/zalo_verifier{CODE}.html") as resp:
                assert resp.status == 200 and f'content="{CODE}"' in await resp.text()

            # Telegram's webhook on the same port: a resident joins; its checks hold.
            assert sandbox.webhook.url == f"{base}/tg"
            lan = sandbox.user(501, "Lan")
            lan.start(f"j{token}")
            await sandbox.wait_for(
                lambda: any("Bắt đầu khảo sát" in m.labels() for m in lan.messages),
                timeout=WAIT,
                what="the survey offer, through the webhook",
            )
            secret = sandbox.webhook.secret_token
            assert secret is not None
            for body, headers, status in (
                (b"{}", {}, 403),
                (b" " * (2 << 20), {SECRET_HEADER: secret}, 413),
                (b'{"update_id": 1, "mess', {SECRET_HEADER: secret}, 400),
            ):
                async with http.post(f"{base}/tg", data=body, headers=headers) as resp:
                    assert resp.status == status

            await zalo_events(zalo, f"{base}{ZALO_WEBHOOK_PATH}")
            assert await bot.stop() == 0
        text = log.text

    assert sandbox.calls_to("getUpdates") == []
    events, account = await stored(db_path, zalo.oa_id)
    assert inbox_of(events) == [("follow", USER), ("text", USER)]
    assert account is not None and zalo.tokens.refreshes == 1
    assert account.refresh_token != before.refresh_token
    assert account.refresh_token in zalo.tokens.refresh  # the new, unused one
    assert account.access_expires_at > datetime.now(UTC) + timedelta(hours=24)
    secrets = (zalo.app_secret, zalo.oa_secret, before.access_token, before.refresh_token)
    assert [s for s in (*secrets, account.access_token, TOKEN, secret) if s in text] == []


async def test_without_a_token_the_web_server_serves_the_sheet_and_zalo(
    tmp_path: Path, zalo: ZaloSandbox
) -> None:
    db_path = tmp_path / "web.db"
    await _prepare(db_path)
    await connect_stale(db_path, zalo)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with ZaloSandboxServer(zalo) as zs:
        env = {k: v for k, v in os.environ.items() if k != "YKIEN_TOKEN"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--db", str(db_path), "run",
            "--web-listen", f"127.0.0.1:{port}", "--zalo-api-url", zs.url,
            env={**env, "YKIEN_LOG_LEVEL": "WARNING", "YKIEN_ZALO_OAUTH_URL": zs.url},
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with reading(proc.stderr) as log, aiohttp.ClientSession() as http:
                await log.wait_for("webhook Zalo lắng nghe")
                async with http.get(f"{base}/x/{COMMUNE}") as resp:
                    assert resp.status == 200
                async with http.get(f"{base}/zalo_verifier{CODE}.html") as resp:
                    assert resp.status == 404  # no YKIEN_ZALO_VERIFIER: no file
                await zalo_events(zalo, f"{base}{ZALO_WEBHOOK_PATH}")
                proc.send_signal(signal.SIGINT)
                assert await proc.wait() == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    events, _ = await stored(db_path, zalo.oa_id)
    assert inbox_of(events) == [("follow", USER), ("text", USER)]


async def test_web_paths_are_the_reserved_segments(services: Services) -> None:
    """A Telegram webhook path is refused on the segments the one server's pages use: this
    list (bot.config.WEB_SEGMENTS) must name every one of them."""
    config = Config(web_listen="127.0.0.1:8080", zalo_verifier=CODE)
    runtime = Runtime(services, config, workers=())
    app = Server(config).build(services, runtime)
    segments = {r.canonical.split("/")[1] for r in app.router.resources()}
    assert segments - {f"zalo_verifier{CODE}.html"} <= WEB_SEGMENTS
    await runtime.stop()


def test_one_server_settings(capsys: pytest.CaptureFixture[str]) -> None:
    web, old = "127.0.0.1:8080", "127.0.0.1:8443"
    hook = Config.from_env({"YKIEN_WEBHOOK_URL": "https://bot.xa.vn/tg"})
    assert hook.override(web_listen=web).addresses == [web]
    assert hook.override(web_listen=web, listen=web).addresses == [web]
    assert hook.override().addresses == [old]  # the webhook alone, as before
    assert hook.override(web_listen=web, listen=old).addresses == [web, old]  # two ports before
    assert Config().override(web_listen=web, listen=old).addresses == [web]  # polling
    assert Config().override().addresses == []
    refused = [
        ({"web_listen": web, "webhook_url": "https://bot.xa.vn/"}, "webhook_path"),
        ({"web_listen": web, "webhook_url": "https://b.vn/x/1"}, "webhook_path"),
        ({"web_listen": web, "webhook_url": "https://b.vn/zalo_verifierX.html"}, "webhook_path"),
        ({"zalo_api_url": "openapi.zalo.me"}, "zalo_url"),
        ({"zalo_verifier": "có dấu"}, "zalo_verifier"),
    ]
    for changes, reason in refused:
        with pytest.raises(ConfigError) as error:
            hook.override(**changes)
        assert error.value.reason == reason
    for raw in ("0", "51", "nhanh"):
        with pytest.raises(ConfigError, match="YKIEN_ZALO_RATE"):
            Config.from_env({"YKIEN_ZALO_RATE": raw})
    assert Config.from_env({"YKIEN_ZALO_RATE": "15"}).zalo_rate == 15.0
    args = ["run", "--token", "1:X", "--webhook-url", "https://bot.xa.vn/d/tg"]
    assert main([*args, "--web-listen", web]) == 2
    err = capsys.readouterr().err
    assert 'đường dẫn "/d/tg" của YKIEN_WEBHOOK_URL trùng với các trang web' in err
    assert "Traceback" not in err


async def test_an_older_two_port_setup_is_one_server_on_both(
    services: Services, clock: FakeClock
) -> None:
    """--listen and --web-listen both given (two servers before): the same routes on both
    ports, so a proxy that forwards the webhook to the old port keeps working."""
    web, old = free_port(), free_port()
    config = Config(webhook_url="https://bot.xa.vn/tg").override(
        web_listen=f"127.0.0.1:{web}", listen=f"127.0.0.1:{old}"
    )
    async with running_harness(services, clock) as harness:
        queued: list[object] = []

        async def put(u: object) -> None:
            queued.append(u)

        server = Server(config, TelegramWebhook(harness.app, "s3cret", put))
        runtime = Runtime(services, config, workers=())
        await server.start(services, runtime)
        try:
            async with aiohttp.ClientSession() as http:
                for port in (web, old):
                    base = f"http://127.0.0.1:{port}"
                    async with http.get(f"{base}/x/{COMMUNE}") as resp:
                        assert resp.status == 200
                    body = json.dumps(update("/help")).encode()
                    headers = {SECRET_HEADER: "s3cret"}
                    async with http.post(f"{base}/tg", data=body, headers=headers) as resp:
                        assert resp.status == 200
                # The webhook reads up to its own 1 MB, not the pages' 32 KB.
                big = update("/help")
                big["message"]["caption"] = "x" * 100_000
                body = json.dumps(big).encode()
                async with http.post(f"{base}/tg", data=body, headers=headers) as resp:
                    assert resp.status == 200
        finally:
            await server.stop()
            await runtime.stop()
    assert len(queued) == 3


def test_a_taken_port_is_a_message_not_a_traceback(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YKIEN_TOKEN", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["run", "--web-listen", f"127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err
    assert f"máy chủ web không lắng nghe được tại 127.0.0.1:{port}" in err
    assert "Traceback" not in err
