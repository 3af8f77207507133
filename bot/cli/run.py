"""`ykien run`: the bot until stopped, by long polling or behind a webhook, with the one web
server (bot/web_server.py) and the background work (bot/runtime.py).

Its flags are Settings: each overrides the Config field of its name (a new one is one line
here and its YKIEN_ variable in bot/config.py).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import sys

from telegram.error import InvalidToken, NetworkError

from bot import log_filter, runtime, web_server, webhook
from bot.app import build_application
from bot.cli.database import database_failed
from bot.cli.registry import Commands, Db, Setting
from bot.cli.support import OK, CliError, CliFailure, refuse
from bot.config import Config
from bot.http_client import AiohttpRequest
from handlers.views.texts import render

COMMANDS = Commands()


@COMMANDS.standalone(
    "run",
    Setting("--token", help="token của bot (YKIEN_TOKEN)"),
    Setting("--api-url", help="Bot API server (YKIEN_API_URL)"),
    Setting("--webhook-url", help="nhận tin qua webhook tại URL này (YKIEN_WEBHOOK_URL)"),
    Setting(
        "--listen",
        help="ĐỊA_CHỈ:CỔNG của webhook Telegram khi không có --web-listen (YKIEN_LISTEN)",
    ),
    Setting(
        "--web-listen",
        help="ĐỊA_CHỈ:CỔNG của máy chủ web: phiếu web, bảng điều khiển, webhook Zalo và "
        "webhook Telegram (YKIEN_WEB_LISTEN)",
    ),
    Setting("--zalo-api-url", help="máy chủ API của Zalo OA (YKIEN_ZALO_API_URL)"),
    Setting("--zalo-oauth-url", help="máy chủ OAuth của Zalo (YKIEN_ZALO_OAUTH_URL)"),
    Setting("--db", dest="db_path", default=argparse.SUPPRESS),
    help="chạy bot (polling, hoặc webhook với --webhook-url)",
    db=Db.CREATES,
)
def run(config: Config, args: argparse.Namespace) -> int:
    """The bot until stopped; an unreachable Bot API, a refused token or a damaged database
    end it with a message, not a traceback."""
    runtime.freeze_startup_objects()
    if config.token is None and config.web_listen is not None:
        try:
            return asyncio.run(web_server.serve_alone(config))
        except sqlite3.DatabaseError as exc:
            return refuse(database_failed(config.db_path, exc))
        except web_server.ListenFailed as exc:
            return refuse(_listen_failed(config, exc))
    if config.token is None:
        return refuse(CliError("cli_error.txt", reason="no_token"))
    try:
        return _run(config)
    except InvalidToken as exc:
        reason, detail = "token", str(exc)
    except NetworkError as exc:
        reason, detail = "network", str(exc)
    except sqlite3.DatabaseError as exc:
        return refuse(database_failed(config.db_path, exc))
    except web_server.ListenFailed as exc:
        return refuse(_listen_failed(config, exc))
    return refuse(
        CliFailure("cli_run_failed.txt", reason=reason, api_url=config.api_url, detail=detail)
    )


def _listen_failed(config: Config, exc: web_server.ListenFailed) -> CliFailure:
    return CliFailure(
        "cli_run_failed.txt", reason="listen", api_url=config.api_url, detail=exc.detail,
        address=exc.address,
    )  # fmt: skip


def _run(config: Config) -> int:
    # Our own requests, so that they are closed even when the first getMe fails (PTB shuts
    # down only an application that finished initialising).
    requests = (AiohttpRequest(config.http_pool), AiohttpRequest(1))
    app = build_application(config, request=requests[0], get_updates_request=requests[1])
    print(render("cli_running.txt", config=config, api_url=config.api_url), file=sys.stderr)
    try:
        if config.webhook_url is None:
            web_server.attach(app, config)  # the runtime and the web server, same loop and db
            app.run_polling(allowed_updates=None, drop_pending_updates=False, close_loop=False)
            return OK
        secret = (
            config.webhook_secret.reveal() if config.webhook_secret else secrets.token_urlsafe(32)
        )
        log_filter.add_secret(secret)
        # one aiohttp server; the secret is checked before the body is read (bot/webhook.py)
        server = web_server.attach(app, config, webhook.TelegramWebhook(app, secret))
        asyncio.get_event_loop().run_until_complete(webhook.serve(app, config, secret, server))
        return OK
    finally:
        loop = asyncio.get_event_loop()
        loop.run_until_complete(asyncio.gather(*(r.shutdown() for r in requests)))
        loop.close()
        asyncio.set_event_loop(None)
